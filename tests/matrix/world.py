"""A small multi-tenant world for the authorization tests, written through the store.

Organization "Acme" with an OWNER, ADMIN, MODERATOR and MEMBER; workspace "Core" (Acme,
created by the org owner, a WS_ADMIN member) whose members are WS_ADMIN, WS_EDITOR and
WS_VIEWER plus the four project members as WS_VIEWER; workspace "Side" (Acme) where the
org admin, moderator and member work, so none of them belongs to "Core"; a public and a
private space in "Core"; project "RKT" inside the private space with PROJECT_OWNER,
PROJECT_ADMIN, MEMBER and VIEWER members (the four seeded roles); and an outsider owning
organization "Other" with its own workspace. The org admin belongs to department "People
Ops" (org.members.view + org.members.manage), so it may list Acme's workspaces (403 where
other non-members get 404). Every actor is in an *_ACTIVE lifecycle state, so the routing
table lets them through and the guards decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webapp.authz.roles import ProjectRole, default_project_role_documents
from webapp.authz.vocabulary import OrgPermission
from webapp.identity.sessions import sign_in
from webapp.storage.query import Query

Document = dict[str, Any]

ORG_ROLES = {"org_owner": "OWNER", "org_admin": "ADMIN", "org_moderator": "MODERATOR",
             "org_member": "MEMBER"}
WS_ROLES = {"ws_admin": "WS_ADMIN", "ws_editor": "WS_EDITOR", "ws_viewer": "WS_VIEWER"}
PROJECT_ROLES = {"p_owner": ProjectRole.PROJECT_OWNER, "p_admin": ProjectRole.PROJECT_ADMIN,
                 "p_member": ProjectRole.MEMBER, "p_viewer": ProjectRole.VIEWER}
ACTORS = ("anonymous", "outsider", *ORG_ROLES, *WS_ROLES, *PROJECT_ROLES)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    users: dict[str, Document] = field(default_factory=dict)
    org: Document = field(default_factory=dict)
    other_org: Document = field(default_factory=dict)
    workspace: Document = field(default_factory=dict)
    other_workspace: Document = field(default_factory=dict)
    other_space: Document = field(default_factory=dict)  # the outsider's, in Elsewhere
    other_project: Document = field(default_factory=dict)
    public_space: Document = field(default_factory=dict)
    private_space: Document = field(default_factory=dict)
    project: Document = field(default_factory=dict)
    project_roles: dict[str, Document] = field(default_factory=dict)
    members: dict[str, Document] = field(default_factory=dict)  # workspace_members by actor
    custom_role: Document = field(default_factory=dict)  # a custom role of "Core"
    org_members: dict[str, Document] = field(default_factory=dict)  # Acme rows by actor
    department: Document = field(default_factory=dict)  # "People Ops": the org admin
    project_members: dict[str, Document] = field(default_factory=dict)  # RKT rows by actor
    extras: dict[str, Document] = field(default_factory=dict)  # see add_extras

    def user(self, actor: str) -> Document:
        return self.users[actor]


def make_user(store: Any, actor: str, **values: Any) -> Document:
    return store.create("users", {
        "name": actor.replace("_", " ").title(), "email": f"{actor}@example.com",
        "email_verified_at": now(), "status": "active", "account_type": "ORG",
        "accepted_terms_version": "v1", "accepted_terms_at": now(),
        "accepted_dpa_version": "v1", "accepted_dpa_at": now(), **values,
    })


def make_org(store: Any, owner: Document, name: str) -> Document:
    org = store.create("organizations", {
        "name": name, "owner_id": owner["$id"], "created_by": owner["$id"],
        "legal_version": "v1", "legal_accepted_at": now(), "legal_accepted_by": owner["$id"],
    })
    add_org_member(store, org, owner, "OWNER")
    return org


def add_org_member(store: Any, org: Document, user: Document, role: str,
                   status: str = "ACTIVE") -> Document:
    store.update("users", user["$id"], {"primary_organization_id": org["$id"],
                                        "account_type": "ORG"})
    return store.create("organization_members", {
        "organization_id": org["$id"], "user_id": user["$id"], "role": role, "status": status,
        "name": user["name"], "email": user["email"], "joined_at": now(),
    })


def make_workspace(store: Any, owner: Document, name: str, org: Document | None) -> Document:
    workspace = store.create("workspaces", {
        "name": name, "owner_id": owner["$id"],
        "organization_id": org["$id"] if org else None,
        "account_type": "organization" if org else "personal",
        "billing_scope": "organization" if org else "user", "created_by": owner["$id"],
    })
    store.update("users", owner["$id"], {"default_workspace_id": workspace["$id"]})
    return workspace


def add_ws_member(store: Any, workspace: Document, user: Document, role: str,
                  status: str = "ACTIVE") -> Document:
    if not user.get("default_workspace_id"):
        store.update("users", user["$id"], {"default_workspace_id": workspace["$id"]})
    return store.create("workspace_members", {
        "workspace_id": workspace["$id"], "user_id": user["$id"], "role": role,
        "status": status, "name": user["name"], "email": user["email"],
    })


def make_space(store: Any, workspace: Document, key: str, visibility: str) -> Document:
    return store.create("spaces", {
        "workspace_id": workspace["$id"], "name": f"Space {key}", "key": key,
        "visibility": visibility,
    })


def make_project(store: Any, workspace: Document, space: Document | None, key: str,
                 creator: Document) -> tuple[Document, dict[str, Document]]:
    project = store.create("projects", {
        "workspace_id": workspace["$id"], "space_id": space["$id"] if space else None,
        "name": f"Project {key}", "key": key, "created_by": creator["$id"],
    })
    roles = {}
    for values in default_project_role_documents():
        role = store.create("project_roles", {**values, "project_id": project["$id"],
                                              "workspace_id": workspace["$id"]})
        roles[str(values["name"])] = role
    return project, roles


def add_project_member(store: Any, project: Document, roles: dict[str, Document],
                       user: Document, role: ProjectRole, status: str = "ACTIVE") -> Document:
    return store.create("project_members", {
        "project_id": project["$id"], "workspace_id": project["workspace_id"],
        "user_id": user["$id"], "role": role.name,
        "role_id": roles[role.document_name]["$id"], "status": status, "joined_at": now(),
    })


def build_world(store: Any, *, services: bool = False) -> World:
    """The world above. ``services=True`` creates the organizations, workspaces and
    workspace memberships through the feature services (audit rows, counters and all);
    spaces, projects and their members are written through the store."""
    world = World()
    for actor in ACTORS[1:]:
        world.users[actor] = make_user(store, actor)
    owner = world.users["org_owner"]
    world.org = _org(store, owner, "Acme", services)
    org_members = world.org_members
    org_members["org_owner"] = store.first("organization_members", [
        Query.equal("organization_id", world.org["$id"]), Query.equal("user_id", owner["$id"]),
    ])
    for actor, role in ORG_ROLES.items():
        if role != "OWNER":
            org_members[actor] = add_org_member(store, world.org, world.users[actor], role)
    for actor in (*WS_ROLES, *PROJECT_ROLES):
        org_members[actor] = add_org_member(store, world.org, world.users[actor], "MEMBER")
    world.workspace = _workspace(store, owner, "Core", world.org, services)
    if not services:
        world.members["org_owner"] = add_ws_member(store, world.workspace, owner, "WS_ADMIN")
    roles = {**WS_ROLES, **dict.fromkeys(PROJECT_ROLES, "WS_VIEWER")}
    for actor, role in roles.items():
        world.members[actor] = _ws_member(store, world.workspace, owner, org_members[actor],
                                          world.users[actor], role, services)
    # the org admin, moderator and member work in another workspace of Acme, not in Core
    side = _workspace(store, owner, "Side", world.org, services)
    for actor in ("org_admin", "org_moderator", "org_member"):
        _ws_member(store, side, owner, org_members[actor], world.users[actor], "WS_EDITOR",
                   services)
    world.public_space = make_space(store, world.workspace, "PUB", "PUBLIC")
    world.private_space = make_space(store, world.workspace, "SEC", "PRIVATE")
    world.project, world.project_roles = make_project(store, world.workspace,
                                                      world.private_space, "RKT", owner)
    for actor, role in PROJECT_ROLES.items():
        world.project_members[actor] = add_project_member(
            store, world.project, world.project_roles, world.users[actor], role)
    outsider = world.users["outsider"]
    world.other_org = _org(store, outsider, "Other", services)
    world.other_workspace = _workspace(store, outsider, "Elsewhere", world.other_org, services)
    if not services:
        add_ws_member(store, world.other_workspace, outsider, "WS_ADMIN")
    world.other_space = make_space(store, world.other_workspace, "OUT", "PUBLIC")
    world.other_project, _ = make_project(store, world.other_workspace, world.other_space,
                                          "OUT", outsider)
    # the org admin holds member keys through a department (non-owners have no implicit keys)
    world.department = store.create("departments", {
        "organization_id": world.org["$id"], "name": "People Ops",
        "permissions": [OrgPermission.MEMBERS_VIEW.value, OrgPermission.MEMBERS_MANAGE.value],
        "member_count": 1,
    })
    store.create("org_member_departments", {
        "organization_id": world.org["$id"], "member_id": org_members["org_admin"]["$id"],
        "user_id": world.users["org_admin"]["$id"], "department_id": world.department["$id"],
    })
    world.custom_role = store.create("custom_roles", {
        "workspace_id": world.workspace["$id"], "name": "Reviewers",
        "permissions": ["workspace.view"],
    })
    # refresh the user documents (primary org, default workspace)
    world.users = {actor: store.get("users", u["$id"]) for actor, u in world.users.items()}
    return world


def _acting(user: Document) -> Any:
    from webapp.audit import Acting

    return Acting.of(user, "127.0.0.1")


def _org(store: Any, owner: Document, name: str, services: bool) -> Document:
    if not services:
        return make_org(store, owner, name)
    from webapp.features.orgs.service import create_organization

    org = create_organization(store, _acting(owner), owner_id=owner["$id"], name=name)
    # the owner accepted the terms and DPA for the organization
    return store.update("organizations", org["$id"], {
        "legal_version": "v1", "legal_accepted_at": now(), "legal_accepted_by": owner["$id"],
    })


def _workspace(store: Any, owner: Document, name: str, org: Document,
               services: bool) -> Document:
    if not services:
        return make_workspace(store, owner, name, org)
    from webapp.features.workspaces.service import create_workspace

    return create_workspace(store, _acting(owner), owner_id=owner["$id"], name=name,
                            organization_id=org["$id"])


def _ws_member(store: Any, workspace: Document, by: Document, org_member: Document,
               user: Document, role: str, services: bool) -> Document:
    if not services:
        return add_ws_member(store, workspace, user, role)
    from webapp.features.workspaces.service import add_member_from_org

    member = add_member_from_org(store, _acting(by), workspace["$id"], org_member["$id"], role)
    if not store.get("users", user["$id"]).get("default_workspace_id"):
        store.update("users", user["$id"], {"default_workspace_id": workspace["$id"]})
    return member


def client_for(app: Any, user: Document | None) -> Any:
    """A test client signed in as ``user`` through the real session interface."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            sign_in(session, user["$id"])
    return client


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def add_images(store: Any, files: Any, world: World) -> None:
    """Core's image, Acme's logo and the workspace viewer's avatar (1x1 PNGs)."""
    from webapp.storage import new_id

    for collection, doc, attribute in (
        ("workspaces", world.workspace, "image_file_id"),
        ("organizations", world.org, "logo_file_id"),
        ("users", world.users["ws_viewer"], "avatar_file_id"),
    ):
        file_id = new_id()
        files.put("images", file_id, PNG, "image/png", "picture.png")
        doc.update(store.update(collection, doc["$id"], {attribute: file_id}))


