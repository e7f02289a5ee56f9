"""E-mail verification: the mail, the link (verifies and signs in), expiry, reuse, the gate,
resend limits and the realtime push to an open "check your inbox" tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from webapp import realtime
from webapp.identity import service
from webapp.identity.tokens import EMAIL_VERIFY, utcnow
from webapp.storage.query import Query

from .conftest import (
    PASSWORD,
    csrf_from,
    html_of,
    link_in,
    login,
    make_user,
    outbox_messages,
    submit,
    text_of,
)

SIGNUP = {"name": "Grace Hopper", "email": "grace@example.com", "password": PASSWORD,
          "accept_terms": "y", "accept_dpa": "y"}


def _signup(client: Any) -> None:
    assert submit(client, "/signup", SIGNUP).status_code == 302


def test_verification_mail_has_a_working_link(app: Any, client: Any, store: Any,
                                              settings: Any) -> None:
    _signup(client)
    [mail] = outbox_messages(settings)
    assert mail["Subject"] == "Confirm your email address for Keel"
    assert "Grace Hopper" in text_of(mail)
    path = link_in(mail, "/verify-email/")
    assert path in html_of(mail)
    token = store.first("tokens")
    assert token["purpose"] == EMAIL_VERIFY
    assert path.rsplit("/", 1)[1] not in str(token)  # only the hash is stored
    assert timedelta(hours=47) < token["expires_at"] - utcnow() <= timedelta(hours=48)

    # opened in another browser: verifies AND signs in
    other = app.test_client()
    response = other.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify-email"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    user = store.first("users")
    assert user["email_verified_at"] is not None
    page = other.get("/verify-email").get_data(as_text=True)
    assert "Email verified — " in page and "continue" in page
    assert other.get("/account/sessions").status_code == 200

    # the link is single-use
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)


def test_expired_link_changes_nothing(client: Any, store: Any) -> None:
    user = make_user(store, verified=False)
    raw = service.issue_token(store, user["$id"], EMAIL_VERIFY,
                              now=utcnow() - timedelta(hours=49))
    response = client.get(f"/verify-email/{raw}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired." in html
    assert "Sign in to get a new link" in html
    assert store.get("users", user["$id"])["email_verified_at"] is None
    assert store.first("tokens")["used_at"] is None
    assert store.count("sessions", [Query.is_not_null("user_id")]) == 0


def test_unknown_link_is_400(client: Any, store: Any) -> None:
    response = client.get("/verify-email/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)
    assert client.get("/verify-email/" + "x" * 500).status_code == 400


def test_unverified_user_is_kept_on_the_inbox_page(app: Any, client: Any) -> None:
    _signup(client)
    from .conftest import home_url

    response = client.get(home_url(app))
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify-email"
    hx = client.get(home_url(app), headers={"HX-Request": "true"})
    assert hx.headers["HX-Redirect"] == "/verify-email"
    # identity pages, health and static stay reachable
    assert client.get("/verify-email").status_code == 200
    assert client.get("/account/sessions").status_code == 200
    assert client.get("/healthz").status_code != 302


def test_verified_user_passes_the_gate(app: Any, client: Any, user: dict[str, Any]) -> None:
    from .conftest import home_url

    login(client)
    assert client.get(home_url(app)).headers.get("Location") != "/verify-email"


def test_resend_sends_a_new_link_and_is_rate_limited(client: Any, store: Any,
                                                     settings: Any) -> None:
    _signup(client)
    for n in range(3):
        token = csrf_from(client.get("/verify-email").get_data(as_text=True))
        response = client.post("/verify-email/resend", data={"csrf_token": token})
        assert response.status_code == 302, n
    assert len(outbox_messages(settings)) == 4
    page = client.get("/verify-email").get_data(as_text=True)
    response = client.post("/verify-email/resend", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 429
    assert "Try again in" in response.get_data(as_text=True)
    assert len(outbox_messages(settings)) == 4
    assert store.count("tokens", []) == 4


def test_opening_a_link_retires_the_older_ones(app: Any, client: Any, store: Any,
                                               settings: Any) -> None:
    _signup(client)
    token = csrf_from(client.get("/verify-email").get_data(as_text=True))
    client.post("/verify-email/resend", data={"csrf_token": token})
    first, second = (link_in(m, "/verify-email/") for m in outbox_messages(settings))
    assert app.test_client().get(second).status_code == 302
    assert app.test_client().get(first).status_code == 410


def test_verify_pushes_the_status_block_to_open_tabs(
    app: Any, client: Any, store: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed: list[tuple[str, str]] = []
    monkeypatch.setattr(realtime, "publish_to_user",
                        lambda user_id, html: pushed.append((user_id, html)), raising=False)
    _signup(client)
    path = link_in(outbox_messages(settings)[0], "/verify-email/")
    assert app.test_client().get(path).status_code == 302
    [(user_id, html)] = pushed
    assert user_id == store.first("users")["$id"]
    assert 'id="identity-verify-status"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Email verified — " in html


def test_a_failing_push_never_breaks_verification(
    app: Any, client: Any, store: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(user_id: str, html: str) -> None:
        raise ConnectionError("hub down")

    monkeypatch.setattr(realtime, "publish_to_user", explode, raising=False)
    _signup(client)
    path = link_in(outbox_messages(settings)[0], "/verify-email/")
    assert app.test_client().get(path).status_code == 302
    assert store.first("users")["email_verified_at"] is not None
