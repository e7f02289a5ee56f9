"""Sprints: PLANNED → ACTIVE → COMPLETED, or CANCELLED from PLANNED/ACTIVE.

* At most one ACTIVE sprint per project. The service checks it, and the data refuses it
  too: an ACTIVE sprint carries ``active_slot = project_id`` under a unique index (other
  states keep it null), so two concurrent starts cannot both succeed.
* End date ≥ start date. Starting fills a missing start date with today and a missing end
  date with start + the project's ``default_sprint_duration`` (14 days).
* Completing moves every unfinished item (status category not CLOSED) to the backlog or
  to another PLANNED/ACTIVE sprint of the project, as the user chooses, and stores the
  sprint's committed points (``total_points``), ``completed_points`` and ``velocity``.
* Cancelling returns the sprint's unfinished items to the backlog. Deleting is refused for
  an ACTIVE sprint (complete or cancel it first); a deleted sprint's items lose their
  sprint (finished ones included), so no item points at a missing sprint.
* A completed or cancelled sprint cannot be edited or restarted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.items.service import scope
from webapp.features.items.validate import as_date
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

PLANNED, ACTIVE, COMPLETED, CANCELLED = "PLANNED", "ACTIVE", "COMPLETED", "CANCELLED"
OPEN_STATES = (PLANNED, ACTIVE)
BACKLOG = "backlog"
AUDITED = ("name", "goal", "start_date", "end_date", "status")
MAX_NAME, MAX_GOAL = 128, 2000


@dataclass(frozen=True)
class SprintStats:
    """What a sprint holds now: items, their points, points of finished items."""

    items: int = 0
    points: float = 0.0
    done_points: float = 0.0
    done_items: int = 0


def get_sprint(store: DocumentStore, project_id: str, sprint_id: str) -> Document:
    sprint = store.find("sprints", sprint_id)
    if sprint is None or sprint["project_id"] != project_id:
        raise Refused("SPRINT_NOT_FOUND", "This sprint does not exist.", status=404)
    return sprint


def sprints_of(store: DocumentStore, project_id: str, *, closed: bool = False
               ) -> list[Document]:
    """The project's sprints (open ones only unless ``closed``), ACTIVE first, then by
    position and creation."""
    queries = [Query.equal("project_id", project_id)]
    if not closed:
        queries.append(Query.equal("status", list(OPEN_STATES)))
    rows = store.list("sprints", [*queries, Query.order_asc("position"), Query.limit(500)])
    return sorted(rows, key=lambda s: (s["status"] != ACTIVE, s["status"] != PLANNED))


def active_sprint(store: DocumentStore, project_id: str) -> Document | None:
    return store.first("sprints", [Query.equal("project_id", project_id),
                                   Query.equal("status", ACTIVE)])


def completed_sprints(store: DocumentStore, project_id: str, limit: int = 8) -> list[Document]:
    """The last ``limit`` completed sprints, oldest first (velocity)."""
    rows = store.list("sprints", [Query.equal("project_id", project_id),
                                  Query.equal("status", COMPLETED),
                                  Query.order_desc("completed_at"), Query.limit(limit)])
    return list(reversed(list(rows)))


def points_of(item: Mapping[str, Any]) -> float:
    return float(item.get("story_points") or 0)


def is_done(item: Mapping[str, Any]) -> bool:
    return item.get("status_category") == "CLOSED"


def stats(items: Sequence[Mapping[str, Any]]) -> SprintStats:
    done = [i for i in items if is_done(i)]
    return SprintStats(len(items), sum(points_of(i) for i in items),
                       sum(points_of(i) for i in done), len(done))


def items_in(store: DocumentStore, project_id: str, sprint_id: str | None,
             extra: Sequence[Query] = (), limit: int = 1000) -> list[Document]:
    """Items of a sprint (None: the backlog), in rank order."""
    where = Query.equal("sprint_id", sprint_id) if sprint_id else Query.is_null("sprint_id")
    return list(store.list("work_items", [
        Query.equal("project_id", project_id), where, *extra, Query.order_asc("position"),
        Query.limit(limit)]))


def _clean(values: Mapping[str, Any], current: Mapping[str, Any] | None = None
           ) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if "name" in values or current is None:
        name = str(values.get("name") or "").strip()
        if not name:
            errors["name"] = "Give the sprint a name."
        elif len(name) > MAX_NAME:
            errors["name"] = f"Use at most {MAX_NAME} characters."
        out["name"] = name
    if "goal" in values:
        goal = str(values.get("goal") or "").strip()
        if len(goal) > MAX_GOAL:
            errors["goal"] = f"Use at most {MAX_GOAL} characters."
        out["goal"] = goal or None
    for name in ("start_date", "end_date"):
        if name in values:
            try:
                out[name] = as_date(values.get(name))
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD."
    start = out.get("start_date", (current or {}).get("start_date"))
    end = out.get("end_date", (current or {}).get("end_date"))
    if start and end and "end_date" not in errors and "start_date" not in errors and end < start:
        errors["end_date"] = "The end date must be on or after the start date."
    if errors:
        raise FieldErrors(errors)
    return out


def create_sprint(store: DocumentStore, acting: Acting, project: Document,
                  values: Mapping[str, Any]) -> Document:
    """A PLANNED sprint at the end of the project's list; raises FieldErrors."""
    clean = _clean(values)
    last = store.first("sprints", [Query.equal("project_id", project["$id"]),
                                   Query.order_desc("position")])
    with store.transaction():
        sprint = store.create("sprints", {
            **clean, "workspace_id": project["workspace_id"], "project_id": project["$id"],
            "status": PLANNED, "position": int(last["position"] or 0) + 1 if last else 1,
            "created_by": acting.user_id})
        record(store, acting, "sprint_created", "sprint", sprint["$id"],
               resource_name=sprint["name"], changes=diff(None, sprint, AUDITED),
               **scope(store, project))
    return sprint


