"""Load what the policy needs to know about one actor and one resource: ``AccessContext``.

``load_scope`` reads the resource chain and the actor's memberships and returns a ``Scope``
(the documents plus the context); ``load_context`` is the same, returning only the
context. Guards keep one ``Scope`` per resource per request (``webapp.authz.guards``), so
a page, its ``can()`` checks and its fragments share one load.

What a load costs (store calls, counted by ``tests/authz/test_guards_loader.py``):

* The resource chain: one read per named resource, walking upwards (a project or space
  names its workspace, a workspace names its organization). The organization document
  itself is read only when the URL names the organization (``org_id``).
* Membership reads, at most three, one per layer, skipped when an override already
  decides the layer: the org membership (org workspaces only), the workspace membership
  (not needed for an org OWNER), and the space or project membership (not needed for an
  org OWNER/ADMIN/MODERATOR or a workspace admin, nor for a non-member of the workspace).

An organization or workspace page costs at most 3 store calls, a space or project page 5.

Grants that only ever *widen* what a membership's role gives are loaded lazily, the
first time a decision needs them: department and direct org keys (when an org key, or a
workspace the actor is not a member of, is refused without them: up to 3 more calls), and
a project member's role document, team and direct grants (when the role's default keys do
not already allow the key asked: up to 4 more calls). Because grants are a union, a
decision allowed without them stays allowed with them; a refusal is retried once after
loading them. ``load_context`` loads the lazy grants that matter for the named resource
(for services and jobs that decide many keys on one plain context); guards use
``load_scope`` and pay only for what they decide.

Stored values that no longer parse (an unknown role string, a custom workspace role)
load as the layer's lowest role, never as more.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from webapp.authz.context import (
    AccessContext,
    Actor,
    Decision,
    OrgGrant,
    ProjectGrant,
    SpaceGrant,
    WorkspaceGrant,
)
from webapp.authz.policy import active_org_grant, active_workspace_grant, decide
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    ProjectMemberStatus,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceMemberStatus,
    WorkspaceRole,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    Permission,
    ProjectPermission,
    WorkspacePermission,
    parse_permissions,
)
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

__all__ = ["NotVisible", "Scope", "load_context", "load_scope"]

_MANY = 500  # ceiling for one actor's rows of one kind (departments, teams)
_MANY_GRANTS = 5000  # explicit grants of one project, filtered here by user and team


class NotVisible(LookupError):
    """A named resource does not exist, or the ids given do not belong together."""


@dataclass
class Scope:
    """The documents of one resource chain and the actor's access to it.

    ``context`` grows when lazy grants are loaded; read it after ``decide`` for the
    complete picture, or call ``complete()`` first.
    """

    store: DocumentStore
    user: Document
    context: AccessContext
    organization: Document | None = None
    workspace: Document | None = None
    space: Document | None = None
    project: Document | None = None
    org_id: str | None = None
    org_member: Document | None = None
    workspace_member: Document | None = None
    space_member: Document | None = None
    project_member: Document | None = None
    org_details_loaded: bool = False
    project_details_loaded: bool = False
    _decisions: dict[Permission, Decision] = field(default_factory=dict)

    # -- decisions ---------------------------------------------------------------------
    def decide(self, permission: Permission) -> Decision:
        """The policy's decision, loading lazy grants when a refusal might be lifted."""
        cached = self._decisions.get(permission)
        if cached is not None:
            return cached
        decision = decide(self.context, permission)
        if not decision.allowed and self._widen_for(permission):
            decision = decide(self.context, permission)
        self._decisions[permission] = decision
        return decision

    def allows(self, permission: Permission) -> bool:
        return self.decide(permission).allowed

    def complete(self) -> AccessContext:
        """Load every lazy grant and return the full context."""
        self._load_org_details()
        self._load_project_details()
        return self.context

    def _widen_for(self, permission: Permission) -> bool:
        """Load the lazy grants that could change a refusal of ``permission``."""
        if isinstance(permission, OrgPermission):
            return self._load_org_details()
        if isinstance(permission, WorkspacePermission):
            # org access only decides whether a non-member sees the workspace listed
            if active_workspace_grant(self.context) is not None:
                return False
            return self._load_org_details()
        if isinstance(permission, ProjectPermission):
            return self._load_project_details()
        return False

    # -- lazy grants -------------------------------------------------------------------
    def _load_org_details(self) -> bool:
        """Department ids and keys, direct org keys. True when the context changed."""
        if self.org_details_loaded:
            return False
        self.org_details_loaded = True
        grant = self.context.org
        member = self.org_member
        if grant is None or member is None or grant.role is OrgRole.OWNER:
            return False
        if not grant.is_active:
            return False
        user_id = str(self.user["$id"])
        links = self.store.list("org_member_departments", [
            Query.equal("organization_id", self.org_id),
            Query.equal("user_id", user_id),
            Query.limit(_MANY),
        ]).documents
        department_ids = frozenset(str(link["department_id"]) for link in links)
        department_keys: frozenset[OrgPermission] = frozenset()
        if department_ids:
            departments = self.store.get_many("departments", sorted(department_ids))
            department_keys = frozenset().union(*(
                parse_permissions(OrgPermission, d.get("permissions"))
                for d in departments.values()
                if d.get("organization_id") == self.org_id
            ))
        direct_rows = self.store.list("org_member_permissions", [
            Query.equal("organization_id", self.org_id),
            Query.equal("user_id", user_id),
            Query.limit(_MANY),
        ]).documents
        direct = frozenset().union(*(
            parse_permissions(OrgPermission, row.get("permissions")) for row in direct_rows
        ))
        if not (department_ids or direct):
            return False
        widened = replace(grant, department_ids=department_ids,
                          department_permissions=department_keys, direct_permissions=direct)
        self._set_context(replace(self.context, org=widened))
        return True

    def _load_project_details(self) -> bool:
        """The role document's keys, team keys and direct grants of a project member."""
        if self.project_details_loaded:
            return False
        self.project_details_loaded = True
        grant = self.context.project
        member = self.project_member
        project = self.project
        if grant is None or member is None or project is None:
            return False
        if grant.status is ProjectMemberStatus.REMOVED:
            return False
        project_id = str(project["$id"])
        user_id = str(self.user["$id"])
        role_keys: frozenset[ProjectPermission] = frozenset()
        role_id = member.get("role_id")
        if role_id:
            role = self.store.find("project_roles", str(role_id))
            if role is not None and role.get("project_id") == project_id:
                role_keys = parse_permissions(ProjectPermission, role.get("permissions"))
        links = self.store.list("project_team_members", [
            Query.equal("project_id", project_id),
            Query.equal("user_id", user_id),
            Query.limit(_MANY),
        ]).documents
        team_ids = sorted({str(link["team_id"]) for link in links})
        team_keys: set[ProjectPermission] = set()
        if team_ids:
            for team in self.store.get_many("project_teams", team_ids).values():
                if team.get("project_id") == project_id:
                    team_keys |= parse_permissions(ProjectPermission, team.get("permissions"))
        rows = self.store.list("project_permissions", [
            Query.equal("project_id", project_id), Query.limit(_MANY_GRANTS),
        ]).documents
        user_grants: set[ProjectPermission] = set()
        for row in rows:
            keys = parse_permissions(ProjectPermission, [str(row.get("permission"))])
            if row.get("user_id") == user_id:
                user_grants |= keys
            elif row.get("team_id") in team_ids:
                team_keys |= keys
        widened = replace(grant, role_permissions=role_keys,
                          team_permissions=frozenset(team_keys),
                          user_grants=frozenset(user_grants))
        if widened == grant:
            return False
        self._set_context(replace(self.context, project=widened))
        return True

    def _set_context(self, context: AccessContext) -> None:
        self.context = context
        self._decisions.clear()


