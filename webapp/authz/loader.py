"""Load what the policy needs to know about one actor and one resource: ``AccessContext``.

``load_scope`` reads the resource chain and the actor's memberships and returns a ``Scope``
(the documents plus the context); ``load_context`` is the same, returning only the
context. Guards keep one ``Scope`` per resource per request (``webapp.authz.guards``), so
a page, its ``can()`` checks and its fragments share one load.

What a load costs (store calls, counted by ``tests/authz/test_guards_loader.py`` and
``tests/authz/test_query_budget.py``): at most 3 for any page, any actor.

* The named resource: one read (an organization page reads the organization; a
  workspace page the workspace; a space or project page the space or project).
* The workspace membership (workspace, space and project pages). Its row carries a copy
  of the member's org role and status (``webapp.authz.mirrors``), so the org membership
  is read only when there is no row or no copy: org owners and admins who are not
  members of the workspace, outsiders. Spaces and projects carry their organization's id
  for that read.
* The space or project membership, unless an override already decides the layer (org
  OWNER/ADMIN/MODERATOR, workspace admin) or the actor is not a member of the workspace.

Guards load a space or project page with ``defer_workspace=True``: the workspace
document is read after the decision (for the page, and to cross-check the copies; a
disagreement reloads from the source rows), and not at all when the answer is 404/403.
Rows without copies (written before schema v3, until ``mirrors.backfill`` runs) cost one
read more: the decision then reads the source rows.

Workspaces of an organization scheduled for deletion (``workspaces.org_deleted_at``) are
closed: ``NotVisible`` for everyone but the org's OWNER, whose scope carries
``org_closed_at`` (the guards show the restore notice).

Grants that only ever *widen* what a membership's role gives are loaded lazily, the
first time a decision needs them: department and direct org keys (when an org key, or a
workspace the actor is not a member of, is refused without them: up to 3 more calls), and
a project member's role document, team and direct grants (when the role's default keys do
not already allow the key asked: up to 4 more calls). The project ones come for free when
the membership row carries their copies (``webapp.authz.grants``; every row written since
schema v3 does), so a project page's ``can()`` checks read nothing more. Because grants
are a union, a decision allowed without them stays allowed with them; a refusal is retried
once after loading them. ``load_context`` loads the lazy grants that matter for the named resource
(for services and jobs that decide many keys on one plain context); guards use
``load_scope`` and pay only for what they decide.

Stored values that no longer parse (an unknown role string, a custom workspace role)
load as the layer's lowest role, never as more.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from webapp.authz import grants, rows
from webapp.authz.context import (
    AccessContext,
    Actor,
    Decision,
    OrgGrant,
    ProjectGrant,
)
from webapp.authz.mirrors import workspace_org_id
from webapp.authz.policy import active_org_grant, active_workspace_grant, decide
from webapp.authz.roles import (
    OrgRole,
    ProjectMemberStatus,
    WorkspaceRole,
)
from webapp.authz.rows import NotVisible
from webapp.authz.vocabulary import (
    OrgPermission,
    Permission,
    ProjectPermission,
    WorkspacePermission,
    parse_permissions,
)
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import StorageError
from webapp.storage.query import Query

__all__ = ["NotVisible", "Scope", "load_context", "load_scope"]

_MANY = 500  # ceiling for one actor's rows of one kind (departments, teams)


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
    workspace_id: str | None = None
    org_closed_at: Any = None  # the org's deletion time when its workspaces are closed
    ids: dict[str, str | None] = field(default_factory=dict)  # as asked, for a reload
    _decisions: dict[Permission, Decision] = field(default_factory=dict)

    # -- the deferred workspace ----------------------------------------------------------
    def load_workspace(self) -> Document | None:
        """The workspace document (read now if the load deferred it), cross-checked with
        the copies the decision used: on any disagreement the scope reloads from the
        source rows (``use_copies=False``). Raises ``NotVisible`` when the workspace is
        gone or closed to the actor (its organization awaits deletion)."""
        if self.workspace is not None or self.workspace_id is None:
            return self.workspace
        found = self.store.find("workspaces", self.workspace_id)
        if found is None:
            raise NotVisible("workspaces")
        if workspace_org_id(found) != self.org_id:
            ids = self.ids
            fresh = load_scope(self.store, self.user, org_id=ids.get("org_id"),
                               workspace_id=ids.get("workspace_id"),
                               space_id=ids.get("space_id"),
                               project_id=ids.get("project_id"), use_copies=False)
            for name in (f.name for f in fields(self)):
                setattr(self, name, getattr(fresh, name))
            self._decisions.clear()
            return self.workspace
        self.workspace = found
        _check_open(self)
        return found

    # -- decisions ---------------------------------------------------------------------
    def decide(self, permission: Permission) -> Decision:
        """The policy's decision, loading lazy grants when a refusal might be lifted."""
        cached = self._decisions.get(permission)
        if cached is not None:
            return cached
        decision = decide(self.context, permission)
        if not decision.allowed and self._widen_for(permission, decision.visible):
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

    def _widen_for(self, permission: Permission, visible: bool) -> bool:
        """Load the lazy grants that could change a refusal of ``permission``."""
        if isinstance(permission, OrgPermission):
            return self._load_org_details()
        if isinstance(permission, WorkspacePermission):
            # org access only decides whether a non-member sees the workspace listed:
            # nothing to learn for a member, or when it is listed already (403)
            if active_workspace_grant(self.context) is not None or visible:
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
        if grant is None or self.org_id is None or grant.role is OrgRole.OWNER:
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
        """The role document's keys, team keys and direct grants of a project member
        (read from the source rows: the membership row had no copy of them)."""
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
        copy = grants.member_grants(self.store, str(project["$id"]), [member])
        widened = _widened(grant, copy[str(member["user_id"])])
        if widened == grant:
            return False
        self._set_context(replace(self.context, project=widened))
        return True

    def _set_context(self, context: AccessContext) -> None:
        self.context = context
        self._decisions.clear()


