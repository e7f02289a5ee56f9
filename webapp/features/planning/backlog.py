"""The backlog: items without a sprint plus the open sprints' items, in rank order.

* Rank is the item's ``position`` (the board orders a column by the same number, so a
  reorder in the backlog is the order on the board too). A drop between two items takes
  their midpoint; when the gap is exhausted the section is renumbered (spacing 1000).
* A move into a sprint is refused for a completed/cancelled sprint or a sprint of another
  project. Every move is a version-checked write with an audit row, so the item page's
  history and the stale-edit check see it.
* Bulk actions apply item by item and report per item; one refused item never stops the
  others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.items import service as items
from webapp.features.items.service import Actor, StaleEdit, changed_since
from webapp.features.planning.sprints import BACKLOG, OPEN_STATES
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

SPACING = 1000.0
MIN_GAP = 1e-6
MAX_BULK = 200


@dataclass
class BulkReport:
    done: list[str] = field(default_factory=list)  # item keys
    failed: dict[str, str] = field(default_factory=dict)  # key -> reason

    @property
    def message(self) -> str:
        text = f"{len(self.done)} updated"
        if self.failed:
            text += "; not changed: " + "; ".join(f"{k}: {v}" for k, v in self.failed.items())
        return text + "."


def sprint_target(store: DocumentStore, project: Document, value: str | None
                  ) -> Document | None:
    """The sprint named by a form value (``backlog``/empty: None); raises FieldErrors."""
    if not value or value == BACKLOG:
        return None
    sprint = store.find("sprints", value)
    if sprint is None or sprint["project_id"] != project["$id"]:
        raise FieldErrors({"sprint": "Choose a sprint of this project."})
    if sprint["status"] not in OPEN_STATES:
        raise FieldErrors({"sprint": "This sprint is closed; choose a planned or active "
                                     "sprint."})
    return sprint


def write_move(store: DocumentStore, acting: Acting, project: Document, item: Document,
               values: Mapping[str, Any], *, reason: str = "backlog") -> Document:
    """Write ``values`` (sprint_id and/or position) if the item's version is unchanged."""
    version = int(item.get("version") or 1)
    payload = {**values, "version": version + 1, "last_modified_by": acting.user_id}
    with store.transaction():
        written = store.update_where("work_items", [Query.equal("$id", item["$id"]),
                                                    Query.equal("version", version)], payload)
        if not written:
            current = store.get("work_items", item["$id"])
            raise StaleEdit(current, changed_since(store, current, version))
        after = {**item, **payload}
        logged = [k for k in values if k != "position"] or ["position"]
        record(store, acting, "work_item_planned", "work_item", item["$id"],
               resource_name=str(item.get("key") or ""), changes=diff(item, after, logged),
               metadata={"version": version + 1, "reason": reason},
               **items.scope(store, project))
    return after


def _position(above: Document | None, below: Document | None) -> float | None:
    if above is not None and below is not None:
        low, high = float(above.get("position") or 0), float(below.get("position") or 0)
        if high - low < MIN_GAP:
            return None
        return (low + high) / 2
    if above is not None:
        return float(above.get("position") or 0) + SPACING
    if below is not None:
        return float(below.get("position") or 0) - SPACING
    return None


def _renumber(store: DocumentStore, project_id: str, sprint_id: str | None, moving: str,
              above_id: str | None) -> float:
    from webapp.features.planning.sprints import items_in

    spot, number = SPACING, 1
    for row in items_in(store, project_id, sprint_id, limit=5000):
        if row["$id"] == moving:
            continue
        store.update("work_items", row["$id"], {"position": number * SPACING})
        number += 1
        if row["$id"] == above_id:
            spot = number * SPACING
            number += 1
    return spot


def move(store: DocumentStore, acting: Acting, project: Document, item_id: str, target: str,
         *, above_id: str | None = None, below_id: str | None = None,
         expected_version: int | None = None) -> Document:
    """Move an item to ``target`` (a sprint id or ``backlog``), between ``above_id`` and
    ``below_id`` of that section (no neighbours: its rank stays). Raises Refused,
    FieldErrors or StaleEdit."""
    item = items.get_item(store, project["$id"], item_id)
    if expected_version is not None and int(item.get("version") or 1) != expected_version:
        raise StaleEdit(item, changed_since(store, item, expected_version))
    sprint = sprint_target(store, project, target)
    sprint_id = sprint["$id"] if sprint else None
    values: dict[str, Any] = {}
    if (item.get("sprint_id") or None) != sprint_id:
        values["sprint_id"] = sprint_id
    found = store.get_many("work_items", [i for i in (above_id, below_id) if i])

    def neighbour(nid: str | None) -> Document | None:
        doc = found.get(nid) if nid else None
        if doc is None or doc["$id"] == item_id or doc["project_id"] != project["$id"]:
            return None
        return doc if (doc.get("sprint_id") or None) == sprint_id else None

    above, below = neighbour(above_id), neighbour(below_id)
    renumber = False
    if above is not None or below is not None:
        position = _position(above, below)
        if position is None:
            renumber = True
        elif position != item.get("position"):
            values["position"] = position
    if not values and not renumber:
        return item
    with store.transaction():
        if renumber:
            values["position"] = _renumber(store, project["$id"], sprint_id, item_id,
                                           above["$id"] if above else None)
        after = write_move(store, acting, project, item, values)
    _record(store, sprint, item.get("sprint_id") if "sprint_id" in values else None)
    return after


