"""Sprints: lifecycle, one ACTIVE per project (service and data), completion carry-over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webapp.features.planning import sprints
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from ..workspaces.helpers import acting
from .helpers import close, make_items, put_in, sprint


def test_create_validates_name_and_dates(store, owner, project):
    with pytest.raises(FieldErrors) as bad:
        sprints.create_sprint(store, acting(owner), project, {"name": "  "})
    assert "name" in bad.value.errors
    with pytest.raises(FieldErrors) as bad:
        sprints.create_sprint(store, acting(owner), project, {
            "name": "S", "start_date": "2026-03-10", "end_date": "2026-03-01"})
    assert bad.value.errors == {"end_date": "The end date must be on or after the start date."}
    with pytest.raises(FieldErrors) as bad:
        sprints.create_sprint(store, acting(owner), project, {"name": "S",
                                                              "start_date": "10/03/2026"})
    assert "start_date" in bad.value.errors
    assert store.count("sprints", [Query.equal("project_id", project["$id"])]) == 0
    made = sprint(store, owner, project, goal="Ship it", start_date="2026-03-01",
                  end_date="2026-03-14")
    assert made["status"] == "PLANNED" and made["goal"] == "Ship it"
    assert made["end_date"] == datetime(2026, 3, 14, tzinfo=UTC)
    log = store.first("audit_logs", [Query.equal("resource_id", made["$id"])])
    assert log["action"] == "sprint_created"


def test_start_fills_dates_and_records_commitment(store, owner, project):
    s = sprint(store, owner, project)
    a, b = make_items(store, owner, project, 2, story_points=3)
    put_in(store, owner, project, a, s["$id"])
    put_in(store, owner, project, b, s["$id"])
    now = datetime(2026, 4, 6, 15, tzinfo=UTC)
    started = sprints.start_sprint(store, acting(owner), project, s["$id"], today=now)
    assert started["status"] == "ACTIVE" and started["active_slot"] == project["$id"]
    assert started["start_date"] == datetime(2026, 4, 6, tzinfo=UTC)
    assert started["end_date"] == datetime(2026, 4, 20, tzinfo=UTC)  # 14 days by default
    assert started["total_points"] == 6
    day = store.first("sprint_days", [Query.equal("sprint_id", s["$id"])])
    assert day["day"] == "2026-04-06" and day["total_points"] == 6 and day["open_count"] == 2


def test_second_active_sprint_refused(store, owner, project):
    one, two = sprint(store, owner, project), sprint(store, owner, project, "Sprint 2")
    sprints.start_sprint(store, acting(owner), project, one["$id"])
    with pytest.raises(Refused) as refused:
        sprints.start_sprint(store, acting(owner), project, two["$id"])
    assert refused.value.code == "SPRINT_ALREADY_ACTIVE" and "Sprint 1" in refused.value.message
    assert store.get("sprints", two["$id"])["status"] == "PLANNED"
    # the data refuses it too: a second ACTIVE slot in the same project collides
    with pytest.raises(Conflict):
        store.update("sprints", two["$id"], {"status": "ACTIVE",
                                             "active_slot": project["$id"]})


def test_only_planned_sprints_start_and_only_active_complete(store, owner, project):
    s = sprint(store, owner, project)
    with pytest.raises(Refused) as refused:
        sprints.complete_sprint(store, acting(owner), project, s["$id"])
    assert refused.value.code == "SPRINT_NOT_ACTIVE"
    sprints.start_sprint(store, acting(owner), project, s["$id"])
    with pytest.raises(Refused) as refused:
        sprints.start_sprint(store, acting(owner), project, s["$id"])
    assert refused.value.code == "SPRINT_NOT_PLANNED"


def test_complete_moves_unfinished_to_backlog(store, owner, project):
    s = sprint(store, owner, project)
    done, open_one, open_two = make_items(store, owner, project, 3, story_points=5)
    for item in (done, open_one, open_two):
        put_in(store, owner, project, item, s["$id"])
    sprints.start_sprint(store, acting(owner), project, s["$id"])
    close(store, done)
    after = sprints.complete_sprint(store, acting(owner), project, s["$id"], move_to="backlog")
    assert after["status"] == "COMPLETED" and after["active_slot"] is None
    assert after["completed_points"] == 5 and after["velocity"] == 5
    assert after["total_points"] == 15
    assert store.get("work_items", done["$id"])["sprint_id"] == s["$id"]
    for item in (open_one, open_two):
        assert store.get("work_items", item["$id"])["sprint_id"] is None
    # a new sprint may start now
    nxt = sprint(store, owner, project, "Sprint 2")
    assert sprints.start_sprint(store, acting(owner), project, nxt["$id"])["status"] == "ACTIVE"


def test_complete_moves_unfinished_to_another_sprint(store, owner, project):
    s, nxt = sprint(store, owner, project), sprint(store, owner, project, "Sprint 2")
    (item,) = make_items(store, owner, project, 1)
    put_in(store, owner, project, item, s["$id"])
    sprints.start_sprint(store, acting(owner), project, s["$id"])
    with pytest.raises(FieldErrors):  # not itself
        sprints.complete_sprint(store, acting(owner), project, s["$id"], move_to=s["$id"])
    with pytest.raises(FieldErrors):  # not an unknown sprint
        sprints.complete_sprint(store, acting(owner), project, s["$id"], move_to="nope")
    assert store.get("sprints", s["$id"])["status"] == "ACTIVE"
    sprints.complete_sprint(store, acting(owner), project, s["$id"], move_to=nxt["$id"])
    assert store.get("work_items", item["$id"])["sprint_id"] == nxt["$id"]
    history = store.first("audit_logs", [Query.equal("resource_id", item["$id"]),
                                         Query.equal("action", "work_item_planned"),
                                         Query.order_desc("$createdAt")])
    assert history["metadata"]["reason"] == "sprint_completed"


def test_closed_sprints_are_frozen_and_delete_rules(store, owner, project):
    s = sprint(store, owner, project)
    (item,) = make_items(store, owner, project, 1)
    put_in(store, owner, project, item, s["$id"])
    sprints.start_sprint(store, acting(owner), project, s["$id"])
    with pytest.raises(Refused) as refused:
        sprints.delete_sprint(store, acting(owner), project, s["$id"])
    assert refused.value.code == "SPRINT_ACTIVE"
    sprints.cancel_sprint(store, acting(owner), project, s["$id"])
    assert store.get("work_items", item["$id"])["sprint_id"] is None
    with pytest.raises(Refused):
        sprints.update_sprint(store, acting(owner), project, s["$id"], {"name": "X"})
    with pytest.raises(FieldErrors) as bad:  # a cancelled sprint takes no more items
        put_in(store, owner, project, item, s["$id"])
    assert "closed" in bad.value.errors["sprint"]
    sprints.delete_sprint(store, acting(owner), project, s["$id"])
    assert store.find("sprints", s["$id"]) is None


def test_edit_sprint(store, owner, project):
    s = sprint(store, owner, project, start_date="2026-01-05")
    with pytest.raises(FieldErrors):
        sprints.update_sprint(store, acting(owner), project, s["$id"],
                              {"end_date": "2026-01-01"})
    after = sprints.update_sprint(store, acting(owner), project, s["$id"],
                                  {"name": "Renamed", "goal": "Better"})
    assert after["name"] == "Renamed" and after["goal"] == "Better"