# --- parsing stored rows ---------------------------------------------------------------------

def _read_org_member(scope: Scope, org_id: str) -> OrgGrant | None:
    """The org membership row; its key copies (if any) spare the lazy grant reads."""
    scope.org_member = rows.member(scope.store, "organization_members", organization_id=org_id,
                               user_id=scope.context.actor.user_id)
    if scope.org_member is not None and scope.org_member.get("org_keys") is not None:
        scope.org_details_loaded = True
    return rows.org_grant(scope.org_member)


def _fill_copy(store: DocumentStore, scope: Scope, org_id: str | None) -> None:
    """Store the workspace's organization on the space/project read without one (once)."""
    target = scope.project or scope.space
    if org_id is None or target is None:
        return
    collection = "projects" if scope.project is not None else "spaces"
    try:
        store.update(collection, str(target["$id"]), {"organization_id": org_id})
    except StorageError:  # a copy is an optimisation: never fail a page for it
        return
    target["organization_id"] = org_id


def _check_open(scope: Scope) -> None:
    """A workspace of an organization scheduled for deletion is closed: only the org's
    OWNER may know it exists (and is shown the restore notice by the guards)."""
    workspace = scope.workspace
    if workspace is None or not workspace.get("org_deleted_at"):
        return
    scope.org_closed_at = workspace["org_deleted_at"]
    org = active_org_grant(scope.context)
    if org is None or org.role is not OrgRole.OWNER:
        raise NotVisible("workspaces")


def load_scope(
    store: DocumentStore,
    user: Document,
    *,
    org_id: str | None = None,
    workspace_id: str | None = None,
    space_id: str | None = None,
    project_id: str | None = None,
    defer_workspace: bool = False,
    use_copies: bool = True,
) -> Scope:
    """Read the resource chain and the memberships; raise ``NotVisible`` for a missing
    resource or ids that do not belong together (a project of another workspace).

    ``defer_workspace``: for a space or project, leave the workspace document unread
    (``Scope.load_workspace`` reads and cross-checks it once the decision is made).
    ``use_copies=False`` ignores the copies of ``webapp.authz.mirrors``."""
    user_id = str(user["$id"])
    scope = Scope(store, user, AccessContext(Actor(user_id, bool(user.get("is_platform_admin")))))
    scope.ids = {"org_id": org_id, "workspace_id": workspace_id, "space_id": space_id,
                 "project_id": project_id}
    copied_org: str | None = None  # the space's/project's copy of its organization
    if project_id is not None:
        scope.project = rows.find_or_hidden(store, "projects", project_id)
        if space_id is not None and scope.project.get("space_id") != space_id:
            raise NotVisible("projects")
        if workspace_id is not None and scope.project.get("workspace_id") != workspace_id:
            raise NotVisible("projects")
        workspace_id = str(scope.project.get("workspace_id") or "")
        copied_org = rows.text(scope.project.get("organization_id"))
    elif space_id is not None:
        scope.space = rows.find_or_hidden(store, "spaces", space_id)
        if workspace_id is not None and scope.space.get("workspace_id") != workspace_id:
            raise NotVisible("spaces")
        workspace_id = str(scope.space.get("workspace_id") or "")
        copied_org = rows.text(scope.space.get("organization_id"))
    if workspace_id is None:
        if org_id is not None:
            scope.organization = rows.find_or_hidden(store, "organizations", org_id)
            if scope.organization.get("deleted_at") is not None:
                raise NotVisible("organizations")
            scope.org_id = org_id
            scope.context = replace(scope.context, org=_read_org_member(scope, org_id))
        return scope
    _load_workspace_layer(scope, workspace_id, copied_org, org_id,
                          read_workspace=not defer_workspace or (scope.project is None
                                                                 and scope.space is None),
                          use_copies=use_copies)
    _load_inner_layer(scope)
    if not defer_workspace:
        scope.load_workspace()
    return scope


