"""Sprint charts drawn on the server as SVG: burndown, velocity and cumulative flow.

Data sources (what each chart can and cannot know):

* **Burndown and cumulative flow** read ``sprint_days``: one snapshot per sprint per UTC
  day (points committed, points done, items per status category), rewritten whenever Keel
  records the day — when the sprint starts, on every backlog move into it, when the charts
  page is viewed, just before completion, and by the nightly ``jobs.planning`` run for
  every active sprint. A day without a snapshot repeats the previous day's values (the
  line is flat there), and days after today are not drawn. Changes made on a day and
  undone before that day's last snapshot are not visible.
* **Velocity** reads the completed sprints' ``total_points`` (committed when the sprint
  started, raised if scope grew) and ``completed_points`` (done at completion).

Geometry is computed here; ``planning/_charts.html`` draws it with CSS variables so the
charts follow the theme, with ``<title>``/``<desc>`` and a data table for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
MAX_DAYS = 120


def _day(value: datetime | None) -> date:
    return (value or datetime.now(UTC)).astimezone(UTC).date()


def record_day(store: DocumentStore, sprint: Document, *, items: Sequence[Document] | None
               = None, today: datetime | None = None) -> Document:
    """Write (or rewrite) today's snapshot of ``sprint`` from its items now."""
    from webapp.features.planning.sprints import items_in, points_of

    rows = list(items) if items is not None else items_in(store, sprint["project_id"],
                                                          sprint["$id"])
    values = {
        "total_points": sum(points_of(i) for i in rows),
        "done_points": sum(points_of(i) for i in rows if i.get("status_category") == "CLOSED"),
        "open_count": sum(1 for i in rows if i.get("status_category", "OPEN") == "OPEN"),
        "progress_count": sum(1 for i in rows if i.get("status_category") == "IN_PROGRESS"),
        "closed_count": sum(1 for i in rows if i.get("status_category") == "CLOSED"),
    }
    day = _day(today).isoformat()
    where = [Query.equal("sprint_id", sprint["$id"]), Query.equal("day", day)]
    found = store.first("sprint_days", where)
    if found is not None:
        return store.update("sprint_days", found["$id"], values)
    try:
        return store.create("sprint_days", {"sprint_id": sprint["$id"],
                                             "project_id": sprint["project_id"], "day": day,
                                             **values})
    except Conflict:  # recorded concurrently: rewrite it
        found = store.first("sprint_days", where)
        return store.update("sprint_days", found["$id"], values) if found else {}


def days_of(store: DocumentStore, sprint_id: str) -> dict[str, Document]:
    rows = store.list("sprint_days", [Query.equal("sprint_id", sprint_id),
                                      Query.order_asc("day"), Query.limit(MAX_DAYS + 10)])
    return {str(r["day"]): r for r in rows}


@dataclass
class Series:
    name: str
    css: str  # class suffix: the colour comes from CSS variables
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if n == 0 else 'L'}{x:.1f},{y:.1f}"
                        for n, (x, y) in enumerate(self.points))


