"""Work item service: keys, validation, stale edits, transitions, delete."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from webapp.authz.roles import ProjectRole
from webapp.features.items import service
from webapp.features.items.service import Actor, StaleEdit
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting


def test_keys_are_sequential_and_never_reused(store, owner, project, make):
    first, second = make("One"), make("Two")
    assert (first["key"], second["key"]) == ("WEB-1", "WEB-2")
    assert first["status"] == "TODO" and first["status_category"] == "OPEN"
    assert first["version"] == 1 and first["reporter_id"] == owner["$id"]
    service.delete_item(store, acting(owner), project, second["$id"])
    assert make("Three")["key"] == "WEB-3"
    assert store.get("projects", project["$id"])["item_seq"] == 3


def test_concurrent_creates_get_distinct_numbers(runtime, store, owner, project):
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for n in range(5):
                service.create_item(store, acting(owner), project, title=f"T{n}",
                                    reporter_id=owner["$id"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = [d["number"] for d in store.list("work_items", [
        Query.equal("project_id", project["$id"]), Query.limit(100)])]
    assert sorted(numbers) == list(range(1, 21))


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"title": "  "}, "title", "Enter a title."),
    ({"title": "x" * 501}, "title", "Use at most 500 characters."),
    ({"type": "SAGA"}, "type", "Choose a work type of this project."),
    ({"priority": "CRITICAL"}, "priority", "Choose a priority of this project."),
    ({"story_points": 101}, "story_points", "Story points must be between 0 and 100."),
    ({"story_points": "lots"}, "story_points", "Story points must be between 0 and 100."),
    ({"estimated_hours": -1}, "estimated_hours", "Enter hours between 0 and 100000."),
    ({"remaining_hours": "x"}, "remaining_hours", "Enter a number of hours."),
    ({"start_date": "2026-05-10", "due_date": "2026-05-01"}, "due_date",
     "The due date cannot be before the start date."),
    ({"due_date": "tomorrow"}, "due_date", "Enter a date as YYYY-MM-DD."),
    ({"assignee_ids": ["nobody"]}, "assignee_ids",
     "Assignees must be active members of this project."),
    ({"team_ids": ["t1"]}, "team_ids", "Choose teams of this project."),
    ({"labels": [f"l{n}" for n in range(21)]}, "labels", "Use at most 20 labels."),
    ({"epic_id": "missing"}, "epic_id", "Choose an epic of this project."),
    ({"parent_id": "missing"}, "parent_id", "Choose a parent work item of this project."),
    ({"description": "x" * 65536}, "description", "Use at most 65535 characters."),
])
def test_each_field_is_validated(store, project, make, values, field, message):
    title = values.pop("title", "Valid")
    with pytest.raises(FieldErrors) as caught:
        make(title, **values)
    assert caught.value.errors[field] == message
    assert store.count("work_items", [Query.equal("project_id", project["$id"])]) == 0


def test_custom_types_priorities_and_defaults(store, owner, project, editor, make):
    store.update("projects", project["$id"], {
        "custom_types": [{"key": "SPIKE", "label": "Spike", "icon": "zap", "color": "#000"}],
        "custom_priorities": [{"key": "BLOCKER", "label": "Blocker", "color": "#f00",
                               "level": 5}],
        "default_assignee_id": editor["$id"]})
    project = store.get("projects", project["$id"])
    item = make("Spike it", proj=project, type="SPIKE", priority="BLOCKER")
    assert (item["type"], item["priority"]) == ("SPIKE", "BLOCKER")
    assert item["assignee_ids"] == [editor["$id"]]
    store.update("projects", project["$id"], {"default_assignee_id": None,
                                              "auto_assign_creator": True})
    item = make("Mine", proj=store.get("projects", project["$id"]))
    assert item["assignee_ids"] == [owner["$id"]]


def test_initial_status_rules(store, project, make):
    assert make("a", status="TODO")["status"] == "TODO"
    with pytest.raises(Refused) as caught:
        make("b", status="DONE")
    assert caught.value.code == "INVALID_INITIAL_STATUS"


def test_update_validates_and_audits(store, owner, project, make, owner_actor):
    item = make("Draft")
    after = service.update_item(store, acting(owner), project, item["$id"], {
        "title": "Final", "story_points": "5", "due_date": "2026-06-01", "flagged": "on",
        "labels": "ui, api"}, expected_version=1, actor=owner_actor)
    assert after["version"] == 2 and after["title"] == "Final"
    assert after["story_points"] == 5 and after["flagged"] is True
    assert after["labels"] == ["ui", "api"]
    assert after["due_date"] == datetime(2026, 6, 1, tzinfo=UTC)
    [entry, *_] = service.history(store, item["$id"])
    assert entry["action"] == "work_item_updated"
    assert entry["changes"]["title"] == ["Draft", "Final"]
    with pytest.raises(FieldErrors) as caught:
        service.update_item(store, acting(owner), project, item["$id"],
                            {"start_date": "2026-07-01"}, expected_version=2,
                            actor=owner_actor)
    assert caught.value.errors == {"due_date": "The due date cannot be before the start date."}
    assert store.get("work_items", item["$id"])["version"] == 2


def test_stale_edit_is_refused_with_what_changed(store, owner, project, make, owner_actor):
    item = make("Original")
    service.update_item(store, acting(owner), project, item["$id"],
                        {"title": "Theirs", "priority": "HIGH"}, expected_version=1,
                        actor=owner_actor)
    with pytest.raises(StaleEdit) as caught:
        service.update_item(store, acting(owner), project, item["$id"], {"title": "Mine"},
                            expected_version=1, actor=owner_actor)
    assert caught.value.changed == {"title": ["Original", "Theirs"],
                                    "priority": ["MEDIUM", "HIGH"]}
    assert caught.value.current["title"] == "Theirs"
    assert "title" in caught.value.message
    assert store.get("work_items", item["$id"])["title"] == "Theirs"


def test_transitions_go_through_the_workflow(store, owner, project, make, editor):
    item = make("Flow")
    actor = Actor(editor["$id"], ProjectRole.MEMBER, ())
    with pytest.raises(Refused) as caught:
        service.update_item(store, acting(editor), project, item["$id"], {"status": "DONE"},
                            expected_version=1, actor=actor)
    assert caught.value.code == "TRANSITION_NOT_DEFINED" and caught.value.status == 409
    assert store.get("work_items", item["$id"])["status"] == "TODO"
    with pytest.raises(Refused) as caught:
        service.update_item(store, acting(editor), project, item["$id"], {"status": "NOPE"},
                            expected_version=1, actor=actor)
    assert caught.value.code == "UNKNOWN_STATUS"
    for n, key in enumerate(("ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"), start=1):
        item = service.update_item(store, acting(editor), project, item["$id"],
                                   {"status": key}, expected_version=n, actor=actor)
    assert item["status_category"] == "CLOSED" and item["resolved_at"] is not None
    history = [e["changes"].get("status") for e in service.history(store, item["$id"])]
    assert history[0] == ["IN_REVIEW", "DONE"]


def test_transition_role_refusal(store, owner, project, make, editor):
    from webapp.features.workflows.statuses import transitions_of

    for t in transitions_of(store, project["workflow_id"]):
        store.update("workflow_transitions", t["$id"], {"allowed_roles": ["PROJECT_ADMIN"]})
    item = make("Guarded")
    with pytest.raises(Refused) as caught:
        service.update_item(store, acting(editor), project, item["$id"],
                            {"status": "ASSIGNED"}, expected_version=1,
                            actor=Actor(editor["$id"], ProjectRole.MEMBER, ()))
    assert caught.value.code == "ROLE_NOT_ALLOWED"


def test_parent_epic_and_cycles(store, owner, project, make, owner_actor):
    epic = make("Epic", type="EPIC")
    parent = make("Parent", epic_id=epic["$id"])
    child = make("Child", parent_id=parent["$id"])
    assert service.sub_issues(store, parent["$id"]) == [child]
    with pytest.raises(FieldErrors) as caught:
        service.update_item(store, acting(owner), project, parent["$id"],
                            {"parent_id": child["$id"]}, expected_version=1,
                            actor=owner_actor)
    assert caught.value.errors["parent_id"] == ("A work item cannot be placed under its own "
                                                "sub-issue.")
    with pytest.raises(FieldErrors):
        make("Bad epic", epic_id=parent["$id"])
    service.delete_item(store, acting(owner), project, parent["$id"])
    assert store.get("work_items", child["$id"])["parent_id"] is None


def test_unknown_fields_and_other_projects(store, owner, org_ws, project, make, owner_actor):
    from .conftest import new_project

    item = make("x")
    with pytest.raises(FieldErrors):
        service.update_item(store, acting(owner), project, item["$id"], {"key": "WEB-9"},
                            expected_version=1, actor=owner_actor)
    other = new_project(store, owner, org_ws, "Other", "OTH")
    with pytest.raises(Refused) as caught:
        service.get_item(store, other["$id"], item["$id"])
    assert caught.value.status == 404
