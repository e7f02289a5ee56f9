"""Two-factor test helpers: real forms (CSRF read from the page), real outbox."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from identity.conftest import PASSWORD, csrf_from, login, make_user, outbox_messages, text_of

__all__ = ["PASSWORD", "csrf_from", "email_code", "enable_totp", "login", "make_user",
           "post_form", "secret_on_page"]

_SECRET = re.compile(r'data-secret="([A-Z2-7]+)"')


def secret_on_page(html: str) -> str:
    match = _SECRET.search(html)
    assert match, "no manual-entry key on the page"
    return match.group(1)


def post_form(client: Any, page: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
    got = client.get(page, **kw)
    assert got.status_code == 200, (page, got.status_code)
    return client.post(action, data={"csrf_token": csrf_from(got.get_data(as_text=True)),
                                     **data})


def email_code(settings: Any) -> str:
    """The 6-digit code in the newest e-mail."""
    message = outbox_messages(settings)[-1]
    match = re.search(r"^\s+(\d{6})\s*$", text_of(message), re.M)
    assert match, text_of(message)
    return match.group(1)


def enable_totp(client: Any) -> tuple[str, list[str]]:
    """Set up the authenticator through the pages; returns the seed and recovery codes."""
    page = client.get("/account/security/totp")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = secret_on_page(html)
    done = client.post("/account/security/totp", data={
        "csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes
