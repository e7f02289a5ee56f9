"""Building users and their world (organizations, memberships, workspaces) straight in the
store, so each lifecycle state can be constructed without going through other features."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from webapp.identity import service

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def now() -> datetime:
    return datetime.now(UTC)


def make_user(store: Any, email: str = "ada@example.com", *, verified: bool = True,
              name: str = "Ada Lovelace", **changes: Any) -> dict[str, Any]:
    user = service.signup(store, name=name, email=email, password=PASSWORD,
                          accept_terms=True, accept_dpa=True)
    if verified:
        changes.setdefault("email_verified_at", now())
    if changes:
        user = store.update("users", user["$id"], changes)
    return dict(user)


def make_org(store: Any, owner: dict[str, Any] | None = None, *, name: str = "Acme",
             legal_version: str | None = "v1", **extra: Any) -> dict[str, Any]:
    return dict(store.create("organizations", {
        "name": name, "owner_id": owner["$id"] if owner else "nobody",
        "legal_version": legal_version, **extra,
    }))


def add_member(store: Any, org: dict[str, Any], user: dict[str, Any], role: str = "MEMBER",
               status: str = "ACTIVE", *, primary: bool = True) -> dict[str, Any]:
    member = store.create("organization_members", {
        "organization_id": org["$id"], "user_id": user["$id"], "role": role, "status": status,
        "name": user["name"], "email": user["email"],
    })
    changes: dict[str, Any] = {"account_type": "ORG"}
    if primary:
        changes["primary_organization_id"] = org["$id"]
    store.update("users", user["$id"], changes)
    return dict(member)


def make_workspace(store: Any, user: dict[str, Any], *, org: dict[str, Any] | None = None,
                   name: str = "Main", role: str = "WS_ADMIN") -> dict[str, Any]:
    ws = store.create("workspaces", {
        "name": name, "owner_id": user["$id"],
        "organization_id": org["$id"] if org else None,
        "account_type": "organization" if org else "personal",
        "billing_scope": "organization" if org else "user",
    })
    join(store, ws, user, role)
    return dict(ws)


def join(store: Any, ws: dict[str, Any], user: dict[str, Any], role: str = "WS_EDITOR",
         status: str = "ACTIVE") -> None:
    store.create("workspace_members", {
        "workspace_id": ws["$id"], "user_id": user["$id"], "role": role, "status": status,
    })


def fresh(store: Any, user: dict[str, Any]) -> dict[str, Any]:
    return dict(store.get("users", user["$id"]))


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def sign_in(client: Any, email: str = "ada@example.com") -> None:
    page = client.get("/login")
    response = client.post("/login", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
        "password": PASSWORD,
    })
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def token(client: Any, page: str = "/account/sessions") -> str:
    """A CSRF token from a page the user may open."""
    response = client.get(page, follow_redirects=True)
    return csrf_from(response.get_data(as_text=True))


def post(client: Any, path: str, data: dict[str, Any] | None = None, *,
         page: str = "/account/sessions", **kwargs: Any) -> Any:
    return client.post(path, data={"csrf_token": token(client, page), **(data or {})}, **kwargs)