def add_extras(store: Any, world: World) -> None:
    """Sub-resources the routes address: the workspace viewer as a VIEWER member of the
    private space (so the space has a member who is not an admin), a project team "QA"
    with the project member in it, a direct grant, and a custom project role."""
    workspace_id, project_id = world.workspace["$id"], world.project["$id"]
    viewer, member = world.users["ws_viewer"], world.users["p_member"]
    world.extras["space_member"] = store.create("space_members", {
        "space_id": world.private_space["$id"], "workspace_id": workspace_id,
        "user_id": viewer["$id"], "member_id": world.members["ws_viewer"]["$id"],
        "role": "VIEWER", "joined_at": now(),
    })
    team = store.create("project_teams", {
        "project_id": project_id, "workspace_id": workspace_id, "name": "QA",
        "permissions": [], "member_count": 1,
    })
    world.extras["team"] = team
    world.extras["team_member"] = store.create("project_team_members", {
        "team_id": team["$id"], "project_id": project_id, "user_id": member["$id"],
        "role": "member",
    })
    world.extras["grant"] = store.create("project_permissions", {
        "project_id": project_id, "workspace_id": workspace_id,
        "permission": "project.docs.create", "user_id": member["$id"],
    })
    world.extras["project_role"] = store.create("project_roles", {
        "project_id": project_id, "workspace_id": workspace_id, "name": "Reviewer",
        "permissions": ["project.view", "project.tasks.view"], "is_default": False,
    })
