"""The in-app inbox (no Flask): list, count, mark read, mark all read, delete."""

from __future__ import annotations

from webapp.features.workspaces.errors import Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

PAGE = 30


def get_own(store: DocumentStore, user_id: str, notification_id: str) -> Document:
    """The user's own notification; someone else's is as missing as a deleted one."""
    row = store.find("notifications", notification_id)
    if row is None or row["user_id"] != user_id:
        raise Refused("NOT_FOUND", "This notification does not exist.", status=404)
    return row


def listing(store: DocumentStore, user_id: str, *, unread_only: bool = False,
            limit: int = PAGE, offset: int = 0) -> tuple[list[Document], int]:
    queries = [Query.equal("user_id", user_id)]
    if unread_only:
        queries.append(Query.equal("is_read", False))
    total = store.count("notifications", queries)
    rows = store.list("notifications", [*queries, Query.order_desc("$createdAt"),
                                        Query.limit(limit), Query.offset(offset)]).documents
    return rows, total


def mark_read(store: DocumentStore, user_id: str, notification_id: str) -> Document:
    row = get_own(store, user_id, notification_id)
    if row.get("is_read"):
        return row
    return store.update("notifications", notification_id, {"is_read": True})


def mark_all_read(store: DocumentStore, user_id: str) -> int:
    return store.update_where("notifications", [Query.equal("user_id", user_id),
                                                Query.equal("is_read", False)],
                              {"is_read": True})


def delete(store: DocumentStore, user_id: str, notification_id: str) -> None:
    get_own(store, user_id, notification_id)
    store.delete("notifications", notification_id)
