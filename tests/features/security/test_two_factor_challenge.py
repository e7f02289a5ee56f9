"""The sign-in challenge: password alone does not sign in; a second factor does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from twofactor_helpers import PASSWORD, csrf_from, email_code, enable_totp, login

from webapp.identity.tokens import utcnow


@pytest.fixture
def two_factor_user(client: Any, user: dict[str, Any]) -> tuple[str, list[str]]:
    """A user with TOTP on, signed out again."""
    assert login(client).status_code == 302
    secret, codes = enable_totp(client)
    page = client.get("/account/security")
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert client.get("/account/security").status_code == 302
    return secret, codes


def challenge(client: Any, method: str, code: str) -> Any:
    page = client.get(f"/auth/2fa?method={method}")
    assert page.status_code == 200, page.headers.get("Location")
    return client.post("/auth/2fa", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "method": method, "code": code})


def actions(store: Any) -> list[str]:
    return [r["action"] for r in store.list("audit_logs").documents]


def signed_in_user(store: Any) -> set[Any]:
    return {r["user_id"] for r in store.list("sessions").documents if r["user_id"]}


def test_password_alone_leads_to_the_challenge(
    client: Any, store: Any, two_factor_user: Any
) -> None:
    response = login(client, next="/account/sessions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/2fa")
    assert signed_in_user(store) == set()
    assert client.get("/account/security").status_code == 302  # not signed in
    tokens = [t for t in store.list("tokens").documents if t["purpose"] == "2fa_challenge"]
    assert len(tokens) == 1
    assert tokens[0]["expires_at"] - utcnow() <= timedelta(minutes=10)


def test_totp_code_signs_in_and_follows_next(
    client: Any, store: Any, user: dict[str, Any], two_factor_user: Any
) -> None:
    secret, _ = two_factor_user
    login(client, next="/account/sessions")
    response = challenge(client, "totp", pyotp.TOTP(secret).now())
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sessions"
    assert signed_in_user(store) == {user["$id"]}
    assert "two_factor_verified" in actions(store)
    # the challenge is spent
    assert client.get("/auth/2fa").status_code == 302


def test_wrong_totp_code_is_refused_and_audited(
    client: Any, store: Any, two_factor_user: Any
) -> None:
    secret, _ = two_factor_user
    login(client)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 7) % 1_000_000:06d}"
    response = challenge(client, "totp", wrong)
    assert response.status_code == 422
    assert "didn&#39;t match" in response.get_data(as_text=True)
    assert signed_in_user(store) == set()
    assert "two_factor_failed" in actions(store)


def test_totp_code_cannot_be_replayed(client: Any, two_factor_user: Any) -> None:
    secret, _ = two_factor_user
    code = pyotp.TOTP(secret).now()
    login(client)
    assert challenge(client, "totp", code).status_code == 302
    page = client.get("/account/security")
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    login(client)
    response = challenge(client, "totp", code)
    assert response.status_code == 422
    assert "just used" in response.get_data(as_text=True)


def test_five_wrong_codes_end_the_challenge(client: Any, two_factor_user: Any) -> None:
    secret, _ = two_factor_user
    login(client)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 7) % 1_000_000:06d}"
    for _ in range(4):
        assert challenge(client, "totp", wrong).status_code == 422
    last = challenge(client, "totp", wrong)
    assert last.status_code == 302 and last.headers["Location"] == "/login"
    assert client.get("/auth/2fa").status_code == 302


def test_recovery_code_signs_in_once(
    client: Any, store: Any, user: dict[str, Any], two_factor_user: Any
) -> None:
    _, codes = two_factor_user
    login(client)
    response = challenge(client, "recovery", codes[3].lower().replace("-", ""))
    assert response.status_code == 302
    assert "recovery_code_used" in actions(store)
    page = client.get("/account/security")
    assert "9</strong> of 10 left" in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    login(client)
    reused = challenge(client, "recovery", codes[3])
    assert reused.status_code == 422
    assert "already used" in reused.get_data(as_text=True)


def test_email_code_during_challenge(
    client: Any, store: Any, user: dict[str, Any], two_factor_user: Any, settings: Any
) -> None:
    store.update("users", user["$id"], {"two_factor_method": "BOTH"})
    login(client)
    page = client.get("/auth/2fa?method=email")
    sent = client.post("/auth/2fa/email",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert sent.status_code == 302
    code = email_code(settings)
    assert challenge(client, "email", code).status_code == 302
    assert signed_in_user(store) == {user["$id"]}


def test_email_only_user_gets_a_code_at_sign_in(
    client: Any, store: Any, user: dict[str, Any], settings: Any
) -> None:
    store.update("users", user["$id"], {"two_factor_enabled": True,
                                        "two_factor_method": "EMAIL"})
    response = login(client)
    assert response.headers["Location"] == "/auth/2fa?method=email"
    code = email_code(settings)
    assert challenge(client, "email", code).status_code == 302


def test_expired_challenge_sends_back_to_login(
    client: Any, store: Any, two_factor_user: Any
) -> None:
    login(client)
    store.update_where("tokens", [], {"expires_at": utcnow() - timedelta(seconds=1)})
    response = client.get("/auth/2fa")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_challenge_without_password_step(client: Any) -> None:
    response = client.get("/auth/2fa")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_users_without_2fa_sign_in_directly(client: Any, store: Any,
                                            user: dict[str, Any]) -> None:
    response = login(client, "ada@example.com", PASSWORD)
    assert not response.headers["Location"].startswith("/auth/2fa")
    assert signed_in_user(store) == {user["$id"]}


def test_email_codes_are_no_way_around_the_authenticator(
    client: Any, store: Any, user: dict[str, Any], two_factor_user: Any, settings: Any
) -> None:
    """TOTP-only accounts: no e-mailed code is sent, and none is accepted."""
    login(client)
    page = client.get("/auth/2fa?method=email")
    html = page.get_data(as_text=True)
    assert "Email me a code" not in html and 'value="totp"' in html
    refused = client.post("/auth/2fa/email", data={"csrf_token": csrf_from(html)})
    assert refused.status_code == 404
    from webapp.features.security.service import issue_email_code

    code = issue_email_code(store, user["$id"])
    response = client.post("/auth/2fa", data={"csrf_token": csrf_from(html),
                                              "method": "email", "code": code})
    assert response.status_code == 422
    assert signed_in_user(store) == set()
