"""Shared helpers for the workspace, space and project tests: real store, real forms."""

from __future__ import annotations

import re
from typing import Any

from webapp.audit import Acting
from webapp.identity import service as identity
from webapp.identity.sessions import sign_in
from webapp.identity.tokens import utcnow

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(store: Any, email: str, name: str | None = None,
              account_type: str | None = "PERSONAL") -> dict[str, Any]:
    user = identity.signup(store, name=name or email.split("@")[0].title(), email=email,
                           password=PASSWORD, accept_terms=True, accept_dpa=True)
    values: dict[str, Any] = {"email_verified_at": utcnow()}
    if account_type:
        values["account_type"] = account_type
    return store.update("users", user["$id"], values)


def acting(user: dict[str, Any]) -> Acting:
    return Acting.of(user, "127.0.0.1")


def make_org(store: Any, owner: dict[str, Any], name: str = "Acme Corp") -> dict[str, Any]:
    from webapp.features.orgs.service import create_organization

    org = create_organization(store, acting(owner), owner_id=owner["$id"], name=name)
    return store.update("organizations", org["$id"], {
        "legal_version": "v1", "legal_accepted_at": utcnow(), "legal_accepted_by": owner["$id"],
    })


def add_org_member(store: Any, org: dict[str, Any], user: dict[str, Any],
                   role: str = "MEMBER", status: str = "ACTIVE") -> dict[str, Any]:
    store.update("users", user["$id"], {"account_type": "ORG",
                                        "primary_organization_id": org["$id"]})
    return store.create("organization_members", {
        "organization_id": org["$id"], "user_id": user["$id"], "role": role,
        "status": status, "name": user["name"], "email": user["email"],
        "joined_at": utcnow(),
    })


def forget_lifecycle(runtime: Any, *users: dict[str, Any]) -> None:
    """Drop cached lifecycle resolutions after a service call made outside a request."""
    from webapp.identity import lifecycle

    for user in users:
        lifecycle.invalidate(user["$id"], redis=runtime.redis)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def login_as(client: Any, user: dict[str, Any]) -> None:
    """Sign the test client in as ``user`` through the real session interface."""
    with client.session_transaction() as session:
        sign_in(session, user["$id"])


def post(client: Any, page: str, action: str, data: dict[str, Any] | None = None,
         **kwargs: Any) -> Any:
    """GET ``page`` for a CSRF token, then POST ``data`` to ``action``."""
    got = client.get(page)
    assert got.status_code == 200, (page, got.status_code)
    payload = {"csrf_token": csrf_from(got.get_data(as_text=True)), **(data or {})}
    return client.post(action, data=payload, **kwargs)
