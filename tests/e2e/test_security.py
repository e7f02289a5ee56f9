"""Two-factor in a real browser: set up TOTP from the manual-entry key, sign out, sign in
through the challenge; plus the account pages in light, dark and at 375 px."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from werkzeug.serving import make_server

from webapp import create_app
from webapp.config import Settings

from .conftest import REDIS_BASE, ConsoleLog, LiveServer, _Deferred

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.locator(".account-menu__button").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))


def _no_console_trouble(console: ConsoleLog) -> None:
    """No CSP violations and no errors, except the 422 of a form we submitted wrong on purpose."""
    assert not console.csp_violations, "\n".join(console.csp_violations)
    errors = [e for e in console.errors if "status of 422" not in e]
    assert not errors, "\n".join(errors)


def _views(page: Any, snap: Any, name: str) -> None:
    """Light, dark and 375 px screenshots of the current page, with no sideways scroll."""
    page.emulate_media(color_scheme="light")
    snap(page, f"{name}-light")
    page.emulate_media(color_scheme="dark")
    snap(page, f"{name}-dark")
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    snap(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")


def test_enable_totp_then_sign_in_with_the_challenge(
    page: Any, console: ConsoleLog, live_server: LiveServer, snap: Any, axe: Any
) -> None:
    email = "totp-e2e@example.com"
    live_server.make_user(email, PASSWORD, name="Tess Totp")
    _sign_in(page, email)

    page.goto("/account/security")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor authentication"
    axe(page)
    _views(page, snap, "security-overview")

    page.get_by_role("link", name="Set up authenticator app").click()
    page.wait_for_url(re.compile(r"/account/security/totp$"))
    assert page.locator(".qr svg").is_visible()
    page.get_by_text("Can't scan it? Enter the key by hand").click()
    secret = page.locator("#security-totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    axe(page)
    _views(page, snap, "security-totp-setup")

    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    codes = page.locator("#security-recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes)
    axe(page)
    _views(page, snap, "security-recovery-codes")

    _sign_out(page)
    _sign_in(page, email)
    page.wait_for_url(re.compile(r"/auth/2fa"))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm it's you"
    axe(page)
    _views(page, snap, "security-challenge")

    # a wrong code first: refused at the field's form, still not signed in
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 5) % 1_000_000:06d}"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Verify and sign in").click()
    assert page.get_by_role("alert").filter(has_text="didn't match").is_visible()

    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_load_state()
    assert "/auth/2fa" not in page.url
    page.goto("/account/security")
    assert page.locator(".badge--success").first.inner_text() == "On"
    _no_console_trouble(console)


def test_profile_and_sign_in_methods_pages(
    page: Any, console: ConsoleLog, live_server: LiveServer, snap: Any, axe: Any
) -> None:
    email = "profile-e2e@example.com"
    live_server.make_user(email, PASSWORD, name="Pat Profile")
    _sign_in(page, email)

    page.goto("/account/profile")
    page.get_by_label("Role").fill("Engineer")
    page.get_by_label("LinkedIn profile").fill("not a url")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Enter a full web address").is_visible()
    page.get_by_label("LinkedIn profile").fill("https://www.linkedin.com/in/pat")
    page.get_by_label("Time zone").select_option("Asia/Kolkata")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your profile is saved.").is_visible()
    assert page.get_by_label("Time zone").input_value() == "Asia/Kolkata"
    axe(page)
    _views(page, snap, "profile")

    page.goto("/account/identities")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in methods"
    axe(page)
    _views(page, snap, "identities")
    _no_console_trouble(console)


# -- Sign in with Google, in the browser, against the provider double -----------------------
@pytest.fixture(scope="module")
def oauth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A second Keel server configured for Google/GitHub at the local provider double."""
    from doubles.oauth_provider import OAuthProviderDouble

    double = OAuthProviderDouble().start()
    double.google_account = {"sub": "g-e2e", "email": "olivia@example.com",
                             "email_verified": True, "name": "Olivia OAuth"}
    wsgi = _Deferred()
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    saved = {k: os.environ.get(k) for k in double.env()}
    os.environ.update(double.env())
    try:
        settings = Settings(KEEL_ENV="test", KEEL_TESTING=True,  # type: ignore[call-arg]
                            KEEL_INSTANCE=tmp_path_factory.mktemp("oauth") / "instance",
                            SECRET_KEY="e2e-oauth-secret", REDIS_URL=f"{REDIS_BASE}/14",
                            BASE_URL=url, RQ_ASYNC=False)
        app = create_app(settings)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    wsgi.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url, app
    server.shutdown()
    thread.join(5)
    app.extensions["keel.runtime"].close()
    double.stop()


def test_sign_up_with_google(browser: Any, oauth_server: tuple[str, Any], snap: Any,
                             axe: Any) -> None:
    url, app = oauth_server
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto("/login")
        assert page.get_by_role("link", name="Continue with GitHub").is_visible()
        axe(page)
        _views(page, snap, "login-with-providers")
        page.get_by_role("link", name="Continue with Google").click()
        page.wait_for_url(re.compile(r"/auth/oauth/complete$"))
        assert page.get_by_text("olivia@example.com").is_visible()
        assert page.get_by_label("Your name").input_value() == "Olivia OAuth"
        page.get_by_role("button", name="Create account").click()
        assert page.get_by_text("Accept the Terms of Service to create an account.").is_visible()
        axe(page)
        _views(page, snap, "oauth-complete")
        page.get_by_label("I accept the Terms of Service (version v1)").check()
        page.get_by_label("I accept the Data Processing Agreement (version v1)").check()
        page.get_by_role("button", name="Create account").click()
        page.wait_for_load_state()
        page.goto("/account/identities")
        assert page.get_by_text("Your only way to sign in").is_visible()
        axe(page)
        _views(page, snap, "identities-google-only")
        store = app.extensions["keel.runtime"].store
        user = store.first("users")
        assert user["email"] == "olivia@example.com" and user["email_verified_at"] is not None
    finally:
        context.close()