def _record(store: DocumentStore, sprint: Document | None, left: str | None) -> None:
    """Rewrite today's snapshot of the active sprint a move entered or left."""
    from webapp.features.planning import charts

    if sprint is not None and sprint["status"] == "ACTIVE":
        charts.record_day(store, sprint)
    source = store.find("sprints", left) if left else None
    if source is not None and source["status"] == "ACTIVE":
        charts.record_day(store, source)


def _chosen(store: DocumentStore, project: Document, item_ids: Sequence[str]
            ) -> list[Document]:
    ids = list(dict.fromkeys(i for i in item_ids if i))[:MAX_BULK]
    if not ids:
        raise FieldErrors({"items": "Select at least one work item."})
    found = store.get_many("work_items", ids)
    return [found[i] for i in ids if i in found and found[i]["project_id"] == project["$id"]]


def bulk_move(store: DocumentStore, acting: Acting, project: Document,
              item_ids: Sequence[str], target: str) -> BulkReport:
    sprint = sprint_target(store, project, target)
    report = BulkReport()
    for item in _chosen(store, project, item_ids):
        try:
            if (item.get("sprint_id") or None) != (sprint["$id"] if sprint else None):
                write_move(store, acting, project, item,
                           {"sprint_id": sprint["$id"] if sprint else None})
            report.done.append(item["key"])
        except StaleEdit:
            report.failed[item["key"]] = "changed meanwhile"
    if sprint is not None and sprint["status"] == "ACTIVE":
        from webapp.features.planning import charts

        charts.record_day(store, sprint)
    return report


def bulk_update(store: DocumentStore, acting: Acting, project: Document,
                item_ids: Sequence[str], changes: Mapping[str, Any], actor: Actor
                ) -> BulkReport:
    """Assign (``assignee_ids``) or set the epic (``epic_id``) of each item."""
    report = BulkReport()
    for item in _chosen(store, project, item_ids):
        try:
            items.update_item(store, acting, project, item["$id"], changes,
                              expected_version=int(item.get("version") or 1), actor=actor)
            report.done.append(item["key"])
        except FieldErrors as exc:
            report.failed[item["key"]] = " ".join(exc.errors.values())
        except (Refused, StaleEdit) as exc:
            report.failed[item["key"]] = getattr(exc, "message", str(exc))
    return report


def quick_create(store: DocumentStore, acting: Acting, project: Document, *, title: str,
                 target: str, type: str = "TASK", story_points: Any = None,
                 epic_id: str | None = None) -> Document:
    """A new item at the end of the backlog or of a sprint (FieldErrors on bad input)."""
    sprint = sprint_target(store, project, target)
    item = items.create_item(store, acting, project, title=title, type=type,
                             story_points=story_points, epic_id=epic_id or None,
                             reporter_id=acting.user_id)
    if sprint is None:
        return item
    return write_move(store, acting, project, item, {"sprint_id": sprint["$id"]},
                      reason="created_in_sprint")


def create_epic(store: DocumentStore, acting: Acting, project: Document, title: str
                ) -> Document:
    return items.create_item(store, acting, project, title=title, type="EPIC",
                             reporter_id=acting.user_id)


def epic_progress(store: DocumentStore, project_id: str, epics: Sequence[Document]
                  ) -> dict[str, tuple[int, int]]:
    """``{epic id: (done items, items)}`` over the epics' members (one list)."""
    if not epics:
        return {}
    rows = store.list("work_items", [Query.equal("project_id", project_id),
                                     Query.equal("epic_id", [e["$id"] for e in epics]),
                                     Query.limit(5000)])
    out: dict[str, list[int]] = {e["$id"]: [0, 0] for e in epics}
    for row in rows:
        pair = out.get(str(row.get("epic_id")))
        if pair is not None:
            pair[1] += 1
            pair[0] += 1 if row.get("status_category") == "CLOSED" else 0
    return {k: (v[0], v[1]) for k, v in out.items()}
