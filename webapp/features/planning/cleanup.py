"""What goes when a work item goes: its comments, time logs and attachments (documents
and files). Items are deleted by the items service, which knows nothing of planning; its
WORKITEM_DELETED event reaches ``purge_item`` through an event sink registered by the
planning area (``item_routes.on_event``), after the delete committed. Running it twice is
harmless.
"""

from __future__ import annotations

from typing import Any

from webapp.storage.base import DocumentStore
from webapp.storage.query import Query


def purge_item(store: DocumentStore, files: Any, item_id: str) -> int:
    """Delete everything planning keeps for ``item_id``; returns how many documents."""
    attached = list(store.list("attachments", [Query.equal("item_id", item_id),
                                               Query.limit(5000)]))
    with store.transaction():
        count = store.delete_where("comments", [Query.equal("item_id", item_id)])
        count += store.delete_where("time_logs", [Query.equal("item_id", item_id)])
        count += store.delete_where("attachments", [Query.equal("item_id", item_id)])
    for row in attached:
        if files is not None:
            files.delete(str(row.get("bucket") or "attachments"), row["file_id"])
    return count
