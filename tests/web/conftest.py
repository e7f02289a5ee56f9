"""Web shell fixtures: a signed-in client (real sign-up service, real login form) and
test-only routes mounted on the app before its first request."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from webapp.authz.guards import public

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def make_user(store: Any, email: str = "grace@example.com", name: str = "Grace Hopper",
              time_zone: str | None = None) -> dict[str, Any]:
    from webapp.identity import service

    user = service.signup(store, name=name, email=email, password=PASSWORD,
                          accept_terms=True, accept_dpa=True)
    changes: dict[str, Any] = {"email_verified_at": datetime.now(UTC), "account_type": "PERSONAL"}
    if time_zone:
        changes["time_zone"] = time_zone
    store.update("users", user["$id"], changes)
    return active(store, user)


def active(store: Any, user: dict[str, Any]) -> dict[str, Any]:
    """Give a personal account its first workspace, so it is active (lifecycle PERSONAL_ACTIVE)."""
    from webapp.audit import Acting
    from webapp.features.workspaces.service import create_workspace

    create_workspace(store, Acting.of(user), owner_id=user["$id"], name="Grace's workspace")
    return store.get("users", user["$id"])


def sign_in(client: Any, email: str = "grace@example.com") -> None:
    page = client.get("/login")
    response = client.post("/login", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
        "password": PASSWORD,
    })
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


@pytest.fixture
def user(runtime: Any) -> dict[str, Any]:
    return make_user(runtime.store)


@pytest.fixture
def member(client: Any, user: dict[str, Any]) -> Any:
    """A test client signed in as ``user``."""
    sign_in(client, user["email"])
    return client


@pytest.fixture
def add_route(app: Flask) -> Callable[..., None]:
    """Mount a public test view: ``add_route("/_t/x", view, methods=[...])``."""

    def add(rule: str, view: Callable[..., Any], **options: Any) -> None:
        app.add_url_rule(rule, endpoint=f"_test{rule.replace('/', '_')}", view_func=public(view),
                         **options)

    return add
