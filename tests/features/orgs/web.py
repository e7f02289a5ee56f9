"""Helpers for the organization page tests: signed-in clients and CSRF-carrying posts."""

from __future__ import annotations

import re
from typing import Any

from webapp.identity.sessions import sign_in

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def client_for(app: Any, user: dict[str, Any] | None) -> Any:
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            sign_in(session, user["$id"])
    return client


def csrf(client: Any, page: str) -> str:
    got = client.get(page)
    assert got.status_code == 200, (page, got.status_code)
    match = _CSRF.search(got.get_data(as_text=True))
    assert match, "page has no csrf_token field"
    return match.group(1)


def post(client: Any, page: str, action: str, data: dict[str, Any] | None = None,
         **kwargs: Any) -> Any:
    """GET ``page`` for a CSRF token, then POST ``data`` to ``action``."""
    return client.post(action, data={"csrf_token": csrf(client, page), **(data or {})},
                       **kwargs)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))