@dataclass
class Chart:
    title: str
    desc: str
    labels: list[str]  # x labels (days or sprint names)
    columns: list[str]  # table header after the label column
    rows: list[list[Any]]  # table rows: label + values
    series: list[Series] = field(default_factory=list)
    bars: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)  # y axis
    xticks: list[dict[str, Any]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    empty: str | None = None

    @property
    def plot(self) -> dict[str, float]:
        return {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}


def _scale(top: float) -> tuple[float, list[dict[str, Any]]]:
    top = max(top, 1.0)
    step = max(1, round(top / 4 + 0.49))
    high = step * 4 if step * 4 >= top else step * 5
    ticks = [{"value": v, "y": _y(v, high)} for v in range(0, int(high) + 1, int(step))]
    return float(high), ticks


def _y(value: float, high: float) -> float:
    return (HEIGHT - BOTTOM) - (value / high) * (HEIGHT - BOTTOM - TOP)


def _x(index: int, count: int) -> float:
    span = WIDTH - RIGHT - LEFT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _xticks(labels: Sequence[str]) -> list[dict[str, Any]]:
    every = max(1, len(labels) // 7 + (1 if len(labels) % 7 else 0))
    last = len(labels) - 1
    return [{"x": _x(n, len(labels)), "label": label,
             "anchor": "end" if n == last and n else "middle"}
            for n, label in enumerate(labels)
            if (n % every == 0 and (last - n >= every or n == 0)) or n == last]


def _sprint_days(sprint: Document, today: date) -> list[date]:
    start = _day(sprint.get("start_date"))
    end = _day(sprint.get("completed_at") or sprint.get("end_date") or
               sprint.get("start_date"))
    end = max(end, _day(sprint.get("end_date")) if sprint.get("end_date") else end)
    count = min((end - start).days + 1, MAX_DAYS)
    return [start + timedelta(days=n) for n in range(max(count, 1))]


def _filled(days: Sequence[date], snaps: dict[str, Document], today: date
            ) -> list[Document | None]:
    out: list[Document | None] = []
    last: Document | None = None
    for day in days:
        if day > today:
            out.append(None)
            continue
        last = snaps.get(day.isoformat(), last)
        out.append(last)
    return out


def burndown(store: DocumentStore, sprint: Document, *, today: date | None = None) -> Chart:
    """Remaining points per day against the ideal line from the committed points."""
    name = sprint["name"]
    if not sprint.get("start_date") or sprint["status"] == "PLANNED":
        return Chart(f"Burndown of {name}", "The sprint has not started.", [], [], [],
                     empty="The burndown starts when the sprint starts.")
    today = today or _day(None)
    if sprint.get("completed_at"):
        today = min(today, _day(sprint["completed_at"]))
    days = _sprint_days(sprint, today)
    snaps = _filled(days, days_of(store, sprint["$id"]), today)
    committed = float(sprint.get("total_points") or 0)
    remaining = [None if s is None else float(s["total_points"] or 0) -
                 float(s["done_points"] or 0) for s in snaps]
    top, ticks = _scale(max([committed, *[r or 0 for r in remaining]]))
    labels = [d.strftime("%b %d") for d in days]
    ideal = Series("Ideal", "ideal", [(_x(0, len(days)), _y(committed, top)),
                                      (_x(len(days) - 1, len(days)), _y(0, top))])
    actual = Series("Remaining", "actual", [(_x(n, len(days)), _y(r, top))
                                            for n, r in enumerate(remaining) if r is not None])
    rows = [[labels[n], round(committed - committed * n / max(len(days) - 1, 1), 1),
             "—" if r is None else round(r, 1)] for n, r in enumerate(remaining)]
    last = next((r for r in reversed(remaining) if r is not None), committed)
    desc = (f"Committed {committed:g} points over {len(days)} days; {last:g} points remain "
            "on the last recorded day.")
    return Chart(f"Burndown of {name}", desc, labels, ["Ideal", "Remaining"], rows,
                 series=[ideal, actual], ticks=ticks, xticks=_xticks(labels))


def velocity(store: DocumentStore, project_id: str, limit: int = 8) -> Chart:
    from webapp.features.planning.sprints import completed_sprints

    done = completed_sprints(store, project_id, limit)
    if not done:
        return Chart("Velocity", "No completed sprints yet.", [], [], [],
                     empty="Velocity appears after the first completed sprint.")
    top, ticks = _scale(max(max(float(s.get("total_points") or 0),
                                float(s.get("completed_points") or 0)) for s in done))
    span = (WIDTH - LEFT - RIGHT) / len(done)
    bar = min(28.0, span / 3)
    bars: list[dict[str, Any]] = []
    rows = []
    for n, s in enumerate(done):
        committed = float(s.get("total_points") or 0)
        completed = float(s.get("completed_points") or 0)
        x0 = LEFT + span * n + span / 2 - bar
        for offset, value, css in ((0, committed, "committed"), (bar, completed, "completed")):
            y = _y(value, top)
            bars.append({"x": x0 + offset, "y": y, "w": bar - 2, "h": (HEIGHT - BOTTOM) - y,
                         "css": css, "label": f"{s['name']}: {value:g} {css}"})
        rows.append([s["name"], committed, completed])
    average = sum(r[2] for r in rows) / len(rows)
    xticks = [{"x": LEFT + span * n + span / 2, "label": s["name"][:14]}
              for n, s in enumerate(done)]
    return Chart("Velocity", f"Points committed and completed in the last {len(done)} "
                 f"completed sprints; average completed {average:.1f}.",
                 [s["name"] for s in done], ["Committed", "Completed"], rows, bars=bars,
                 ticks=ticks, xticks=xticks)


def cumulative_flow(store: DocumentStore, sprint: Document, *, today: date | None = None
                    ) -> Chart:
    """Items per status category per day, stacked (done at the bottom)."""
    name = sprint["name"]
    if not sprint.get("start_date") or sprint["status"] == "PLANNED":
        return Chart(f"Cumulative flow of {name}", "The sprint has not started.", [], [], [],
                     empty="Cumulative flow starts when the sprint starts.")
    today = today or _day(None)
    if sprint.get("completed_at"):
        today = min(today, _day(sprint["completed_at"]))
    days = _sprint_days(sprint, today)
    snaps = _filled(days, days_of(store, sprint["$id"]), today)
    known = [(n, s) for n, s in enumerate(snaps) if s is not None]
    if not known:
        return Chart(f"Cumulative flow of {name}", "No snapshot recorded yet.", [], [], [],
                     empty="No day has been recorded for this sprint yet.")
    top, ticks = _scale(max(int(s["open_count"] or 0) + int(s["progress_count"] or 0) +
                            int(s["closed_count"] or 0) for _, s in known))
    labels = [d.strftime("%b %d") for d in days]
    layers = (("Done", "closed_count", "done"), ("In progress", "progress_count", "progress"),
              ("To do", "open_count", "todo"))
    base = [0.0] * len(known)
    areas = []
    for label, attr, css in layers:
        upper = [base[k] + float(s[attr] or 0) for k, (_, s) in enumerate(known)]
        xs = [_x(n, len(days)) for n, _ in known]
        top_pts = [f"{x:.1f},{_y(v, top):.1f}" for x, v in zip(xs, upper, strict=True)]
        low_pts = [f"{x:.1f},{_y(v, top):.1f}" for x, v in zip(xs, base, strict=True)]
        if len(known) == 1:  # one day: a thin band so it is visible
            top_pts.append(f"{xs[0] + 6:.1f},{_y(upper[0], top):.1f}")
            low_pts.append(f"{xs[0] + 6:.1f},{_y(base[0], top):.1f}")
        areas.append({"css": css, "label": label,
                      "points": " ".join(top_pts + list(reversed(low_pts)))})
        base = upper
    rows = [[labels[n], int(s["open_count"] or 0), int(s["progress_count"] or 0),
             int(s["closed_count"] or 0)] for n, s in known]
    last = known[-1][1]
    desc = (f"Work items per state each day; on the last recorded day {last['open_count']} "
            f"to do, {last['progress_count']} in progress, {last['closed_count']} done.")
    return Chart(f"Cumulative flow of {name}", desc, labels, ["To do", "In progress", "Done"],
                 rows, areas=areas, ticks=ticks, xticks=_xticks(labels))


def record_active_days(store: DocumentStore, *, today: datetime | None = None) -> int:
    """Record today's snapshot of every ACTIVE sprint (the nightly job); idempotent per day."""
    count = 0
    cursor: str | None = None
    while True:
        queries = [Query.equal("status", "ACTIVE"), Query.limit(100)]
        if cursor:
            queries.append(Query.cursor_after(cursor))
        rows = list(store.list("sprints", queries))
        for sprint in rows:
            record_day(store, sprint, today=today)
            count += 1
        if len(rows) < 100:
            return count
        cursor = rows[-1]["$id"]
