"""Board fixtures: a KANBAN project with the default workflow, an editor and a viewer."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.authz.roles import ProjectRole
from webapp.features.projects import service as projects
from webapp.features.workspaces import service as workspaces
from webapp.storage.query import Query

from ..workspaces.helpers import acting, add_org_member, make_user


@pytest.fixture
def project(store: Any, owner: Any, org_ws: Any) -> dict[str, Any]:
    return projects.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="Website", key="web", board_type="KANBAN")


def _role_id(store: Any, project: dict[str, Any], name: str) -> str:
    role = store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", name)])
    return str(role["$id"])


def join(store: Any, owner: Any, org: Any, org_ws: Any, project: Any, email: str,
         role: ProjectRole) -> dict[str, Any]:
    """A workspace viewer who is a project member with ``role``."""
    user = make_user(store, email, email.split("@")[0].title(), account_type="ORG")
    member = add_org_member(store, org, user)
    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], member["$id"],
                                   "WS_VIEWER")
    projects.add_project_member(store, acting(owner), project["$id"], user["$id"],
                                _role_id(store, project, role.document_name),
                                actor_role=ProjectRole.PROJECT_OWNER)
    return store.get("users", user["$id"])


@pytest.fixture
def member(store: Any, owner: Any, org: Any, org_ws: Any, project: Any) -> dict[str, Any]:
    return join(store, owner, org, org_ws, project, "mia@example.com", ProjectRole.MEMBER)


@pytest.fixture
def viewer(store: Any, owner: Any, org: Any, org_ws: Any, project: Any) -> dict[str, Any]:
    return join(store, owner, org, org_ws, project, "vic@example.com", ProjectRole.VIEWER)