# --- parsing stored rows ---------------------------------------------------------------------

def _org_grant(member: Document | None) -> OrgGrant | None:
    if member is None:
        return None
    role = OrgRole.parse_or_none(member.get("role")) or OrgRole.MEMBER
    try:
        status = OrgMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = OrgMemberStatus.SUSPENDED
    return OrgGrant(role, status)


def _workspace_grant(member: Document | None) -> WorkspaceGrant | None:
    if member is None:
        return None
    try:
        role = WorkspaceMemberRole.parse(str(member.get("role") or ""))
    except ValueError:  # a custom role name: the floor
        role = WorkspaceMemberRole.WS_VIEWER
    try:
        status = WorkspaceMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = WorkspaceMemberStatus.INACTIVE
    return WorkspaceGrant(role, status)


def _space_grant(member: Document | None) -> SpaceGrant | None:
    if member is None:
        return None
    return SpaceGrant(SpaceRole.parse_or_none(member.get("role")) or SpaceRole.VIEWER)


def _project_grant(member: Document | None) -> ProjectGrant | None:
    if member is None:
        return None
    try:
        role = ProjectRole.parse(str(member.get("role") or ""))
    except ValueError:
        role = ProjectRole.VIEWER
    try:
        status = ProjectMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = ProjectMemberStatus.REMOVED
    return ProjectGrant(role, status)


def _visibility(space: Document) -> SpaceVisibility:
    try:
        return SpaceVisibility(str(space.get("visibility") or "PUBLIC").upper())
    except ValueError:
        return SpaceVisibility.PRIVATE


