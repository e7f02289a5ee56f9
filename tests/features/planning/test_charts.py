"""Sprint charts: day snapshots, burndown, velocity and cumulative flow as SVG geometry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from webapp.features.planning import charts, sprints
from webapp.storage.query import Query

from ..workspaces.helpers import acting
from .helpers import close, make_items, put_in, sprint


def _started(store, owner, project, points=(3, 5, 8)):
    s = sprint(store, owner, project, start_date="2026-03-02", end_date="2026-03-06")
    made = []
    for p in points:
        (item,) = make_items(store, owner, project, 1, story_points=p)
        put_in(store, owner, project, item, s["$id"])
        made.append(item)
    started = sprints.start_sprint(store, acting(owner), project, s["$id"],
                                   today=datetime(2026, 3, 2, 9, tzinfo=UTC))
    return started, made


def test_record_day_is_one_row_per_day(store, owner, project):
    s, made = _started(store, owner, project)
    close(store, made[0])
    charts.record_day(store, s, today=datetime(2026, 3, 2, 18, tzinfo=UTC))  # same day
    rows = list(store.list("sprint_days", [Query.equal("sprint_id", s["$id"])]))
    assert len(rows) == 1 and rows[0]["done_points"] == 3 and rows[0]["closed_count"] == 1


def test_burndown_from_snapshots(store, owner, project):
    s, made = _started(store, owner, project)
    close(store, made[1])
    charts.record_day(store, s, today=datetime(2026, 3, 4, 12, tzinfo=UTC))
    chart = charts.burndown(store, store.get("sprints", s["$id"]), today=date(2026, 3, 5))
    assert chart.labels == ["Mar 02", "Mar 03", "Mar 04", "Mar 05", "Mar 06"]
    # day 1: 16 remaining; day 2 repeats day 1 (no snapshot); day 3: 11; day 4 repeats
    assert [r[2] for r in chart.rows] == [16, 16, 11, 11, "—"]
    assert [r[1] for r in chart.rows] == [16, 12, 8, 4, 0]  # the ideal line
    actual = next(x for x in chart.series if x.css == "actual")
    assert len(actual.points) == 4 and actual.path.startswith("M")
    assert "11 points remain" in chart.desc


def test_planned_sprint_has_no_burndown(store, owner, project):
    s = sprint(store, owner, project)
    assert charts.burndown(store, s).empty and charts.cumulative_flow(store, s).empty


def test_cumulative_flow_layers(store, owner, project):
    s, made = _started(store, owner, project)
    close(store, made[2])
    charts.record_day(store, s, today=datetime(2026, 3, 3, 12, tzinfo=UTC))
    chart = charts.cumulative_flow(store, store.get("sprints", s["$id"]),
                                   today=date(2026, 3, 3))
    assert [a["label"] for a in chart.areas] == ["Done", "In progress", "To do"]
    assert chart.rows == [["Mar 02", 3, 0, 0], ["Mar 03", 2, 0, 1]]


def test_velocity_over_completed_sprints(store, owner, project):
    assert charts.velocity(store, project["$id"]).empty
    for n, done_points in enumerate((3, 5)):
        s = sprint(store, owner, project, f"S{n}")
        a, b = make_items(store, owner, project, 2, story_points=done_points)
        put_in(store, owner, project, a, s["$id"])
        put_in(store, owner, project, b, s["$id"])
        sprints.start_sprint(store, acting(owner), project, s["$id"])
        close(store, a)
        sprints.complete_sprint(store, acting(owner), project, s["$id"])
    chart = charts.velocity(store, project["$id"])
    assert chart.rows == [["S0", 6, 3], ["S1", 10, 5]]
    assert len(chart.bars) == 4 and "average completed 4.0" in chart.desc
    assert all(b["h"] >= 0 for b in chart.bars)


def test_nightly_job_records_active_sprints_once_per_day(runtime, store, owner, project):
    from jobs.context import bound
    from jobs.planning import snapshot_sprints
    from jobs.schedule import SCHEDULE

    s, made = _started(store, owner, project)
    sprint(store, owner, project, "Planned, not recorded")
    close(store, made[0])
    with bound(runtime):
        assert snapshot_sprints() == 1
        assert snapshot_sprints() == 1  # the same day again: rewritten, not added
    today = datetime.now(UTC).date().isoformat()
    rows = list(store.list("sprint_days", [Query.equal("sprint_id", s["$id"]),
                                           Query.equal("day", today)]))
    assert len(rows) == 1 and rows[0]["done_points"] == 3
    assert any(job.func is snapshot_sprints for job in SCHEDULE)


def test_moving_out_of_the_active_sprint_records_the_day(store, owner, project):
    s, made = _started(store, owner, project)
    put_in(store, owner, project, made[2], None)  # 8 points leave the sprint today
    today = datetime.now(UTC).date().isoformat()
    row = store.first("sprint_days", [Query.equal("sprint_id", s["$id"]),
                                      Query.equal("day", today)])
    assert row["total_points"] == 8 and row["open_count"] == 2