def _write(store: DocumentStore, acting: Acting, project: Document, sprint: Document,
           values: Mapping[str, Any], action: str, metadata: Mapping[str, Any] | None = None
           ) -> Document:
    after = store.update("sprints", sprint["$id"], values)
    record(store, acting, action, "sprint", sprint["$id"], resource_name=after["name"],
           changes=diff(sprint, after, AUDITED), metadata=dict(metadata or {}),
           **scope(store, project))
    return after


def update_sprint(store: DocumentStore, acting: Acting, project: Document, sprint_id: str,
                  values: Mapping[str, Any]) -> Document:
    sprint = get_sprint(store, project["$id"], sprint_id)
    if sprint["status"] not in OPEN_STATES:
        raise Refused("SPRINT_CLOSED", "A completed or cancelled sprint cannot be edited.")
    clean = _clean({k: v for k, v in values.items() if k in ("name", "goal", "start_date",
                                                              "end_date")}, sprint)
    with store.transaction():
        return _write(store, acting, project, sprint, clean, "sprint_updated")


def delete_sprint(store: DocumentStore, acting: Acting, project: Document,
                  sprint_id: str) -> None:
    sprint = get_sprint(store, project["$id"], sprint_id)
    if sprint["status"] == ACTIVE:
        raise Refused("SPRINT_ACTIVE", "Complete or cancel the active sprint before deleting "
                      "it.")
    with store.transaction():
        moved = store.update_where("work_items", [Query.equal("sprint_id", sprint_id)],
                                   {"sprint_id": None})
        store.delete_where("sprint_days", [Query.equal("sprint_id", sprint_id)])
        store.delete("sprints", sprint_id)
        record(store, acting, "sprint_deleted", "sprint", sprint_id,
               resource_name=sprint["name"], changes=diff(sprint, {}, ("name", "status")),
               metadata={"items_to_backlog": moved}, **scope(store, project))


