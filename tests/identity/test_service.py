"""The identity services on their own: tokens, passwords, lockout (no HTTP)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from redis import Redis

from webapp.identity import service
from webapp.identity.devices import describe_user_agent
from webapp.identity.errors import (
    FieldErrors,
    InvalidCredentials,
    LockedOut,
    TokenExpired,
    TokenInvalid,
    TokenUsed,
    wait_text,
)
from webapp.identity.lockout import LoginThrottle
from webapp.identity.security import hash_token, password_problem
from webapp.identity.tokens import EMAIL_VERIFY, PASSWORD_RESET, consume_token, utcnow

from .conftest import PASSWORD, make_user


def test_password_policy() -> None:
    assert password_problem("short", "a@b.co") == "Use at least 8 characters."
    assert password_problem("x" * 129, "a@b.co") == "Use at most 128 characters."
    assert password_problem("x" * 128, "a@b.co") is None
    assert password_problem("Someone@Example.com", "someone@example.com")
    assert password_problem("SOMEONEELSE", "someoneelse@example.com")
    assert password_problem("someone else", "someone@example.com") is None


def test_argon2_hash_format(store: Any) -> None:
    user = make_user(store)
    assert user["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_tokens_are_stored_as_sha256_and_single_use(store: Any) -> None:
    user = make_user(store, verified=False)
    raw = service.issue_token(store, user["$id"], EMAIL_VERIFY)
    row = store.first("tokens")
    assert row["token_hash"] == hash_token(raw) and len(row["token_hash"]) == 64
    assert raw not in str(row)
    verified = service.verify_email(store, raw)
    assert verified["email_verified_at"] is not None
    with pytest.raises(TokenUsed):
        service.verify_email(store, raw)


def test_token_expiry_and_purpose(store: Any) -> None:
    user = make_user(store)
    old = service.issue_token(store, user["$id"], PASSWORD_RESET,
                              now=utcnow() - timedelta(hours=2))
    with pytest.raises(TokenExpired):
        consume_token(store, old, PASSWORD_RESET)
    fresh = service.issue_token(store, user["$id"], PASSWORD_RESET)
    with pytest.raises(TokenInvalid):
        consume_token(store, fresh, EMAIL_VERIFY)
    with pytest.raises(TokenInvalid):
        consume_token(store, "", PASSWORD_RESET)
    assert consume_token(store, fresh, PASSWORD_RESET)["used_at"] is not None


def test_purge_expired_tokens(store: Any) -> None:
    user = make_user(store)
    service.issue_token(store, user["$id"], PASSWORD_RESET, now=utcnow() - timedelta(days=3))
    service.issue_token(store, user["$id"], PASSWORD_RESET)
    assert service.purge_expired_tokens(store) == 1
    assert store.count("tokens", []) == 1


def test_reset_password_validates_before_using_the_link(store: Any) -> None:
    user = make_user(store)
    raw = service.issue_token(store, user["$id"], PASSWORD_RESET)
    with pytest.raises(FieldErrors) as exc:
        service.reset_password(store, raw, "ada@example.com")
    assert set(exc.value.errors) == {"password"}
    service.reset_password(store, raw, "another good one")
    with pytest.raises(TokenUsed):
        service.reset_password(store, raw, "yet another good one")


def test_authenticate_counts_failures_and_locks(store: Any, redis_conn: Redis) -> None:
    make_user(store)
    throttle = LoginThrottle(redis_conn, failures=3, minutes=2)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            service.authenticate(store, "ada@example.com", "bad bad bad", throttle=throttle)
    with pytest.raises(LockedOut) as exc:
        service.authenticate(store, "ada@example.com", "bad bad bad", throttle=throttle)
    assert exc.value.message == "Too many failed attempts. Try again in 2 minutes."
    with pytest.raises(LockedOut):
        service.authenticate(store, "ADA@example.com", PASSWORD, throttle=throttle)


def test_unknown_addresses_lock_too(store: Any, redis_conn: Redis) -> None:
    throttle = LoginThrottle(redis_conn, failures=2, minutes=1)
    with pytest.raises(InvalidCredentials):
        service.authenticate(store, "ghost@example.com", "x", throttle=throttle)
    with pytest.raises(LockedOut):
        service.authenticate(store, "ghost@example.com", "x", throttle=throttle)


def test_throttle_steps_aside_when_redis_is_down(store: Any) -> None:
    make_user(store)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    throttle = LoginThrottle(dead, failures=1, minutes=1)
    with pytest.raises(InvalidCredentials):
        service.authenticate(store, "ada@example.com", "bad bad bad", throttle=throttle)
    user = service.authenticate(store, "ada@example.com", PASSWORD, throttle=throttle)
    assert user["email"] == "ada@example.com"


def test_wait_text() -> None:
    assert wait_text(1) == "1 second"
    assert wait_text(40) == "40 seconds"
    assert wait_text(60) == "1 minute"
    assert wait_text(14 * 60 - 5) == "14 minutes"
    assert wait_text(3 * 3600) == "3 hours"


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
         "Firefox on Linux"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Safari/537.36 Edg/126.0", "Edge on Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Safari/537.36", "Chrome on macOS"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_describe_user_agent(agent: str | None, expected: str) -> None:
    assert describe_user_agent(agent) == expected


def test_emails_escape_names_in_html() -> None:
    from webapp.identity import emails

    mail = emails.verification_email("<script>x</script>", "http://localhost/", "abc", 48)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "http://localhost/verify-email/abc" in mail.text


def test_mail_jobs_mint_tokens_and_skip_what_needs_no_mail(runtime: Any, settings: Any) -> None:
    from jobs.context import bound
    from jobs.identity_mail import send_password_reset_email, send_verification_email

    from .conftest import outbox_messages

    store = runtime.store
    unverified = make_user(store, "new@example.com", verified=False)
    verified = make_user(store, "old@example.com")
    with bound(runtime):
        assert send_verification_email(unverified["$id"]) is True
        assert send_verification_email(verified["$id"]) is False
        assert send_verification_email("missing") is False
        assert send_password_reset_email(verified["$id"]) is True
        assert send_password_reset_email("missing") is False
    assert [m["To"] for m in outbox_messages(settings)] == ["new@example.com", "old@example.com"]
    assert sorted(t["purpose"] for t in store.list("tokens").documents) == [
        EMAIL_VERIFY, PASSWORD_RESET]
