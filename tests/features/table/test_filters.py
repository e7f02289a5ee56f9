"""ItemFilter parsing and the table's list page: every filter, sort orders, pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from webapp.features.items.query import FilterContext, ItemFilter, custom_field_tokens
from webapp.features.table import service

from .helpers import make_item


def page_of(store: Any, project: Any, owner: Any, args: dict[str, Any], per_page: int = 50):
    project = store.get("projects", project["$id"])
    ctx = service.filter_context(store, project, owner["$id"])
    flt = ItemFilter.from_args(MultiDict(args), ctx)
    return flt, service.list_page(store, project, flt, ctx, per_page=per_page)


def keys(page: Any) -> list[str]:
    return [i["key"] for i in page.items]


@pytest.fixture
def sample(store, owner, project):
    now = datetime.now(UTC)
    a = make_item(store, owner, project, "Login page crashes", type="BUG", priority="URGENT",
                  labels=["frontend"], due_date=now - timedelta(days=2), story_points=5,
                  assignee_ids=[owner["$id"]])
    b = make_item(store, owner, project, "Billing export", priority="LOW",
                  labels=["backend"], due_date=now + timedelta(days=3), story_points=1)
    c = make_item(store, owner, project, "Add dark mode", type="STORY", priority="HIGH",
                  story_points=3)
    d = make_item(store, owner, project, "Zebra docs", priority="MEDIUM")
    return a, b, c, d


def test_default_sort_is_key_descending(store, owner, project, sample):
    _, page = page_of(store, project, owner, {})
    assert keys(page) == ["WEB-4", "WEB-3", "WEB-2", "WEB-1"]
    assert page.total == 4 and page.pages == 1


def test_key_sort_is_numeric(store, owner, project):
    for n in range(11):
        make_item(store, owner, project, f"Item {n}")
    _, page = page_of(store, project, owner, {"sort": "key"})
    assert keys(page)[:3] == ["WEB-1", "WEB-2", "WEB-3"] and keys(page)[-1] == "WEB-11"


def test_priority_sort_follows_levels(store, owner, project, sample):
    _, page = page_of(store, project, owner, {"sort": "-priority"})
    assert keys(page) == ["WEB-1", "WEB-3", "WEB-4", "WEB-2"]  # urgent, high, medium, low
    _, page = page_of(store, project, owner, {"sort": "priority"})
    assert keys(page) == ["WEB-2", "WEB-4", "WEB-3", "WEB-1"]


def test_priority_sort_pages_across_buckets(store, owner, project, sample):
    _, first = page_of(store, project, owner, {"sort": "-priority"}, per_page=3)
    _, second = page_of(store, project, owner, {"sort": "-priority", "page": "2"}, per_page=3)
    assert keys(first) == ["WEB-1", "WEB-3", "WEB-4"] and keys(second) == ["WEB-2"]
    assert first.total == second.total == 4 and first.pages == 2


def test_status_sort_follows_board_order(store, owner, project, sample):
    store.update("work_items", sample[3]["$id"], {"status": "DONE"})
    store.update("work_items", sample[2]["$id"], {"status": "IN_PROGRESS"})
    _, page = page_of(store, project, owner, {"sort": "status"})
    assert keys(page)[-2:] == ["WEB-3", "WEB-4"]  # IN_PROGRESS then DONE after the TODOs


@pytest.mark.parametrize(("sort", "expected"), [
    ("title", ["WEB-3", "WEB-2", "WEB-1", "WEB-4"]),
    ("-title", ["WEB-4", "WEB-1", "WEB-2", "WEB-3"]),
    ("-points", ["WEB-1", "WEB-3", "WEB-2", "WEB-4"]),
    ("due", ["WEB-4", "WEB-3", "WEB-1", "WEB-2"]),  # no date first ascending
])
def test_other_sorts(store, owner, project, sample, sort, expected):
    _, page = page_of(store, project, owner, {"sort": sort})
    assert keys(page) == expected


def test_updated_sort(store, owner, project, sample):
    store.update("work_items", sample[1]["$id"], {"title": "Billing export v2"})
    _, page = page_of(store, project, owner, {"sort": "-updated"})
    assert keys(page)[0] == "WEB-2"


@pytest.mark.parametrize(("args", "expected"), [
    ({"status": "TODO"}, ["WEB-4", "WEB-3", "WEB-2", "WEB-1"]),
    ({"priority": ["URGENT", "LOW"]}, ["WEB-2", "WEB-1"]),
    ({"priority": "URGENT,LOW"}, ["WEB-2", "WEB-1"]),
    ({"type": "BUG"}, ["WEB-1"]),
    ({"label": "backend"}, ["WEB-2"]),
    ({"assignee": "me"}, ["WEB-1"]),
    ({"due": "overdue"}, ["WEB-1"]),
    ({"due": "week"}, ["WEB-2"]),
    ({"due": "none"}, ["WEB-4", "WEB-3"]),
    ({"q": "billing"}, ["WEB-2"]),
    ({"q": "web-3"}, ["WEB-3"]),
    ({"priority": "URGENT", "label": "frontend"}, ["WEB-1"]),
    ({"priority": "URGENT", "label": "backend"}, []),
])
def test_filters(store, owner, project, sample, args, expected):
    flt, page = page_of(store, project, owner, args)
    assert keys(page) == expected and not flt.notices


def test_assignee_filter_by_id(store, owner, project, sample):
    _, page = page_of(store, project, owner, {"assignee": owner["$id"]})
    assert keys(page) == ["WEB-1"]


def test_due_range_filter(store, owner, project, sample):
    today = datetime.now(UTC).date()
    args = {"due_from": (today - timedelta(days=5)).isoformat(),
            "due_to": (today + timedelta(days=1)).isoformat()}
    _, page = page_of(store, project, owner, args)
    assert keys(page) == ["WEB-1"]


def test_epic_and_sprint_filters(store, owner, project, sample):
    epic = make_item(store, owner, project, "Checkout epic", type="EPIC")
    store.update("work_items", sample[0]["$id"], {"epic_id": epic["$id"]})
    sprint = store.create("sprints", {"workspace_id": project["workspace_id"],
                                      "project_id": project["$id"], "name": "Sprint 1"})
    store.update("work_items", sample[1]["$id"], {"sprint_id": sprint["$id"]})
    _, page = page_of(store, project, owner, {"epic": epic["$id"]})
    assert keys(page) == ["WEB-1"]
    _, page = page_of(store, project, owner, {"sprint": sprint["$id"]})
    assert keys(page) == ["WEB-2"]
    _, page = page_of(store, project, owner, {"sprint": "none", "type": "TASK"})
    assert keys(page) == ["WEB-4"]


def test_custom_field_filter(store, owner, project, sample):
    field = store.create("custom_fields", {
        "workspace_id": project["workspace_id"], "project_id": project["$id"],
        "scope": "PROJECT", "key": "severity", "name": "Severity", "field_type": "SELECT",
        "options": [{"value": "S1", "label": "S1"}, {"value": "S2", "label": "S2"}]})
    store.create("custom_fields", {
        "workspace_id": project["workspace_id"], "project_id": project["$id"],
        "scope": "PROJECT", "key": "cost", "name": "Cost", "field_type": "NUMBER"})
    for item, values in ((sample[0], {"severity": "S1", "cost": 3.0}),
                         (sample[1], {"severity": "S2", "cost": 3})):
        store.update("work_items", item["$id"], {"custom_fields": values,
                                                 "custom_values": custom_field_tokens(values)})
    _, page = page_of(store, project, owner, {"cf_severity": "S1"})
    assert keys(page) == ["WEB-1"]
    _, page = page_of(store, project, owner, {"cf_cost": "3"})
    assert keys(page) == ["WEB-2", "WEB-1"]
    flt, page = page_of(store, project, owner, {"cf_severity": "S9", "cf_nope": "1"})
    assert len(page.items) == 4 and len(flt.notices) == 2
    assert field["key"] == "severity"


def test_bad_values_are_ignored_with_notices(store, owner, project, sample):
    flt, page = page_of(store, project, owner, {
        "status": ["TODO", "NOPE"], "priority": "SUPER", "due_from": "yesterday",
        "sort": "colour", "group": "moon", "page": "x", "due": "someday"})
    assert flt.status == ("TODO",) and flt.priority == () and flt.due_from is None
    assert (flt.sort, flt.group, flt.page, flt.due) == ("key", None, 1, None)
    text = " ".join(flt.notices)
    assert "NOPE" in text and "SUPER" in text and "yesterday" in text and "YYYY-MM-DD" in text
    assert len(flt.notices) == 6 and page.total == 4


def test_pagination(store, owner, project):
    for n in range(7):
        make_item(store, owner, project, f"Item {n}")
    _, first = page_of(store, project, owner, {"sort": "key"}, per_page=3)
    _, last = page_of(store, project, owner, {"sort": "key", "page": "3"}, per_page=3)
    assert keys(first) == ["WEB-1", "WEB-2", "WEB-3"] and keys(last) == ["WEB-7"]
    assert (first.pages, last.first, last.last) == (3, 7, 7)


def test_grouping_orders_by_group_then_sort(store, owner, project, sample):
    _, page = page_of(store, project, owner, {"group": "priority", "sort": "key"})
    assert [i["priority"] for i in page.items] == ["LOW", "MEDIUM", "HIGH", "URGENT"]
    _, page = page_of(store, project, owner, {"group": "type", "sort": "key"})
    assert [i["type"] for i in page.items] == ["BUG", "STORY", "TASK", "TASK"]


def test_to_args_round_trip_and_chips():
    ctx = FilterContext(statuses={"TODO": "To do", "DONE": "Done"},
                        priorities={"LOW": "Low", "HIGH": "High"})
    flt = ItemFilter.from_args(MultiDict([("status", "TODO"), ("status", "DONE"),
                                          ("priority", "HIGH"), ("q", "a, b"),
                                          ("sort", "-priority"), ("page", "2")]), ctx)
    args = flt.to_args()
    assert args == {"status": ["TODO", "DONE"], "priority": ["HIGH"], "q": ["a, b"],
                    "sort": ["-priority"], "page": ["2"]}
    again = ItemFilter.from_args(MultiDict([(k, v) for k, vs in args.items() for v in vs]), ctx)
    assert again.to_args() == args
    chips = flt.describe(ctx)
    assert [c.label for c in chips] == ["Status: To do", "Status: Done", "Priority: High",
                                        "Text: a, b"]
    assert chips[0].remove_args["status"] == ["DONE"] and "page" not in chips[0].remove_args


def test_custom_field_tokens():
    assert custom_field_tokens({"a": 2.0, "b": True, "c": ["x", "y"], "d": None, "e": "",
                                "f": {"k": 1}, "g": 2.5}) == ["a=2", "b=true", "c=x", "c=y",
                                                              "g=2.5"]
