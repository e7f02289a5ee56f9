"""The workflow configuration cache: a hit costs no query, every kind of configuration
edit gives the affected projects a fresh ``config_rev`` so the next load sees the edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from matrix.counting import CountingStore

from webapp.features.projects import service as projects
from webapp.features.workflows import cache, columns, engine, service, statuses
from webapp.storage.query import Query

from ..workspaces.helpers import acting
from .conftest import status_id


def fresh(store: Any, project: dict[str, Any]) -> dict[str, Any]:
    return store.get("projects", project["$id"])


def picture(store: Any, project: dict[str, Any], *, cached: bool) -> Any:
    """What the board and the transition checks see of the project's configuration."""
    data = engine.load(store, project, cached=cached)
    cols = [(c.key, c.name, c.enabled, c.position, c.wip_limit, c.category)
            for c in engine.all_statuses(store, project, data=data)]
    moves = sorted((t.get("from_status_id") or "", t["to_status_id"],
                    tuple(t.get("allowed_roles") or ())) for t in data.transitions(store))
    return cols, moves


def test_a_hit_costs_no_query(store, project):
    assert project.get("config_rev")
    counting = CountingStore(store)
    first = engine.load(counting, project, cached=True)
    assert counting.total == 4  # statuses, column settings, custom columns, transitions
    counting.reset()
    again = engine.load(counting, project, cached=True)
    engine.board_columns(counting, project, data=again)
    again.transitions(counting)
    assert counting.total == 0
    assert again.statuses == first.statuses and again.transitions(store) == first.transitions(
        store)
    assert picture(store, project, cached=True) == picture(store, project, cached=False)


def test_without_a_revision_nothing_is_cached(store, project):
    bare = {**project, "config_rev": None}
    counting = CountingStore(store)
    engine.load(counting, bare, cached=True)
    engine.load(counting, bare, cached=True)
    assert counting.total == 6
    counting.reset()
    engine.load(counting, project)  # not asked to use the cache
    assert counting.total == 3


def test_the_cache_is_bounded(store, project):
    cache.clear()
    for n in range(cache.SIZE + 5):
        cache.put(("p", None, str(n)), ((), {}, (), ()))
    assert cache.get(("p", None, "0")) is None
    assert cache.get(("p", None, str(cache.SIZE + 4))) is not None
    cache.clear()


def _workflow(store: Any, project: dict[str, Any]) -> dict[str, Any]:
    return store.get("workflows", project["workflow_id"])


def _transition(store: Any, project: dict[str, Any]) -> dict[str, Any]:
    return store.first("workflow_transitions", [
        Query.equal("workflow_id", project["workflow_id"])])


EDITS: dict[str, Callable[[Any, Any, dict[str, Any]], None]] = {
    "status add": lambda s, a, p: statuses.add_status(s, a, _workflow(s, p), {
        "name": "QA", "status_type": "IN_PROGRESS"}),
    "status rename": lambda s, a, p: statuses.update_status(
        s, a, _workflow(s, p), status_id(s, p, "IN_REVIEW"), {"name": "Review"}),
    "status move": lambda s, a, p: statuses.move_status(
        s, a, _workflow(s, p), status_id(s, p, "DONE"), -1),
    "status delete": lambda s, a, p: statuses.delete_status(
        s, a, _workflow(s, p), status_id(s, p, "IN_REVIEW")),
    "transition add": lambda s, a, p: statuses.add_transition(s, a, _workflow(s, p), {
        "from_status_id": status_id(s, p, "DONE"), "to_status_id": status_id(s, p, "TODO")}),
    "transition edit": lambda s, a, p: statuses.update_transition(
        s, a, _workflow(s, p), _transition(s, p)["$id"], {"allowed_roles": ["PROJECT_ADMIN"]}),
    "transition delete": lambda s, a, p: statuses.delete_transition(
        s, a, _workflow(s, p), _transition(s, p)["$id"]),
    "column toggle": lambda s, a, p: columns.set_enabled(s, a, p, "IN_REVIEW", False),
    "column reorder": lambda s, a, p: columns.move(s, a, p, "DONE", -1),
    "custom column add": lambda s, a, p: columns.add_custom_column(s, a, p, {"name": "Waiting"}),
    "WIP change": lambda s, a, p: columns.set_wip_limits(s, a, p, {"TODO": "3"}),
    "workflow switch": lambda s, a, p: service.switch_project_workflow(
        s, a, p, service.create_from_template(s, a, p["workspace_id"], "SIMPLE_KANBAN")["$id"]),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_kind_of_edit_invalidates(store, owner, project, edit):
    before = picture(store, project, cached=True)  # warm
    assert picture(store, project, cached=True) == before
    EDITS[edit](store, acting(owner), project)
    after_project = fresh(store, project)
    assert after_project["config_rev"] != project["config_rev"]
    seen = picture(store, after_project, cached=True)
    assert seen == picture(store, after_project, cached=False)
    assert seen != before


def test_custom_column_edit_and_delete_invalidate(store, owner, project):
    column = columns.add_custom_column(store, acting(owner), project, {"name": "Waiting"})
    project = fresh(store, project)
    picture(store, project, cached=True)
    columns.update_custom_column(store, acting(owner), project, column["$id"],
                                 {"name": "Parked"})
    project = fresh(store, project)
    assert "Parked" in {c[1] for c in picture(store, project, cached=True)[0]}
    columns.delete_custom_column(store, acting(owner), project, column["$id"])
    project = fresh(store, project)
    assert "Parked" not in {c[1] for c in picture(store, project, cached=True)[0]}


def test_a_shared_workflow_edit_reaches_every_project(store, owner, org_ws, project):
    shared = service.create_from_template(store, acting(owner), org_ws["$id"], "SIMPLE_KANBAN")
    other = projects.create_project(store, acting(owner), org_ws["$id"],
                                    creator_id=owner["$id"], name="Mobile", key="MOB")
    for p in (project, other):
        service.switch_project_workflow(store, acting(owner), fresh(store, p), shared["$id"])
    one, two = fresh(store, project), fresh(store, other)
    picture(store, one, cached=True), picture(store, two, cached=True)
    statuses.add_status(store, acting(owner), shared, {"name": "Blocked"})
    for p in (one, two):
        now = fresh(store, p)
        assert now["config_rev"] != p["config_rev"]
        assert "BLOCKED" in {c[0] for c in picture(store, now, cached=True)[0]}


def test_a_refused_edit_keeps_the_revision(store, owner, project):
    from webapp.features.workspaces.errors import FieldErrors

    with pytest.raises(FieldErrors):
        columns.set_wip_limits(store, acting(owner), project, {"TODO": "abc"})
    assert fresh(store, project)["config_rev"] == project["config_rev"]