def _find(store: DocumentStore, collection: str, document_id: str | None) -> Document:
    if not document_id or not isinstance(document_id, str):
        raise NotVisible(collection)
    doc = store.find(collection, document_id)
    if doc is None:
        raise NotVisible(collection)
    return doc


def _member(store: DocumentStore, collection: str, **where: Any) -> Document | None:
    return store.first(collection, [Query.equal(k, v) for k, v in where.items()])


# --- loading -------------------------------------------------------------------------------

def load_scope(
    store: DocumentStore,
    user: Document,
    *,
    org_id: str | None = None,
    workspace_id: str | None = None,
    space_id: str | None = None,
    project_id: str | None = None,
) -> Scope:
    """Read the resource chain and the memberships; raise ``NotVisible`` for a missing
    resource or ids that do not belong together (a project of another workspace)."""
    user_id = str(user["$id"])
    scope = Scope(store, user, AccessContext(Actor(user_id, bool(user.get("is_platform_admin")))))
    if project_id is not None:
        scope.project = _find(store, "projects", project_id)
        if space_id is not None and scope.project.get("space_id") != space_id:
            raise NotVisible("projects")
        if workspace_id is not None and scope.project.get("workspace_id") != workspace_id:
            raise NotVisible("projects")
        workspace_id = str(scope.project.get("workspace_id") or "")
    elif space_id is not None:
        scope.space = _find(store, "spaces", space_id)
        if workspace_id is not None and scope.space.get("workspace_id") != workspace_id:
            raise NotVisible("spaces")
        workspace_id = str(scope.space.get("workspace_id") or "")
    personal = False
    if workspace_id is not None:
        scope.workspace = _find(store, "workspaces", workspace_id)
        ws_org = scope.workspace.get("organization_id")
        personal = not ws_org or scope.workspace.get("account_type") == "personal"
        if org_id is not None and ws_org != org_id:
            raise NotVisible("workspaces")
        org_id = None if personal else str(ws_org)
    elif org_id is not None:
        scope.organization = _find(store, "organizations", org_id)
        if scope.organization.get("deleted_at") is not None:
            raise NotVisible("organizations")
    scope.org_id = org_id

    context = replace(scope.context, personal_workspace=personal)
    if org_id is not None:
        scope.org_member = _member(store, "organization_members",
                                   organization_id=org_id, user_id=user_id)
        context = replace(context, org=_org_grant(scope.org_member))
    if scope.workspace is not None:
        org = active_org_grant(context)
        if org is None or org.role is not OrgRole.OWNER:
            scope.workspace_member = _member(store, "workspace_members",
                                             workspace_id=workspace_id, user_id=user_id)
            context = replace(context, workspace=_workspace_grant(scope.workspace_member))
    if scope.space is not None:
        context = replace(context, space_visibility=_visibility(scope.space))
        if _needs_layer_membership(context):
            scope.space_member = _member(store, "space_members",
                                         space_id=space_id, user_id=user_id)
            context = replace(context, space=_space_grant(scope.space_member))
    if scope.project is not None and _needs_layer_membership(context):
        scope.project_member = _member(store, "project_members",
                                       project_id=project_id, user_id=user_id)
        context = replace(context, project=_project_grant(scope.project_member))
    scope.context = context
    return scope


def _needs_layer_membership(context: AccessContext) -> bool:
    """Whether the space/project membership can change a decision: not when an org
    OWNER/ADMIN/MODERATOR or workspace admin override decides, nor for a non-member."""
    org = active_org_grant(context)
    if org is not None and org.role >= OrgRole.MODERATOR:
        return False
    member = active_workspace_grant(context)
    if member is None:
        return False
    return member.role.normalize() is not WorkspaceRole.WS_ADMIN


def load_context(
    store: DocumentStore,
    user: Document,
    *,
    org_id: str | None = None,
    workspace_id: str | None = None,
    space_id: str | None = None,
    project_id: str | None = None,
) -> AccessContext:
    """The ``AccessContext`` of ``user`` for the named resource, with every grant that can
    change a decision about it: department and direct org keys when the organization is
    named or the actor is not an active member of the workspace, and a project member's
    role document, team and direct grants. (Org keys of a workspace member asked about a
    workspace are not loaded: name the org to decide org keys.) Raises ``NotVisible`` when
    a named resource is missing or the ids do not belong together.

    A workspace member's context costs 3 store calls; see the module docstring."""
    scope = load_scope(store, user, org_id=org_id, workspace_id=workspace_id,
                       space_id=space_id, project_id=project_id)
    if org_id is not None or active_workspace_grant(scope.context) is None:
        # org keys are asked on org pages; org access decides whether a workspace the
        # actor is not a member of is listed (403) or hidden (404)
        scope._load_org_details()
    scope._load_project_details()
    return scope.context
