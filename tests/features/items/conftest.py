# ruff: noqa: F811  (the workspace fixtures are re-exported here and used by name)
"""Work item fixtures: a workspace with project WEB (Software Development workflow), an
editor (MEMBER) and a viewer, all through the real services."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.authz.roles import ProjectRole
from webapp.features.items.service import Actor, create_item
from webapp.features.projects import service as projects
from webapp.features.workflows.service import attach_default_workflow
from webapp.features.workspaces import service as workspaces
from webapp.storage.query import Query

from ..workspaces.conftest import bob, bob_member, org, org_ws, owner, store  # noqa: F401
from ..workspaces.helpers import acting, add_org_member, make_user


def role_id(store: Any, project: dict[str, Any], name: str) -> str:
    return store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", name)])["$id"]


def new_project(store: Any, owner: dict[str, Any], ws: dict[str, Any], name: str,
                key: str) -> dict[str, Any]:
    project = projects.create_project(store, acting(owner), ws["$id"], creator_id=owner["$id"],
                                      name=name, key=key)
    if not store.get("projects", project["$id"]).get("workflow_id"):
        attach_default_workflow(store, acting(owner), project)
    return store.get("projects", project["$id"])


@pytest.fixture
def project(store, owner, org_ws):
    return new_project(store, owner, org_ws, "Website", "WEB")


def join(store, owner, org_ws, project, user, role="MEMBER", ws_member=None):
    if ws_member is not None:
        workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], ws_member["$id"],
                                       "WS_EDITOR" if role != "VIEWER" else "WS_VIEWER")
    projects.add_project_member(store, acting(owner), project["$id"], user["$id"],
                                role_id(store, project, role),
                                actor_role=ProjectRole.PROJECT_OWNER)


@pytest.fixture
def editor(store, owner, org_ws, project, bob, bob_member):
    join(store, owner, org_ws, project, bob, "MEMBER", bob_member)
    return store.get("users", bob["$id"])


@pytest.fixture
def viewer(store, owner, org, org_ws, project):
    user = make_user(store, "vera@example.com", "Vera Viewer", account_type="ORG")
    member = add_org_member(store, org, user)
    join(store, owner, org_ws, project, user, "VIEWER", member)
    return store.get("users", user["$id"])


@pytest.fixture
def owner_actor(owner):
    return Actor(owner["$id"], ProjectRole.PROJECT_OWNER, ())


@pytest.fixture
def make(store, owner, project):
    def make_item(title="Item", proj=None, **values):
        return create_item(store, acting(owner), proj or project, title=title,
                           reporter_id=owner["$id"], **values)
    return make_item
