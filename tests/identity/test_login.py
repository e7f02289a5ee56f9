"""Sign-in and sign-out: messages, safe redirects, lockout, rate limit, argon2 rehash."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher

from webapp import create_app

from .conftest import PASSWORD, csrf_from, home_url, login, make_user


def test_login_page_renders(client: Any) -> None:
    page = client.get("/login?next=/projects/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert 'value="/projects/1"' in html


def test_login_signs_in_and_goes_home(
    app: Any, client: Any, user: dict[str, Any], store: Any
) -> None:
    response = login(client, "ADA@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == home_url(app)
    rows = store.list("sessions").documents
    assert [r["user_id"] for r in rows] == [user["$id"]]
    assert store.get("users", user["$id"])["last_login_at"] is not None
    assert client.get("/account/sessions").status_code == 200


def test_login_follows_a_local_next(client: Any, user: dict[str, Any]) -> None:
    response = login(client, next="/account/sessions?tab=1")
    assert response.headers["Location"] == "/account/sessions?tab=1"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "evil.example", "/\r\nLocation: x"],
)
def test_login_ignores_a_foreign_next(
    app: Any, client: Any, user: dict[str, Any], target: str
) -> None:
    response = login(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == home_url(app)


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD),
     ("not an email", PASSWORD)],
)
def test_wrong_credentials_get_one_message(
    client: Any, user: dict[str, Any], store: Any, email: str, password: str
) -> None:
    response = login(client, email, password)
    assert response.status_code == 422
    assert "Invalid email or password." in response.get_data(as_text=True)
    assert store.count("sessions", []) == 1
    assert store.first("sessions")["user_id"] is None


def test_empty_fields_are_refused(client: Any, user: dict[str, Any]) -> None:
    response = login(client, "", "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your email address." in html and "Enter your password." in html


def test_lockout_after_repeated_failures(
    client: Any, user: dict[str, Any], settings: Any, redis_conn: Any
) -> None:
    for _ in range(settings.lockout_failures - 1):
        assert login(client, password="nope nope").status_code == 422
    response = login(client, password="nope nope")
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in response.get_data(
        as_text=True
    )
    # even the right password is refused while locked, and nothing signs in
    response = login(client)
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.get_data(as_text=True)
    locks = redis_conn.keys("keel:login:lock:*")
    assert len(locks) == 1
    assert 0 < redis_conn.ttl(locks[0]) <= 15 * 60
    assert b"ada@example.com" not in b"".join(redis_conn.keys("*"))


def test_success_clears_the_failure_count(
    client: Any, user: dict[str, Any], settings: Any, redis_conn: Any
) -> None:
    for _ in range(settings.lockout_failures - 1):
        login(client, password="nope nope")
    assert login(client).status_code == 302
    assert redis_conn.keys("keel:login:fail:*") == []
    client.post("/logout", data={"csrf_token": csrf_from(
        client.get("/account/sessions").get_data(as_text=True))})
    for _ in range(settings.lockout_failures - 1):
        assert login(client, password="nope nope").status_code == 422


def test_rate_limit_per_ip_answers_429_with_retry(settings: Any, redis_url: str) -> None:
    app = create_app(settings.model_copy(update={"login_rate_limit": "3 per minute"}))
    try:
        client = app.test_client()
        make_user(app.extensions["keel.runtime"].store)
        for _ in range(3):
            assert login(client, password="nope nope").status_code == 422
        response = login(client, password="nope nope")
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        assert "Try again in" in html and ("second" in html or "minute" in html)
        assert 0 < int(response.headers["Retry-After"]) <= 61
    finally:
        app.extensions["keel.runtime"].close()


def test_login_works_when_redis_is_down(settings: Any) -> None:
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(down)
    try:
        client = app.test_client()
        make_user(app.extensions["keel.runtime"].store)
        assert login(client, password="nope nope").status_code == 422
        assert login(client).status_code == 302
    finally:
        app.extensions["keel.runtime"].close()


def test_outdated_hash_is_upgraded_on_login(client: Any, user: dict[str, Any],
                                            store: Any) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    store.update("users", user["$id"], {"password_hash": weak})
    assert login(client).status_code == 302
    upgraded = store.get("users", user["$id"])["password_hash"]
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not PasswordHasher().check_needs_rehash(upgraded)


def test_suspended_account_cannot_sign_in(client: Any, user: dict[str, Any],
                                          store: Any) -> None:
    store.update("users", user["$id"], {"status": "suspended"})
    response = login(client)
    assert response.status_code == 422
    assert "suspended" in response.get_data(as_text=True)


def test_logout_is_post_only_and_ends_the_session(client: Any, user: dict[str, Any],
                                                  store: Any) -> None:
    login(client)
    assert client.get("/logout").status_code == 405
    token = csrf_from(client.get("/account/sessions").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert store.count("sessions", []) == 0
    assert client.get("/account/sessions").status_code == 302


def test_signed_in_user_is_sent_away_from_login(client: Any, user: dict[str, Any]) -> None:
    login(client)
    assert client.get("/login").status_code == 302