def start_sprint(store: DocumentStore, acting: Acting, project: Document, sprint_id: str,
                 *, today: datetime | None = None) -> Document:
    """PLANNED → ACTIVE; refused while another sprint of the project is ACTIVE."""
    sprint = get_sprint(store, project["$id"], sprint_id)
    if sprint["status"] != PLANNED:
        raise Refused("SPRINT_NOT_PLANNED", "Only a planned sprint can be started.")
    running = active_sprint(store, project["$id"])
    if running is not None:
        raise Refused("SPRINT_ALREADY_ACTIVE", f"“{running['name']}” is already active. "
                      "Complete it before starting another sprint.")
    now = (today or datetime.now(UTC)).astimezone(UTC)
    day = datetime(now.year, now.month, now.day, tzinfo=UTC)
    start = sprint.get("start_date") or day
    length = int(project.get("default_sprint_duration") or 14)
    end = sprint.get("end_date") or start + timedelta(days=length)
    if end < start:
        raise FieldErrors({"end_date": "The end date must be on or after the start date."})
    items = items_in(store, project["$id"], sprint_id)
    committed = stats(items)
    try:
        with store.transaction():
            after = _write(store, acting, project, sprint, {
                "status": ACTIVE, "active_slot": project["$id"], "start_date": start,
                "end_date": end, "total_points": committed.points,
                "completed_points": committed.done_points}, "sprint_started",
                {"items": committed.items, "points": committed.points})
    except Conflict as exc:  # another start won the race
        raise Refused("SPRINT_ALREADY_ACTIVE", "Another sprint of this project is already "
                      "active.") from exc
    from webapp.features.planning import charts

    charts.record_day(store, after, items=items, today=now)
    return after


def _target(store: DocumentStore, project: Document, sprint: Document, move_to: str
            ) -> Document | None:
    if not move_to or move_to == BACKLOG:
        return None
    target = store.find("sprints", move_to)
    if (target is None or target["project_id"] != project["$id"]
            or target["$id"] == sprint["$id"] or target["status"] not in OPEN_STATES):
        raise FieldErrors({"move_to": "Choose the backlog or another planned sprint of this "
                           "project."})
    return target


def complete_sprint(store: DocumentStore, acting: Acting, project: Document, sprint_id: str,
                    *, move_to: str = BACKLOG, today: datetime | None = None) -> Document:
    """ACTIVE → COMPLETED; unfinished items go to ``move_to`` (``"backlog"`` or a sprint id)."""
    sprint = get_sprint(store, project["$id"], sprint_id)
    if sprint["status"] != ACTIVE:
        raise Refused("SPRINT_NOT_ACTIVE", "Only the active sprint can be completed.")
    target = _target(store, project, sprint, move_to)
    items = items_in(store, project["$id"], sprint_id)
    result = stats(items)
    now = (today or datetime.now(UTC)).astimezone(UTC)
    from webapp.features.planning import backlog, charts

    charts.record_day(store, sprint, items=items, today=now)
    unfinished = [i for i in items if not is_done(i)]
    with store.transaction():
        for item in unfinished:
            backlog.write_move(store, acting, project, item,
                               {"sprint_id": target["$id"] if target else None},
                               reason="sprint_completed")
        after = _write(store, acting, project, sprint, {
            "status": COMPLETED, "active_slot": None, "completed_at": now,
            "total_points": max(float(sprint.get("total_points") or 0), result.points),
            "completed_points": result.done_points, "velocity": result.done_points},
            "sprint_completed", {"moved": len(unfinished),
                                 "moved_to": target["$id"] if target else BACKLOG,
                                 "done_items": result.done_items})
    return after


def cancel_sprint(store: DocumentStore, acting: Acting, project: Document,
                  sprint_id: str) -> Document:
    """PLANNED/ACTIVE → CANCELLED; its unfinished items return to the backlog."""
    sprint = get_sprint(store, project["$id"], sprint_id)
    if sprint["status"] not in OPEN_STATES:
        raise Refused("SPRINT_CLOSED", "This sprint is already closed.")
    from webapp.features.planning import backlog

    unfinished = [i for i in items_in(store, project["$id"], sprint_id) if not is_done(i)]
    with store.transaction():
        for item in unfinished:
            backlog.write_move(store, acting, project, item, {"sprint_id": None},
                               reason="sprint_cancelled")
        return _write(store, acting, project, sprint, {
            "status": CANCELLED, "active_slot": None,
            "cancelled_at": datetime.now(UTC)}, "sprint_cancelled",
            {"moved": len(unfinished)})
