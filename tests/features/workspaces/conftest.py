"""Workspace test fixtures: a real store and a few people."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import acting, add_org_member, make_org, make_user


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store


@pytest.fixture
def alice(store: Any) -> dict[str, Any]:
    """A personal account."""
    return make_user(store, "alice@example.com", "Alice Personal", account_type="PERSONAL")


@pytest.fixture
def owner(store: Any) -> dict[str, Any]:
    return make_user(store, "owner@example.com", "Olive Owner", account_type=None)


@pytest.fixture
def org(store: Any, owner: dict[str, Any]) -> dict[str, Any]:
    return make_org(store, owner)


@pytest.fixture
def bob(store: Any, org: dict[str, Any]) -> dict[str, Any]:
    """An org MEMBER (no workspace yet)."""
    user = make_user(store, "bob@example.com", "Bob Member", account_type="ORG")
    add_org_member(store, org, user)
    return store.get("users", user["$id"])


@pytest.fixture
def bob_member(store: Any, org: dict[str, Any], bob: dict[str, Any]) -> dict[str, Any]:
    from webapp.storage.query import Query

    return store.first("organization_members", [Query.equal("user_id", bob["$id"])])


@pytest.fixture
def org_ws(store: Any, org: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    from webapp.features.workspaces.service import create_workspace

    return create_workspace(store, acting(owner), owner_id=owner["$id"], name="Engineering",
                            organization_id=org["$id"])
