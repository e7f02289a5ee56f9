"""Table/search test helpers: members and items through the real services."""

from __future__ import annotations

from typing import Any

from webapp.features.items import service as items
from webapp.features.projects import service as projects
from webapp.storage.query import Query

from ..workspaces.helpers import acting


def role_id(store: Any, project: Any, name: str) -> str:
    return store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", name)])["$id"]


def add_member(store: Any, owner: Any, project: Any, user: Any, role: str) -> None:
    from webapp.features.workspaces import service as workspaces

    if not store.first("workspace_members", [Query.equal("workspace_id", project["workspace_id"]),
                                   Query.equal("user_id", user["$id"])]):
        member = store.first("organization_members", [Query.equal("user_id", user["$id"])])
        workspaces.add_member_from_org(store, acting(owner), project["workspace_id"],
                                       member["$id"], "WS_VIEWER")
    projects.add_project_member(store, acting(owner), project["$id"], user["$id"],
                                role_id(store, project, role),
                                actor_role=projects.ProjectRole.PROJECT_OWNER)


def make_item(store: Any, owner: Any, project: Any, title: str, **fields: Any) -> Any:
    project = store.get("projects", project["$id"])
    return items.create_item(store, acting(owner), project, title=title,
                             reporter_id=owner["$id"], **fields)
