"""Links between work items (13 types, each with its inverse label).

Each pair of types is stored once, in its canonical direction (``IS_BLOCKED_BY`` from A
to B is stored as ``BLOCKS`` from B to A); RELATES_TO is symmetric. Rules: both items in
the same workspace, not the same item, no duplicate link (either direction), and no
circular blocking (A blocks B blocks ... blocks A). An item is *blocked* while an item
that blocks it is not in a CLOSED status category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from webapp.audit import Acting, record
from webapp.features.items.service import scope
from webapp.features.workspaces.errors import Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

# type -> (label as seen from the source, inverse type)
TYPES: dict[str, tuple[str, str]] = {
    "BLOCKS": ("blocks", "IS_BLOCKED_BY"),
    "IS_BLOCKED_BY": ("is blocked by", "BLOCKS"),
    "RELATES_TO": ("relates to", "RELATES_TO"),
    "DUPLICATES": ("duplicates", "IS_DUPLICATED_BY"),
    "IS_DUPLICATED_BY": ("is duplicated by", "DUPLICATES"),
    "SPLIT_FROM": ("split from", "SPLIT_TO"),
    "SPLIT_TO": ("split to", "SPLIT_FROM"),
    "CLONED_FROM": ("cloned from", "CLONED_TO"),
    "CLONED_TO": ("cloned to", "CLONED_FROM"),
    "IS_CHILD_OF": ("is child of", "IS_PARENT_OF"),
    "IS_PARENT_OF": ("is parent of", "IS_CHILD_OF"),
    "CAUSES": ("causes", "IS_CAUSED_BY"),
    "IS_CAUSED_BY": ("is caused by", "CAUSES"),
}
CANONICAL = frozenset({"BLOCKS", "RELATES_TO", "DUPLICATES", "SPLIT_TO", "CLONED_TO",
                       "IS_PARENT_OF", "CAUSES"})


@dataclass(frozen=True)
class LinkView:
    """One link seen from an item: ``label`` reads "<this item> <label> <other>"."""

    link: Document
    link_type: str
    label: str
    other_id: str


def canonical(source_id: str, target_id: str, link_type: str) -> tuple[str, str, str]:
    if link_type not in TYPES:
        raise Refused("UNKNOWN_LINK_TYPE", "Choose a link type.", status=400)
    if link_type in CANONICAL:
        return source_id, target_id, link_type
    return target_id, source_id, TYPES[link_type][1]


def _existing(store: DocumentStore, a: str, b: str, link_type: str) -> Document | None:
    found = store.first("work_item_links", [Query.equal("source_id", a),
                                            Query.equal("target_id", b),
                                            Query.equal("link_type", link_type)])
    if found is None and link_type == "RELATES_TO":
        found = store.first("work_item_links", [Query.equal("source_id", b),
                                                Query.equal("target_id", a),
                                                Query.equal("link_type", link_type)])
    return found


def blocks_transitively(store: DocumentStore, start_id: str, wanted_id: str) -> bool:
    """True when ``start_id`` blocks ``wanted_id`` directly or through a chain."""
    seen = {start_id}
    frontier = [start_id]
    while frontier:
        rows = store.list("work_item_links", [
            Query.equal("source_id", frontier), Query.equal("link_type", "BLOCKS"),
            Query.limit(5000),
        ]).documents
        frontier = []
        for row in rows:
            target = row["target_id"]
            if target == wanted_id:
                return True
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return False


def add_link(store: DocumentStore, acting: Acting, project: Document, item: Document,
             other_id: str, link_type: str) -> Document:
    """Link ``item`` to ``other_id`` with ``link_type`` as read from ``item``."""
    other = store.find("work_items", other_id or "")
    if other is None:
        raise Refused("LINK_TARGET_MISSING", "Choose a work item to link.", status=400)
    if other["workspace_id"] != item["workspace_id"]:
        raise Refused("CROSS_WORKSPACE_LINK", "Only work items of the same workspace can be "
                      "linked.", status=400)
    if other["$id"] == item["$id"]:
        raise Refused("SELF_LINK", "A work item cannot be linked to itself.", status=400)
    source_id, target_id, stored = canonical(item["$id"], other["$id"], link_type)
    if _existing(store, source_id, target_id, stored) is not None:
        raise Refused("DUPLICATE_LINK", "These work items are already linked this way.")
    if stored == "BLOCKS" and blocks_transitively(store, target_id, source_id):
        raise Refused("CIRCULAR_BLOCKING", "This link would make the items block each other "
                      "in a circle.")
    source = item if source_id == item["$id"] else other
    with store.transaction():
        try:
            link = store.create("work_item_links", {
                "workspace_id": item["workspace_id"], "project_id": source["project_id"],
                "source_id": source_id, "target_id": target_id, "link_type": stored,
                "created_by": acting.user_id,
            })
        except Conflict:
            raise Refused("DUPLICATE_LINK", "These work items are already linked this way.") \
                from None
        _audit(store, acting, project, item, other, "work_item_linked", link_type)
    return link


def _audit(store: DocumentStore, acting: Acting, project: Document, item: Document,
           other: Document, action: str, link_type: str) -> None:
    record(store, acting, action, "work_item", item["$id"], resource_name=item["key"],
           changes={"link": [None, f"{TYPES[link_type][0]} {other['key']}"]
                    if action == "work_item_linked"
                    else [f"{TYPES[link_type][0]} {other['key']}", None]},
           metadata={"other_id": other["$id"], "link_type": link_type},
           **scope(store, project))


def remove_link(store: DocumentStore, acting: Acting, project: Document, item: Document,
                link_id: str) -> None:
    link = store.find("work_item_links", link_id)
    if link is None or item["$id"] not in (link["source_id"], link["target_id"]):
        raise Refused("LINK_NOT_FOUND", "This link does not exist.", status=404)
    outgoing = link["source_id"] == item["$id"]
    other = store.find("work_items", link["target_id"] if outgoing else link["source_id"])
    link_type = link["link_type"] if outgoing else TYPES[link["link_type"]][1]
    with store.transaction():
        store.delete("work_item_links", link_id)
        if other is not None:
            _audit(store, acting, project, item, other, "work_item_unlinked", link_type)


def links_of(store: DocumentStore, item_id: str) -> list[LinkView]:
    """Every link of the item, read from the item's side, grouped by label."""
    rows = store.list("work_item_links", [Query.equal("source_id", item_id),
                                          Query.limit(1000)]).documents
    rows += store.list("work_item_links", [Query.equal("target_id", item_id),
                                           Query.limit(1000)]).documents
    views = []
    for row in rows:
        if row["source_id"] == item_id:
            views.append(LinkView(row, row["link_type"], TYPES[row["link_type"]][0],
                                  row["target_id"]))
        else:
            inverse = TYPES[row["link_type"]][1]
            views.append(LinkView(row, inverse, TYPES[inverse][0], row["source_id"]))
    return sorted(views, key=lambda v: (v.label, v.other_id))


def blocked_ids(store: DocumentStore, item_ids: Iterable[str]) -> set[str]:
    """The ids among ``item_ids`` that an open item blocks (two batched reads)."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return set()
    rows = store.list("work_item_links", [
        Query.equal("target_id", ids), Query.equal("link_type", "BLOCKS"), Query.limit(5000),
    ]).documents
    if not rows:
        return set()
    blockers = store.get_many("work_items", list({r["source_id"] for r in rows}))
    return {r["target_id"] for r in rows
            if (blockers.get(r["source_id"]) or {}).get("status_category", "CLOSED")
            != "CLOSED"}


def choices() -> list[tuple[str, str]]:
    return [(key, label.capitalize()) for key, (label, _) in TYPES.items()]

