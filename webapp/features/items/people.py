"""Who can be named on a work item: the project's active members (assignees, reporter,
@mentions) and its teams. Workspace-admin and org-admin overrides (project owners without a
membership row) may also be assignees; they are checked one by one, only when named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str

    @property
    def handle(self) -> str:
        from webapp.features.items.markdown import handle_of

        return handle_of(self.email)


def members(store: DocumentStore, project_id: str) -> list[Person]:
    """Active project members with their names (ordered by name)."""
    rows = store.list("project_members", [
        Query.equal("project_id", project_id), Query.equal("status", ACTIVE), Query.limit(5000),
    ]).documents
    users = store.get_many("users", [r["user_id"] for r in rows])
    people = [Person(u["$id"], str(u.get("name") or u.get("email") or ""), str(u.get("email")
                                                                            or ""))
              for u in users.values()]
    return sorted(people, key=lambda p: p.name.casefold())


def names(store: DocumentStore, user_ids: Iterable[str]) -> dict[str, str]:
    ids = [u for u in dict.fromkeys(user_ids) if u]
    if not ids:
        return {}
    return {k: str(v.get("name") or v.get("email") or "") for k, v in
            store.get_many("users", ids).items()}


def mention_map(people: Iterable[Person]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in people:
        if p.handle and p.handle not in out:
            out[p.handle] = p.user_id
    return out


def teams(store: DocumentStore, project_id: str) -> list[Document]:
    return store.list("project_teams", [Query.equal("project_id", project_id),
                                        Query.order_asc("name"), Query.limit(500)]).documents


def may_be_assigned(store: DocumentStore, project: Document, user_id: str,
                    member_ids: set[str]) -> bool:
    """An active member, or someone who owns the project by an override."""
    if user_id in member_ids:
        return True
    user = store.find("users", user_id)
    if user is None:
        return False
    from webapp.authz.loader import NotVisible, load_scope
    from webapp.authz.policy import effective_project_role

    try:
        scope = load_scope(store, user, project_id=project["$id"])
    except NotVisible:
        return False
    return effective_project_role(scope.complete()) is not None


def team_ids_of(store: DocumentStore, project_id: str, user_id: str) -> tuple[str, ...]:
    rows: Any = store.list("project_team_members", [
        Query.equal("project_id", project_id), Query.equal("user_id", user_id), Query.limit(500),
    ])
    return tuple(r["team_id"] for r in rows)
