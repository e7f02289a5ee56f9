"""Forgot / reset password (single-use 1 h links, no account enumeration) and change password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from webapp.identity import service
from webapp.identity.tokens import PASSWORD_RESET, utcnow

from .conftest import PASSWORD, csrf_from, link_in, login, outbox_messages, submit

NEW = "a brand new passphrase"


def _forgot(client: Any, email: str) -> Any:
    return submit(client, "/password/forgot", {"email": email}, follow_redirects=True)


def test_forgot_answers_the_same_for_known_and_unknown(app: Any, user: dict[str, Any],
                                                       settings: Any, store: Any) -> None:
    known = _forgot(app.test_client(), "ada@example.com")
    unknown = _forgot(app.test_client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    message = "If an account exists for that address"
    assert message in known.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    mails = outbox_messages(settings)
    assert len(mails) == 1 and "ada@example.com" in mails[0]["To"]
    assert store.count("tokens", []) == 1


def test_forgot_needs_an_email(client: Any, store: Any) -> None:
    response = submit(client, "/password/forgot", {"email": ""})
    assert response.status_code == 422
    assert "Enter your email address." in response.get_data(as_text=True)
    assert store.count("tokens", []) == 0


def test_reset_sets_the_password_and_signs_out_everywhere(
    app: Any, user: dict[str, Any], store: Any, settings: Any
) -> None:
    signed_in = app.test_client()
    login(signed_in)
    _forgot(app.test_client(), "ada@example.com")
    path = link_in(outbox_messages(settings)[0], "/password/reset/")
    token_row = store.first("tokens")
    assert timedelta(minutes=59) < token_row["expires_at"] - utcnow() <= timedelta(hours=1)

    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = browser.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                        "password": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert signed_in.get("/account/sessions").status_code == 302
    assert service.list_sessions(store, user["$id"]) == []
    assert "Your password has been changed" in browser.get("/login").get_data(as_text=True)
    assert login(browser, password=PASSWORD).status_code == 422
    assert login(browser, password=NEW).status_code == 302

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "Get a new reset link" in again.get_data(as_text=True)


def test_reset_with_a_weak_password_keeps_the_link(app: Any, user: dict[str, Any],
                                                   store: Any) -> None:
    raw = service.issue_token(store, user["$id"], PASSWORD_RESET)
    client = app.test_client()
    page = client.get(f"/password/reset/{raw}").get_data(as_text=True)
    before = store.get("users", user["$id"])["password_hash"]
    response = client.post(f"/password/reset/{raw}",
                           data={"csrf_token": csrf_from(page), "password": "ada"})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["password_hash"] == before
    assert store.first("tokens")["used_at"] is None


def test_expired_reset_link_changes_nothing(app: Any, user: dict[str, Any], store: Any) -> None:
    raw = service.issue_token(store, user["$id"], PASSWORD_RESET,
                              now=utcnow() - timedelta(minutes=61))
    client = app.test_client()
    assert client.get(f"/password/reset/{raw}").status_code == 410
    token = csrf_from(client.get("/login").get_data(as_text=True))
    before = store.get("users", user["$id"])["password_hash"]
    response = client.post(f"/password/reset/{raw}", data={"csrf_token": token, "password": NEW})
    assert response.status_code == 410
    assert "This link has expired." in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["password_hash"] == before


def test_verification_token_is_not_a_reset_token(app: Any, user: dict[str, Any],
                                                 store: Any) -> None:
    raw = service.issue_token(store, user["$id"], "email_verify")
    assert app.test_client().get(f"/password/reset/{raw}").status_code == 400


def test_change_password_revokes_my_other_sessions(app: Any, user: dict[str, Any],
                                                   store: Any) -> None:
    me, other = app.test_client(), app.test_client()
    login(me)
    login(other)
    response = submit(me, "/account/password",
                      {"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 302
    assert "Your password has been changed. 1 other session signed out." in me.get(
        "/account/password").get_data(as_text=True)
    assert me.get("/account/sessions").status_code == 200
    assert other.get("/account/sessions").status_code == 302
    assert len(service.list_sessions(store, user["$id"])) == 1
    fresh = app.test_client()
    assert login(fresh, password=PASSWORD).status_code == 422
    assert login(fresh, password=NEW).status_code == 302


def test_change_password_needs_the_current_one(client: Any, user: dict[str, Any],
                                               store: Any) -> None:
    login(client)
    before = store.get("users", user["$id"])["password_hash"]
    response = submit(client, "/account/password",
                      {"current_password": "not it at all", "new_password": NEW})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="current_password-error"' in html and "current password" in html
    weak = submit(client, "/account/password",
                  {"current_password": PASSWORD, "new_password": "ada@example.com"})
    assert weak.status_code == 422
    assert 'id="new_password-error"' in weak.get_data(as_text=True)
    assert store.get("users", user["$id"])["password_hash"] == before


def test_account_pages_need_sign_in(client: Any) -> None:
    for path in ("/account/password", "/account/sessions", "/verify-email"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