def _load_workspace_layer(scope: Scope, workspace_id: str, copied_org: str | None,
                          url_org_id: str | None, *, read_workspace: bool,
                          use_copies: bool) -> None:
    """The workspace membership and, from its copy or the source row, the org membership."""
    store, user_id = scope.store, scope.context.actor.user_id
    scope.workspace_id = workspace_id
    if read_workspace or not workspace_id:
        scope.workspace = rows.find_or_hidden(store, "workspaces", workspace_id)
    row = rows.member(store, "workspace_members", workspace_id=workspace_id, user_id=user_id)
    scope.workspace_member = row
    copy = rows.copied_org(row) if use_copies else None
    if scope.workspace is not None:
        ws_org = workspace_org_id(scope.workspace)
    elif copy is not None and copied_org in (None, copy[0]):
        ws_org = copy[0]
    elif copied_org is not None and use_copies:
        ws_org = copied_org
    else:  # nothing copied yet: the workspace says
        scope.workspace = rows.find_or_hidden(store, "workspaces", workspace_id)
        ws_org = workspace_org_id(scope.workspace)
        if use_copies:
            _fill_copy(store, scope, ws_org)
    if url_org_id is not None and ws_org != url_org_id:
        raise NotVisible("workspaces")
    scope.org_id = ws_org
    context = replace(scope.context, personal_workspace=ws_org is None,
                      workspace=rows.workspace_grant(row))
    if ws_org is not None:
        if copy is not None and copy[0] == ws_org:
            context = replace(context, org=copy[1])
        else:
            context = replace(context, org=_read_org_member(scope, ws_org))
    scope.context = context
    _check_open(scope)


def _load_inner_layer(scope: Scope) -> None:
    """The space or project membership, when it can change a decision."""
    store, user_id = scope.store, scope.context.actor.user_id
    context = scope.context
    if scope.space is not None:
        context = replace(context, space_visibility=rows.visibility(scope.space))
        if _needs_layer_membership(context):
            scope.space_member = rows.member(store, "space_members",
                                         space_id=str(scope.space["$id"]), user_id=user_id)
            context = replace(context, space=rows.space_grant(scope.space_member))
    if scope.project is not None and _needs_layer_membership(context):
        scope.project_member = rows.member(store, "project_members",
                                       project_id=str(scope.project["$id"]), user_id=user_id)
        project_grant = rows.project_grant(scope.project_member)
        copy = grants.copy_from_row(scope.project_member) if scope.project_member else None
        if project_grant is not None and copy is not None:
            project_grant = _widened(project_grant, copy)
            scope.project_details_loaded = True  # the row carries them: nothing lazy left
        context = replace(context, project=project_grant)
    scope.context = context


def _widened(grant: ProjectGrant, copy: grants.GrantCopy) -> ProjectGrant:
    return replace(grant, role_permissions=copy.role_keys, team_permissions=copy.team_keys,
                   user_grants=copy.user_keys)


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
    a named resource is missing or the ids do not belong together."""
    scope = load_scope(store, user, org_id=org_id, workspace_id=workspace_id,
                       space_id=space_id, project_id=project_id)
    if org_id is not None or active_workspace_grant(scope.context) is None:
        # org keys are asked on org pages; org access decides whether a workspace the
        # actor is not a member of is listed (403) or hidden (404)
        scope._load_org_details()
    scope._load_project_details()
    return scope.context
