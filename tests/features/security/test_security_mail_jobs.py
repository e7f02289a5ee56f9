"""The account-security mail jobs create their own codes and links, and skip gone accounts."""

from __future__ import annotations

from typing import Any

import pytest
from identity.conftest import outbox_messages, text_of

from jobs import context
from jobs.security_mail import send_email_change_link, send_two_factor_code
from webapp.features.security import crypto


def test_two_factor_code_mail(runtime: Any, store: Any, user: dict[str, Any],
                              settings: Any) -> None:
    with context.bound(runtime):
        assert send_two_factor_code(user["$id"], "login") is True
    message = outbox_messages(settings)[-1]
    assert message["To"] == user["email"] and "sign-in code" in message["Subject"]
    code = message["Subject"].split()[0]
    assert code.isdigit() and len(code) == 6 and code in text_of(message)
    row = store.first("email_otp_codes")
    assert row["code_hash"] == crypto.code_hash(user["$id"], code)


@pytest.mark.parametrize("status", ["suspended", "deleted"])
def test_jobs_skip_inactive_accounts(runtime: Any, store: Any, user: dict[str, Any],
                                     settings: Any, status: str) -> None:
    store.update("users", user["$id"], {"status": status, "pending_email": "x@example.com"})
    with context.bound(runtime):
        assert send_two_factor_code(user["$id"]) is False
        assert send_email_change_link(user["$id"]) is False
        assert send_two_factor_code("missing-user") is False
    assert outbox_messages(settings) == []
    assert store.count("email_otp_codes") == 0


def test_email_change_job_needs_a_pending_address(runtime: Any, user: dict[str, Any],
                                                  settings: Any) -> None:
    with context.bound(runtime):
        assert send_email_change_link(user["$id"]) is False
    assert outbox_messages(settings) == []


def test_sealed_secret_needs_the_same_key() -> None:
    sealed = crypto.seal("key-one", "JBSWY3DPEHPK3PXP", purpose="totp", bound_to="u1")
    assert crypto.unseal("key-one", sealed, purpose="totp", bound_to="u1") == "JBSWY3DPEHPK3PXP"
    for key, value in (("key-two", sealed), ("key-one", sealed[:-4] + "AAAA"),
                       ("key-one", "garbage")):
        with pytest.raises(crypto.SealError):
            crypto.unseal(key, value, purpose="totp", bound_to="u1")
