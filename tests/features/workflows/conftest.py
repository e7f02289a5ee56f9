"""Workflow test fixtures: a workspace, a project with its default workflow, items."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.features.projects import service as projects
from webapp.features.workflows import service
from webapp.storage.query import Query

from ..workspaces.conftest import bob, bob_member, org, org_ws, owner, store  # noqa: F401
from ..workspaces.helpers import acting


@pytest.fixture
def project(store: Any, owner: Any, org_ws: Any) -> dict[str, Any]:  # noqa: F811
    created = projects.create_project(store, acting(owner), org_ws["$id"],
                                      creator_id=owner["$id"], name="Website", key="WEB")
    if not store.get("projects", created["$id"]).get("workflow_id"):
        service.attach_default_workflow(store, acting(owner), created)
    return store.get("projects", created["$id"])


def make_item(store: Any,  # noqa: F811
              project: dict[str, Any], status: str = "TODO", **values: Any) -> Any:
    number = store.increment("projects", project["$id"], "item_seq")["item_seq"]
    category = values.pop("status_category", None)
    if category is None:
        from webapp.features.workflows import engine

        category = engine.category_of(store, store.get("projects", project["$id"]),
                                      status) or "OPEN"
    return store.create("work_items", {
        "workspace_id": project["workspace_id"], "project_id": project["$id"],
        "key": f"{project['key']}-{number}", "number": number,
        "title": values.pop("title", f"Item {number}"), "status": status,
        "status_category": category, "version": 1, **values,
    })


def status_id(store: Any,  # noqa: F811
               project: dict[str, Any], key: str) -> str:
    return store.first("workflow_statuses", [Query.equal("workflow_id", project["workflow_id"]),
                                             Query.equal("key", key)])["$id"]


def make_team(store: Any,  # noqa: F811
               project: dict[str, Any], name: str, *users: Any) -> dict[str, Any]:
    team = store.create("project_teams", {
        "project_id": project["$id"], "workspace_id": project["workspace_id"], "name": name,
        "permissions": [], "member_count": len(users),
    })
    for user in users:
        store.create("project_team_members", {"team_id": team["$id"],
                                              "project_id": project["$id"],
                                              "user_id": user["$id"], "role": "member"})
    return team
