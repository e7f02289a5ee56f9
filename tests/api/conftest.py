# ruff: noqa: F811  (fixtures are re-exported here and used by name)
"""API fixtures: organization "Acme Corp" with workspace "Engineering" and project WEB
(Software Development workflow) built through the real services; the owner, an editor
(project MEMBER), a viewer (project VIEWER) and an outsider (another organization);
tokens made by the tokens service; ``call`` sends JSON with a bearer token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from features.items.conftest import (  # noqa: F401
    bob,
    bob_member,
    editor,
    join,
    new_project,
    org,
    org_ws,
    owner,
    project,
    store,
    viewer,
)
from features.workspaces.helpers import acting, make_org, make_user

from webapp.api import tokens

ALL = ("read", "write", "admin")


@pytest.fixture
def outsider(store: Any) -> dict[str, Any]:
    user = make_user(store, "otto@example.com", "Otto Outsider", account_type=None)
    make_org(store, user, "Other Inc")
    return store.get("users", user["$id"])


@pytest.fixture
def token_for(store: Any):  # type: ignore[no-untyped-def]
    def make(user: dict[str, Any], scopes: tuple[str, ...] = ALL, *, days: int | None = None,
             expired: bool = False, revoked: bool = False) -> str:
        created = tokens.create_token(store, acting(user), user["$id"], name="test",
                                      scopes=list(scopes), expires_in_days=days)
        if expired:
            store.update("api_tokens", created.token["$id"],
                         {"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
        if revoked:
            tokens.revoke_token(store, acting(user), user["$id"], created.token["$id"])
        return created.secret
    return make


class Caller:
    """``call(method, path, token, json=..., headers=...)`` on the app's test client."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def __call__(self, method: str, path: str, token: str | None = None, *,
                 json: Any = None, headers: dict[str, str] | None = None,
                 **kwargs: Any) -> Any:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        return self.client.open(url, method=method, json=json, headers=sent, **kwargs)


@pytest.fixture
def call(app: Any) -> Caller:
    return Caller(app)


@pytest.fixture
def base(org_ws: dict[str, Any], project: dict[str, Any]) -> str:
    """The project's URL prefix under /api/v1."""
    return f"/workspaces/{org_ws['$id']}/projects/{project['$id']}"
