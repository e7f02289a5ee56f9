"""Helpers of the planning tests."""

from __future__ import annotations

from typing import Any

from webapp.features.items import service as items
from webapp.features.planning import sprints

from ..workspaces.helpers import acting


def P(project: dict[str, Any]) -> str:
    return f"/w/{project['workspace_id']}/projects/{project['$id']}"


def make_items(store: Any, user: Any, project: Any, n: int, **values: Any
               ) -> list[dict[str, Any]]:
    return [items.create_item(store, acting(user), project, title=f"Story {i}",
                              reporter_id=user["$id"], **values) for i in range(n)]


def sprint(store: Any, user: Any, project: Any, name: str = "Sprint 1", **values: Any
           ) -> dict[str, Any]:
    return sprints.create_sprint(store, acting(user), project, {"name": name, **values})


def put_in(store: Any, user: Any, project: Any, item: Any, sprint_id: str | None
           ) -> dict[str, Any]:
    from webapp.features.planning import backlog

    return backlog.move(store, acting(user), project, item["$id"], sprint_id or "backlog")


def close(store: Any, item: Any) -> dict[str, Any]:
    """Set an item DONE (test setup: the workflow's own path is tested elsewhere)."""
    from datetime import UTC, datetime

    current = store.get("work_items", item["$id"])
    return store.update("work_items", item["$id"], {
        "status": "DONE", "status_category": "CLOSED", "resolved_at": datetime.now(UTC),
        "version": int(current["version"]) + 1})
