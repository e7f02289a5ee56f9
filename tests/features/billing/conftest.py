"""Billing test fixtures: a real app and store, real Redis, the Razorpay double."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doubles.razorpay_server import RazorpayDouble

from webapp.config import Settings
from webapp.features.billing.accounts import ensure_account

from ..workspaces.helpers import acting, make_org, make_user


@pytest.fixture(scope="session")
def rzp_server() -> Iterator[RazorpayDouble]:
    double = RazorpayDouble().start()
    yield double
    double.stop()


@pytest.fixture
def rzp(rzp_server: RazorpayDouble) -> RazorpayDouble:
    rzp_server.reset()
    return rzp_server


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, rzp: RazorpayDouble) -> Iterator[Settings]:
    """SQLite by default; ``BILLING_TEST_DATABASE_URL`` runs the same tests on PostgreSQL
    (an empty database, emptied again after each test)."""
    extra = {}
    pg = os.environ.get("BILLING_TEST_DATABASE_URL")
    if pg:
        extra["DATABASE_URL"] = pg
    yield Settings(KEEL_ENV="test", KEEL_TESTING=True, KEEL_INSTANCE=tmp_path / "instance",
                   SECRET_KEY="test-secret-key-not-for-production", REDIS_URL=redis_url,
                   BASE_URL="http://localhost", RQ_ASYNC=False, **rzp.env(), **extra)
    if pg:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store


@pytest.fixture
def alice(store: Any) -> dict[str, Any]:
    """A personal account with a workspace."""
    from webapp.features.workspaces.service import create_workspace

    user = make_user(store, "alice@example.com", "Alice Personal", account_type="PERSONAL")
    create_workspace(store, acting(user), owner_id=user["$id"], name="Alice Space")
    return store.get("users", user["$id"])


@pytest.fixture
def alice_ws(store: Any, alice: dict[str, Any]) -> dict[str, Any]:
    from webapp.storage.query import Query

    return store.first("workspaces", [Query.equal("owner_id", alice["$id"])])


@pytest.fixture
def account(store: Any, alice: dict[str, Any]) -> dict[str, Any]:
    return ensure_account(store, user_id=alice["$id"])


@pytest.fixture
def owner(store: Any) -> dict[str, Any]:
    return make_user(store, "owner@example.com", "Olive Owner", account_type="ORG")


@pytest.fixture
def org(store: Any, owner: dict[str, Any]) -> dict[str, Any]:
    return make_org(store, owner)


@pytest.fixture
def org_ws(store: Any, org: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    from webapp.features.workspaces.service import create_workspace

    return create_workspace(store, acting(owner), owner_id=owner["$id"], name="Engineering",
                            organization_id=org["$id"])


def wallet_id(store: Any, account: dict[str, Any]) -> str:
    from webapp.features.billing.accounts import wallet_of

    return str(wallet_of(store, account["$id"])["$id"])
