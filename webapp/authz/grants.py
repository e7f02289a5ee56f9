"""Copies of a project member's grants beyond the role's defaults, kept on the
``project_members`` row (schema v3): ``role_keys`` (the ``project_roles`` document named
by ``role_id``), ``team_keys`` (the member's teams' keys and the teams' explicit grants)
and ``user_keys`` (explicit grants to the member). Null means "no copy yet": the loader
then reads the source rows itself (up to 4 calls).

With the copies, a member's decisions on a project page (its ``can()`` checks included)
cost no read beyond the membership row. Every write to a project's roles, teams, team
members, explicit grants or memberships calls ``sync_project_grants`` in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from webapp.authz.vocabulary import ProjectPermission, parse_permissions
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

if TYPE_CHECKING:
    from webapp.authz.context import AccessContext

_MANY = 5000

__all__ = ["GrantCopy", "copy_from_row", "member_grants", "projects_allowing",
           "sync_project_grants"]


@dataclass(frozen=True)
class GrantCopy:
    role_keys: frozenset[ProjectPermission]
    team_keys: frozenset[ProjectPermission]
    user_keys: frozenset[ProjectPermission]

    def values(self) -> dict[str, list[str]]:
        return {"role_keys": sorted(self.role_keys), "team_keys": sorted(self.team_keys),
                "user_keys": sorted(self.user_keys)}


def copy_from_row(member: Document) -> GrantCopy | None:
    """The copy stored on a ``project_members`` row, None when it has none yet."""
    if member.get("role_keys") is None:
        return None
    return GrantCopy(parse_permissions(ProjectPermission, member.get("role_keys")),
                     parse_permissions(ProjectPermission, member.get("team_keys")),
                     parse_permissions(ProjectPermission, member.get("user_keys")))


def member_grants(store: DocumentStore, project_id: str, members: Iterable[Document]
                  ) -> dict[str, GrantCopy]:
    """The grants of ``members`` (rows of one project) from the source rows, by user id:
    four reads for any number of members."""
    members = list(members)
    role_ids = sorted({str(m["role_id"]) for m in members if m.get("role_id")})
    roles = store.get_many("project_roles", role_ids) if role_ids else {}
    link_queries = [Query.equal("project_id", project_id), Query.limit(_MANY)]
    if len(members) == 1:
        link_queries.append(Query.equal("user_id", str(members[0]["user_id"])))
    links = store.list("project_team_members", link_queries).documents
    teams: dict[str, Document] = {}
    team_ids = sorted({str(link["team_id"]) for link in links})
    if team_ids:
        teams = store.get_many("project_teams", team_ids)
    grants = store.list("project_permissions", [
        Query.equal("project_id", project_id), Query.limit(_MANY)]).documents
    found: dict[str, GrantCopy] = {}
    for member in members:
        user_id = str(member["user_id"])
        role = roles.get(str(member.get("role_id") or ""))
        role_keys = frozenset[ProjectPermission]()
        if role is not None and role.get("project_id") == project_id:
            role_keys = parse_permissions(ProjectPermission, role.get("permissions"))
        mine = {str(link["team_id"]) for link in links if link.get("user_id") == user_id}
        team_keys: set[ProjectPermission] = set()
        for team_id in mine:
            team = teams.get(team_id)
            if team is not None and team.get("project_id") == project_id:
                team_keys |= parse_permissions(ProjectPermission, team.get("permissions"))
        user_keys: set[ProjectPermission] = set()
        for row in grants:
            keys = parse_permissions(ProjectPermission, [str(row.get("permission"))])
            if row.get("user_id") == user_id:
                user_keys |= keys
            elif row.get("team_id") in mine:
                team_keys |= keys
        found[user_id] = GrantCopy(role_keys, frozenset(team_keys), frozenset(user_keys))
    return found


def sync_project_grants(store: DocumentStore, project_id: str,
                        user_ids: Iterable[str] | None = None) -> int:
    """Recompute the copies of a project's members (all, or ``user_ids``); returns the
    rows written (only those whose copy changed)."""
    queries = [Query.equal("project_id", project_id), Query.limit(_MANY)]
    wanted = None if user_ids is None else sorted(set(user_ids))
    if wanted is not None:
        if not wanted:
            return 0
        queries.append(Query.equal("user_id", wanted))
    members = store.list("project_members", queries).documents
    if not members:
        return 0
    written = 0
    for user_id, grant in member_grants(store, project_id, members).items():
        row = next(m for m in members if str(m["user_id"]) == user_id)
        values = grant.values()
        if any(row.get(k) != v for k, v in values.items()):
            store.update("project_members", row["$id"], values)
            written += 1
    return written


def projects_allowing(store: DocumentStore, context: AccessContext, user_id: str,
                      project_ids: Iterable[str], permission: ProjectPermission) -> set[str]:
    """Which of a workspace's projects ``permission`` is allowed on, for an actor whose
    workspace-level context is ``context``: every one when an override decides (org
    OWNER/ADMIN/MODERATOR, workspace admin), else by each membership row and its copies
    (one read for all the projects)."""
    from webapp.authz.policy import allows  # the policy reads the copies' module: no cycle
    from webapp.authz.rows import project_grant

    wanted = sorted(set(project_ids))
    if not wanted:
        return set()
    if allows(replace(context, project=None), permission):
        return set(wanted)  # decided above the project layer
    rows = store.list("project_members", [
        Query.equal("project_id", wanted), Query.equal("user_id", user_id),
        Query.limit(len(wanted))]).documents
    allowed: set[str] = set()
    for row in rows:
        grant = project_grant(row)
        copy = copy_from_row(row)
        if grant is None:
            continue
        if copy is None:  # no copy yet: read the source rows of this one
            copy = member_grants(store, str(row["project_id"]), [row])[str(row["user_id"])]
        grant = replace(grant, role_permissions=copy.role_keys,
                        team_permissions=copy.team_keys, user_grants=copy.user_keys)
        if allows(replace(context, project=grant), permission):
            allowed.add(str(row["project_id"]))
    return allowed
