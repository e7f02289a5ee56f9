"""Organization test helpers: real store, real forms, real outbox."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.audit import Acting
from webapp.features.orgs import service
from webapp.identity import service as identity
from webapp.identity.tokens import utcnow

PASSWORD = "correct horse battery"


def make_user(store: Any, email: str, name: str | None = None, *,
              verified: bool = True) -> dict[str, Any]:
    user = identity.signup(store, name=name or email.split("@")[0].title(), email=email,
                           password=PASSWORD, accept_terms=True, accept_dpa=True)
    if verified:
        user = store.update("users", user["$id"], {"email_verified_at": utcnow()})
    return user


def acting(user: dict[str, Any]) -> Acting:
    return Acting.of(user, "127.0.0.1")


@pytest.fixture
def service_runtime(settings: Any) -> Any:
    """A Runtime without the web app (service and job tests)."""
    from webapp.runtime import Runtime

    rt = Runtime(settings)
    rt.store.migrate()
    yield rt
    rt.close()


@pytest.fixture
def store(service_runtime: Any) -> Any:
    return service_runtime.store


@pytest.fixture
def owner(store: Any) -> dict[str, Any]:
    return make_user(store, "owner@example.com", "Olive Owner")


@pytest.fixture
def org(store: Any, owner: dict[str, Any]) -> dict[str, Any]:
    return service.create_organization(store, acting(owner), owner_id=owner["$id"],
                                       name="Acme Corp", size="11-50")


def add_member(store: Any, org: dict[str, Any], by: dict[str, Any], email: str,
               role: str = "MEMBER", *, activate: bool = True) -> dict[str, Any]:
    """An org member added the admin way; ACTIVE unless ``activate`` is False."""
    from webapp.features.orgs.accounts import add_member_account

    added = add_member_account(store, acting(by), org["$id"], name=email.split("@")[0].title(),
                               email=email, role=role)
    member = added.member
    if activate:
        member = store.update("organization_members", member["$id"],
                              {"status": "ACTIVE", "must_reset_password": False})
        store.update("users", member["user_id"], {
            "must_reset_password": False, "accepted_terms_version": "v1",
            "accepted_terms_at": utcnow(), "accepted_dpa_version": "v1",
            "accepted_dpa_at": utcnow()})
    return member
