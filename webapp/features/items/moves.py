"""Moving a work item on the board: to another column (a status change, checked against the
workflow) and/or to another place inside a column (a new ``position``).

One move costs at most: one ``get_many`` (the item and its two neighbours), the engine's
column and transition reads (none when the project's configuration is in the workflows
cache), one ``update_where`` (optimistic: the version must match), one audit row and, for
a status change, one ``count`` of the target column (for the WIP warning; counted before
the write when the card lands without neighbours, so an empty target column needs no read
of its last card). Positions are sparse floats (spacing 1000); a card dropped between two
cards takes their midpoint, and when that gap gets below 1e-6 the column is renumbered in
the same transaction.

Decisions:
* A refused transition raises ``Refused`` (status 409, the engine's code and message)
  and writes nothing; a stale version raises the items module's ``StaleEdit``.
* WIP limits are soft (as in Jira): a move over the limit is allowed and the result
  carries a warning for the target column's header.
* A move across swimlanes changes the lane's attribute (``type``, ``epic_id`` or the
  assignees); a move into the assignee lane "none" unassigns the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting
from webapp.audit.service import diff, record
from webapp.features.notifications import events
from webapp.features.workspaces.errors import Refused
from webapp.storage.base import DocumentStore
from webapp.storage.query import Query

Document = dict[str, Any]

SPACING = 1000.0
MIN_GAP = 1e-6
CATEGORY_OF_CUSTOM = {"todo": "OPEN", "in_progress": "IN_PROGRESS", "done": "CLOSED",
                      "cancelled": "CLOSED"}
LANE_FIELDS = {"type": "type", "epic": "epic_id", "assignee": "assignee_ids"}
NO_LANE = "none"


@dataclass(frozen=True)
class MoveResult:
    """The item after the move and what the board needs to update two headers."""

    item: Document
    from_status: str
    to_status: str
    status_changed: bool
    to_count: int | None = None  # cards in the target column after the move (status change)
    wip_limit: int | None = None
    changes: Mapping[str, Any] | None = None
    from_column: Any = None  # the engine's Column objects (status change only)
    to_column: Any = None

    @property
    def over_wip(self) -> bool:
        return (self.wip_limit is not None and self.to_count is not None
                and self.to_count > self.wip_limit)

    @property
    def wip_warning(self) -> str | None:
        if not self.over_wip:
            return None
        return (f"WIP limit exceeded: {self.to_count} cards, limit {self.wip_limit}. "
                "The move was allowed; consider finishing work before starting more.")


def _raise_stale(store: DocumentStore, item_id: str, version: int) -> None:
    from webapp.features.items.service import StaleEdit, changed_since

    current = store.get("work_items", item_id)
    raise StaleEdit(current, changed_since(store, current, version))


class _TeamsIfAsked:
    """The actor's team ids, read only when a transition of the workflow names teams (the
    engine iterates them after it has read the transitions)."""

    def __init__(self, wf: Any, store: DocumentStore, team_ids: Iterable[str]) -> None:
        self._wf, self._store, self._ids = wf, store, team_ids

    def __iter__(self) -> Iterator[str]:
        if not any(t.get("allowed_team_ids") or t.get("approver_team_ids")
                   for t in self._wf.transitions(self._store)):
            return iter(())
        return iter(list(self._ids))


def lane_changes(item: Document, swimlane: tuple[str, str] | None) -> dict[str, Any]:
    """The attribute change a move into lane ``(kind, value)`` makes (empty: same lane)."""
    if not swimlane or swimlane[0] not in LANE_FIELDS:
        return {}
    kind, value = swimlane
    field = LANE_FIELDS[kind]
    if kind == "assignee":
        current = list(item.get("assignee_ids") or [])
        first = current[0] if current else NO_LANE
        if first == value:
            return {}
        return {field: [] if value == NO_LANE else [value, *[u for u in current if u != value]]}
    target = None if value == NO_LANE else value
    if kind == "type" and target is None:
        return {}
    return {} if (item.get(field) or None) == target else {field: target}


def _position(before: Document | None, after: Document | None) -> float | None:
    """``after`` is the card above the drop, ``before`` the card below. None: renumber."""
    if after is not None and before is not None:
        low, high = float(after.get("position") or 0), float(before.get("position") or 0)
        if high - low < MIN_GAP:
            return None
        return (low + high) / 2
    if after is not None:
        return float(after.get("position") or 0) + SPACING
    if before is not None:
        return float(before.get("position") or 0) - SPACING
    return SPACING


def _renumber(store: DocumentStore, project_id: str, status: str, moving_id: str,
              after_id: str | None) -> float:
    """Respace a column (1000, 2000, ...) leaving a slot after ``after_id``; its position."""
    cards = store.list("work_items", [Query.equal("project_id", project_id),
                                      Query.equal("status", status),
                                      Query.order_asc("position"), Query.limit(5000)])
    spot = SPACING
    number = 1
    for card in cards:
        if card["$id"] == moving_id:
            continue
        store.update("work_items", card["$id"], {"position": number * SPACING})
        number += 1
        if card["$id"] == after_id:
            spot = number * SPACING
            number += 1
    return spot if after_id else 0.0


def _column_count(store: DocumentStore, project_id: str, scope: Sequence[Query],
                  status: str) -> int:
    return store.count("work_items", [Query.equal("project_id", project_id), *scope,
                                      Query.equal("status", status)])


def _end_position(store: DocumentStore, project_id: str, status: str) -> float:
    last = store.first("work_items", [Query.equal("project_id", project_id),
                                      Query.equal("status", status),
                                      Query.order_desc("position")])
    return (float(last.get("position") or 0) if last else 0.0) + SPACING


def move_item(store: DocumentStore, acting: Acting, project: Document, item_id: str, *,
              to_status: str, before_id: str | None = None, after_id: str | None = None,
              swimlane: tuple[str, str] | None = None, expected_version: int | None = None,
              actor: Any, scope: Sequence[Query] = ()) -> MoveResult:
    """Move ``item_id`` to column ``to_status`` between ``after_id`` (above) and
    ``before_id`` (below); without neighbours it goes to the end of the column.
    ``scope``: extra queries for what counts towards the WIP limit (a SCRUM board's
    sprint). Raises ``Refused`` (unknown item/column, refused transition) or ``StaleEdit``."""
    from webapp.features.workflows import engine

    wanted = [i for i in (item_id, before_id, after_id) if i]
    found = store.get_many("work_items", wanted)
    item = found.get(item_id)
    if item is None or item.get("project_id") != project["$id"]:
        raise Refused("ITEM_NOT_FOUND", "This work item no longer exists.", status=404)
    version = int(item.get("version") or 1)
    if expected_version is not None and expected_version != version:
        _raise_stale(store, item_id, expected_version)
    from_status = str(item["status"])
    changes: dict[str, Any] = {}
    status_changed = to_status != from_status
    column = source = wf = None
    if status_changed:
        wf = engine.load(store, project, cached=True)
        columns = engine.board_columns(store, project, data=wf)
        column = next((c for c in columns if c.key == to_status), None)
        source = next((c for c in columns if c.key == from_status), None)
        if column is None:
            raise Refused("UNKNOWN_STATUS", "This column is not on the board.", status=409)
        check = engine.check_transition(
            store, project, item, to_status, user_id=actor.user_id,
            project_role=actor.project_role, team_ids=_TeamsIfAsked(wf, store, actor.team_ids),
            data=wf)
        if not check.allowed:
            exc = Refused(check.code or "TRANSITION_REFUSED", check.message, status=409)
            exc.transition = check.transition  # type: ignore[attr-defined]
            raise exc
        category = str(column.category)
        changes["status"] = to_status
        changes["status_category"] = CATEGORY_OF_CUSTOM.get(category, category)
        if changes["status_category"] == "CLOSED":
            if not item.get("resolved_at"):
                changes["resolved_at"] = datetime.now(UTC)
        elif item.get("resolved_at"):
            changes["resolved_at"] = None
    changes.update(lane_changes(item, swimlane))

    def neighbour(nid: str | None) -> Document | None:
        doc = found.get(nid) if nid else None
        if doc is None or doc["$id"] == item_id or doc.get("project_id") != project["$id"]:
            return None
        return doc if doc.get("status") == to_status else None

    before, after = neighbour(before_id), neighbour(after_id)
    renumber = False
    prior = None  # cards in the target column before the move (counted when it saves a read)
    if before is None and after is None:
        position: float | None = float(item.get("position") or 0)
        if status_changed and not scope:  # an empty target needs no "last card" read
            prior = _column_count(store, project["$id"], (), to_status)
            position = SPACING if not prior else _end_position(store, project["$id"],
                                                                to_status)
        elif status_changed or before_id or after_id:
            position = _end_position(store, project["$id"], to_status)
    else:
        position = _position(before, after)
        renumber = position is None
    if position is not None and position != item.get("position"):
        changes["position"] = position
    if not changes and not renumber:
        return MoveResult(item, from_status, to_status, False)

    with store.transaction():
        if renumber:
            changes["position"] = _renumber(store, project["$id"], to_status, item_id,
                                            after["$id"] if after else None)
        payload = {**changes, "version": version + 1, "last_modified_by": acting.user_id}
        written = store.update_where(
            "work_items", [Query.equal("$id", item_id), Query.equal("version", version)],
            payload)
        if not written:
            _raise_stale(store, item_id, version)
        after_doc = {**item, **payload}
        logged = [k for k in changes if k != "position"] or ["position"]
        record(store, acting, "work_item_moved", "work_item", item_id,
               resource_name=str(item.get("key") or ""),
               workspace_id=project.get("workspace_id"), project_id=project["$id"],
               changes=diff(item, after_doc, tuple(logged)))
        events.emit_item_write(store, acting.user_id, project, item, after_doc,
                               actor_name=acting.name)
        if status_changed:
            engine.after_status_change(store, acting, project, after_doc, data=wf)
    to_count = None
    if status_changed:
        to_count = (prior + 1 if prior is not None
                    else _column_count(store, project["$id"], scope, to_status))
    wip = (project.get("wip_limits") or {}).get(to_status)
    if column is not None and getattr(column, "wip_limit", None):
        wip = column.wip_limit
    return MoveResult(after_doc, from_status, to_status, status_changed, to_count,
                      int(wip) if wip else None, changes, source, column)
