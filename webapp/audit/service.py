"""Recording and reading the audit trail (no Flask: routes pass an ``Acting``).

    record(store, acting, "member_role_changed", "organization_member", member["$id"],
           organization_id=org_id, changes=diff(before, after, ("role",)))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webapp.storage.base import Document, DocumentList, DocumentStore
from webapp.storage.query import Query

SYSTEM_NAME = "Keel"


@dataclass(frozen=True)
class Acting:
    """Who is acting: a signed-in user (with the request's IP) or the system (a job)."""

    user_id: str | None
    name: str = SYSTEM_NAME
    ip: str | None = None

    @staticmethod
    def system() -> Acting:
        return Acting(None, SYSTEM_NAME, None)

    @staticmethod
    def of(user: Mapping[str, Any], ip: str | None = None) -> Acting:
        return Acting(str(user["$id"]), str(user.get("name") or user.get("email") or ""), ip)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        old = None if before is None else before.get(name)
        new = after.get(name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def record(
    store: DocumentStore,
    acting: Acting,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    *,
    resource_name: str | None = None,
    organization_id: str | None = None,
    workspace_id: str | None = None,
    project_id: str | None = None,
    changes: Mapping[str, Sequence[Any]] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Document:
    """Append one audit row; call it inside the same ``store.transaction()`` as the write."""
    return store.create(
        "audit_logs",
        {
            "organization_id": organization_id,
            "workspace_id": workspace_id,
            "project_id": project_id,
            "actor_id": acting.user_id,
            "actor_name": (acting.name or "")[:128],
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "resource_name": (resource_name or "")[:255] or None,
            "changes": {k: list(v) for k, v in (changes or {}).items()},
            "metadata": dict(metadata or {}),
            "ip_address": acting.ip,
        },
    )


def list_entries(
    store: DocumentStore,
    *,
    organization_id: str | None = None,
    workspace_id: str | None = None,
    project_id: str | None = None,
    actions: Sequence[str] = (),
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> DocumentList:
    """Newest first, filtered; at least one scope (organization/workspace/project) is required."""
    if not (organization_id or workspace_id or project_id):
        raise ValueError("an audit query needs an organization, workspace or project scope")
    queries: list[Query] = []
    for attribute, value in (
        ("organization_id", organization_id),
        ("workspace_id", workspace_id),
        ("project_id", project_id),
        ("actor_id", actor_id),
    ):
        if value:
            queries.append(Query.equal(attribute, value))
    if actions:
        queries.append(Query.equal("action", list(actions)))
    if since:
        queries.append(Query.greater_than_equal("$createdAt", since))
    if until:
        queries.append(Query.less_than("$createdAt", until))
    queries += [Query.order_desc("$createdAt"), Query.limit(limit)]
    if cursor:
        queries.append(Query.cursor_after(cursor))
    return store.list("audit_logs", queries)
