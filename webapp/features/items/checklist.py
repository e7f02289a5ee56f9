"""Checklist subtasks of a work item (title, done flag, order); separate from sub-issues.

Every change is recorded in the item's history. Completing the last open entry lets the
workflow engine run its ALL_SUBTASKS_DONE auto-transitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp.audit import Acting, record
from webapp.features.items.service import scope
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

SPACING = 1000.0
MAX_ENTRIES = 200


def entries(store: DocumentStore, item_id: str) -> list[Document]:
    return store.list("checklist_items", [Query.equal("item_id", item_id),
                                          Query.order_asc("position"),
                                          Query.limit(MAX_ENTRIES)]).documents


def _title(text: Any) -> str:
    title = str(text or "").strip()
    if not title:
        raise FieldErrors({"title": "Enter a checklist entry."})
    if len(title) > 500:
        raise FieldErrors({"title": "Use at most 500 characters."})
    return title


def _entry(store: DocumentStore, item: Document, entry_id: str) -> Document:
    entry = store.find("checklist_items", entry_id)
    if entry is None or entry["item_id"] != item["$id"]:
        raise Refused("CHECKLIST_ENTRY_NOT_FOUND", "This checklist entry does not exist.",
                      status=404)
    return entry


def _audit(store: DocumentStore, acting: Acting, project: Document, item: Document,
           action: str, before: Any, after: Any) -> None:
    record(store, acting, action, "work_item", item["$id"], resource_name=item["key"],
           changes={"checklist": [before, after]} if (before, after) != (None, None) else {},
           **scope(store, project))


def add(store: DocumentStore, acting: Acting, project: Document, item: Document,
        title: Any) -> Document:
    text = _title(title)
    rows = entries(store, item["$id"])
    if len(rows) >= MAX_ENTRIES:
        raise Refused("CHECKLIST_FULL", f"A checklist holds at most {MAX_ENTRIES} entries.")
    position = (float(rows[-1]["position"] or 0) + SPACING) if rows else SPACING
    with store.transaction():
        entry = store.create("checklist_items", {
            "item_id": item["$id"], "project_id": item["project_id"],
            "workspace_id": item["workspace_id"], "title": text, "position": position,
            "is_completed": False,
        })
        _audit(store, acting, project, item, "checklist_added", None, text)
    return entry


def toggle(store: DocumentStore, acting: Acting, project: Document, item: Document,
           entry_id: str, done: bool | None = None) -> Document:
    entry = _entry(store, item, entry_id)
    value = (not entry.get("is_completed")) if done is None else bool(done)
    with store.transaction():
        after = store.update("checklist_items", entry_id, {"is_completed": value})
        _audit(store, acting, project, item, "checklist_checked" if value
               else "checklist_unchecked", entry["title"], entry["title"])
    if value and all(e.get("is_completed") for e in entries(store, item["$id"])):
        _after_checklist_done(store, acting, project, item)
    return after


def _after_checklist_done(store: DocumentStore, acting: Acting, project: Document,
                          item: Document) -> None:
    from webapp.features.workflows import engine

    engine.after_status_change(store, acting, project, store.get("work_items", item["$id"]))


def rename(store: DocumentStore, acting: Acting, project: Document, item: Document,
           entry_id: str, title: Any) -> Document:
    entry = _entry(store, item, entry_id)
    text = _title(title)
    if text == entry["title"]:
        return entry
    with store.transaction():
        after = store.update("checklist_items", entry_id, {"title": text})
        _audit(store, acting, project, item, "checklist_renamed", entry["title"], text)
    return after


def delete(store: DocumentStore, acting: Acting, project: Document, item: Document,
           entry_id: str) -> None:
    entry = _entry(store, item, entry_id)
    with store.transaction():
        store.delete("checklist_items", entry_id)
        _audit(store, acting, project, item, "checklist_removed", entry["title"], None)


def reorder(store: DocumentStore, acting: Acting, project: Document, item: Document,
            ordered_ids: Sequence[str]) -> list[Document]:
    """Put the entries in the order of ``ordered_ids`` (all of them, each once)."""
    rows = entries(store, item["$id"])
    current = [r["$id"] for r in rows]
    wanted = list(dict.fromkeys(ordered_ids))
    if sorted(wanted) != sorted(current):
        raise Refused("CHECKLIST_ORDER", "The checklist changed; reload and try again.")
    if wanted == current:
        return rows
    with store.transaction():
        for n, entry_id in enumerate(wanted, start=1):
            store.update("checklist_items", entry_id, {"position": n * SPACING})
        _audit(store, acting, project, item, "checklist_reordered", None, None)
    return entries(store, item["$id"])
