"""CSRF is enforced on every identity form (the app runs with WTF_CSRF_ENABLED on)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PASSWORD, login


def test_csrf_is_on(app: Any) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/signup", {"name": "Eve", "email": "eve@example.com", "password": PASSWORD,
                     "accept_terms": "y", "accept_dpa": "y"}),
        ("/login", {"email": "ada@example.com", "password": PASSWORD}),
        ("/password/forgot", {"email": "ada@example.com"}),
    ],
)
def test_post_without_token_is_refused(client: Any, store: Any, user: dict[str, Any],
                                       path: str, data: dict[str, Any]) -> None:
    client.get(path)  # a session with a CSRF token exists, but the post doesn't carry it
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert store.count("users", []) == 1
    assert store.count("tokens", []) == 0
    assert store.count("sessions", [_signed_in()]) == 0


def test_post_with_a_wrong_token_is_refused(client: Any, user: dict[str, Any]) -> None:
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "email": "ada@example.com",
                                           "password": PASSWORD})
    assert response.status_code == 400


def test_signed_in_actions_need_the_token(client: Any, user: dict[str, Any],
                                          store: Any) -> None:
    login(client)
    assert client.post("/logout").status_code == 400
    assert client.post("/account/sessions/revoke-others").status_code == 400
    assert client.post("/verify-email/resend").status_code == 400
    assert store.count("sessions", [_signed_in()]) == 1


def _signed_in() -> Any:
    from webapp.storage.query import Query

    return Query.is_not_null("user_id")
