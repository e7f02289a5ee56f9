"""Setting up two-factor: TOTP, e-mail codes, recovery codes, turning it off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from twofactor_helpers import PASSWORD, email_code, enable_totp, post_form, secret_on_page

from webapp.audit import Acting
from webapp.features.security import crypto, service
from webapp.identity.tokens import utcnow


def actions(store: Any, user_id: str) -> list[str]:
    rows = store.list("audit_logs").documents
    return [r["action"] for r in rows if r["resource_id"] == user_id]


def test_security_page_needs_sign_in(client: Any) -> None:
    response = client.get("/account/security")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_totp_setup_shows_qr_and_key_and_seals_the_secret(
    signed_in: Any, store: Any, user: dict[str, Any], app: Any
) -> None:
    page = signed_in.get("/account/security/totp")
    html = page.get_data(as_text=True)
    assert "<svg" in html and "style=" not in html
    secret = secret_on_page(html)
    stored = store.get("users", user["$id"])["totp_secret"]
    assert secret not in stored and stored.startswith("v1:")
    assert crypto.unseal(app.config["SECRET_KEY"], stored, purpose="totp",
                         bound_to=user["$id"]) == secret
    # bound to the account: the same sealed value does not open for someone else
    with pytest.raises(crypto.SealError):
        crypto.unseal(app.config["SECRET_KEY"], stored, purpose="totp", bound_to="other")
    uri = service.provisioning_uri(secret, user["email"])
    assert uri.startswith("otpauth://totp/Keel:ada%40example.com?") and "issuer=Keel" in uri
    totp = pyotp.parse_uri(uri)
    assert totp.digits == 6 and totp.interval == 30


def test_wrong_code_does_not_enable(signed_in: Any, store: Any, user: dict[str, Any]) -> None:
    html = signed_in.get("/account/security/totp").get_data(as_text=True)
    secret = secret_on_page(html)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = post_form(signed_in, "/account/security/totp", "/account/security/totp",
                         {"code": wrong})
    assert response.status_code == 422
    assert "didn&#39;t match" in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["two_factor_enabled"] is False
    assert store.count("recovery_codes") == 0


def test_enable_totp_gives_ten_recovery_codes_once(
    signed_in: Any, store: Any, user: dict[str, Any]
) -> None:
    _, codes = enable_totp(signed_in)
    assert len(set(codes)) == 10
    fresh = store.get("users", user["$id"])
    assert fresh["two_factor_enabled"] is True and fresh["two_factor_method"] == "TOTP"
    rows = store.list("recovery_codes").documents
    assert len(rows) == 10 and all(codes[0] not in r["code_hash"] for r in rows)
    assert "two_factor_enabled" in actions(store, user["$id"])
    overview = signed_in.get("/account/security").get_data(as_text=True)
    assert codes[0] not in overview and "10</strong> of 10 left" in overview
    # already on: the set-up page goes back to the overview
    assert signed_in.get("/account/security/totp").status_code == 302


def test_regenerate_recovery_codes_replaces_old(
    signed_in: Any, store: Any, user: dict[str, Any]
) -> None:
    _, old = enable_totp(signed_in)
    response = post_form(signed_in, "/account/security", "/account/security/recovery-codes", {})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "no longer work" in html and old[0] not in html
    assert store.count("recovery_codes") == 10
    with pytest.raises(service.CodeRejected):
        service.use_recovery_code(store, user["$id"], old[0])


def test_email_codes_setup(signed_in: Any, store: Any, user: dict[str, Any],
                           settings: Any) -> None:
    sent = post_form(signed_in, "/account/security/email", "/account/security/email/send", {})
    assert sent.status_code == 302
    code = email_code(settings)
    row = store.list("email_otp_codes").documents[0]
    assert code not in row["code_hash"] and len(row["code_hash"]) == 64
    response = post_form(signed_in, "/account/security/email", "/account/security/email",
                         {"code": code})
    assert response.status_code == 200  # recovery codes page
    fresh = store.get("users", user["$id"])
    assert fresh["two_factor_method"] == "EMAIL"
    # then TOTP too: BOTH, and no second batch of recovery codes
    html = signed_in.get("/account/security/totp").get_data(as_text=True)
    secret = secret_on_page(html)
    from twofactor_helpers import csrf_from

    done = signed_in.post("/account/security/totp", data={
        "csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert store.get("users", user["$id"])["two_factor_method"] == "BOTH"


def test_email_code_expires(store: Any, user: dict[str, Any]) -> None:
    code = service.issue_email_code(store, user["$id"], now=utcnow() - timedelta(minutes=6))
    with pytest.raises(service.CodeRejected, match="expired"):
        service.check_email_code(store, user["$id"], code)


def test_email_code_sixth_attempt_refused_even_when_right(store: Any,
                                                          user: dict[str, Any]) -> None:
    code = service.issue_email_code(store, user["$id"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(5):
        with pytest.raises(service.CodeRejected, match="didn't match") as wrong_guess:
            service.check_email_code(store, user["$id"], wrong)
        if attempt == 4:
            assert "Send a new one" in wrong_guess.value.message
    with pytest.raises(service.CodeRejected, match="Too many"):
        service.check_email_code(store, user["$id"], code)


def test_new_email_code_retires_the_old(store: Any, user: dict[str, Any]) -> None:
    first = service.issue_email_code(store, user["$id"])
    second = service.issue_email_code(store, user["$id"])
    if first != second:
        with pytest.raises(service.CodeRejected):
            service.check_email_code(store, user["$id"], first)
    service.check_email_code(store, user["$id"], second)
    with pytest.raises(service.CodeRejected):  # single use
        service.check_email_code(store, user["$id"], second)


def test_disable_needs_the_password(signed_in: Any, store: Any, user: dict[str, Any]) -> None:
    enable_totp(signed_in)
    wrong = post_form(signed_in, "/account/security", "/account/security/disable",
                      {"credential": "not my password"})
    assert wrong.status_code == 422
    assert "That isn&#39;t your password." in wrong.get_data(as_text=True)
    assert store.get("users", user["$id"])["two_factor_enabled"] is True
    ok = post_form(signed_in, "/account/security", "/account/security/disable",
                   {"credential": PASSWORD})
    assert ok.status_code == 302
    fresh = store.get("users", user["$id"])
    assert fresh["two_factor_enabled"] is False and fresh["totp_secret"] is None
    assert store.count("recovery_codes") == 0
    assert "two_factor_disabled" in actions(store, user["$id"])


def test_disable_without_password_takes_a_recovery_code(store: Any, user: dict[str, Any],
                                                        app: Any) -> None:
    store.update("users", user["$id"], {"password_hash": None})
    key = app.config["SECRET_KEY"]
    service.begin_totp_setup(store, key, store.get("users", user["$id"]))
    secret = service.totp_secret(key, store.get("users", user["$id"]))
    assert secret
    acting = Acting.of(user, "127.0.0.1")
    codes = service.enable_totp(store, acting, key, user["$id"], pyotp.TOTP(secret).now())
    with pytest.raises(service.FieldErrors):
        service.disable(store, acting, key, user["$id"], "ZZZZ-ZZZZ")
    service.disable(store, acting, key, user["$id"], codes[0].lower())
    assert store.get("users", user["$id"])["two_factor_enabled"] is False
