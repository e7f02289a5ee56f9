"""The identity journey in a real browser: sign up, verification e-mail from the real RQ
worker, verify, sign out, sign in, sessions; the unhappy paths; axe; keyboard-only sign-in."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from webapp.storage.mail import read_outbox

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"
LINK = re.compile(r"https?://\S+/verify-email/[A-Za-z0-9_\-]+")


def _no_console_trouble(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)


def _mail_to(live_server: LiveServer, address: str, timeout: float = 15.0) -> EmailMessage:
    """Wait for the worker to write a message for ``address`` to the outbox."""
    outbox = Path(live_server.settings.instance_path) / "outbox"
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in read_outbox(outbox) if address in str(m["To"])]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            pytest.fail(f"no e-mail to {address} in {outbox} after {timeout:.0f} s "
                        "(see test-artifacts/rq-worker.log)")
        time.sleep(0.1)


def _verification_link(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = LINK.search(str(body.get_content()))
    assert match, f"no verification link in:\n{body.get_content()}"
    return match.group(0)


def _fill_signup(page: Any, *, name: str, email: str, password: str = PASSWORD,
                 terms: bool = True, dpa: bool = True) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if terms:
        page.get_by_label(re.compile("Terms of Service")).check()
    if dpa:
        page.get_by_label(re.compile("Data Processing Agreement")).check()


def _sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def _account_menu(page: Any, name: str) -> Any:
    return page.get_by_role("banner").locator("summary", has_text=name)


def _signed_in_as(page: Any, name: str) -> None:
    """Sign-in left /login for wherever the account's lifecycle state sends it (the
    dashboard, onboarding...), with the account menu in the header."""
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))
    page.wait_for_load_state()
    assert _account_menu(page, name).is_visible(), page.url


def test_signup_verify_logout_login_sessions(page: Any, console: ConsoleLog,
                                             live_server: LiveServer, rq_worker: Any,
                                             axe: Any, snap: Any) -> None:
    email, name = "journey@example.com", "Grace Hopper"
    page.goto("/signup")
    axe(page)
    _fill_signup(page, name=name, email=email)
    page.get_by_role("button", name="Create account").click()

    # check your inbox: signed in, unverified
    page.wait_for_url(re.compile(r"/verify-email$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    status = page.locator("#identity-verify-status")
    assert email in status.inner_text()
    assert status.get_by_role("button", name="send a new link").is_visible()
    snap(page, "check-inbox-light")
    axe(page)

    # the real worker delivers the e-mail; its link signs in and verifies
    message = _mail_to(live_server, email)
    assert "verif" in str(message["Subject"]).lower() or "confirm" in str(
        message["Subject"]).lower(), message["Subject"]
    link = _verification_link(message)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.wait_for_url(re.compile(r"/verify-email$"))
    assert "Email verified" in status.inner_text()
    assert _account_menu(page, name).is_visible()
    snap(page, "check-inbox-verified")

    # sign out with the POST button on the page
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    # on /login the header offers the other way in, not a link to itself
    banner = page.get_by_role("banner")
    assert banner.get_by_role("link", name="Create account").is_visible()
    assert banner.get_by_role("link", name="Sign in").count() == 0
    assert page.goto("/account/sessions") is not None
    assert re.search(r"/login", page.url), page.url  # signed out: the page asks to sign in

    # sign in again through /login
    page.goto("/login")
    _sign_in(page, email)
    _signed_in_as(page, name)

    # the sessions page, from the account menu
    _account_menu(page, name).click()
    page.locator(".account-menu").get_by_role("link", name="Sessions").click()
    page.wait_for_url(re.compile(r"/account/sessions$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sessions"
    current = page.locator(".session--current")
    assert current.count() == 1
    assert "This session" in current.inner_text()
    snap(page, "sessions-light")
    axe(page)

    # sign out from the account menu
    _account_menu(page, name).click()
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert not _account_menu(page, name).count()
    _no_console_trouble(console)


def test_wrong_password_is_refused(page: Any, console: ConsoleLog,
                                   live_server: LiveServer, axe: Any) -> None:
    live_server.make_user("wrongpw@example.com", PASSWORD, name="Wanda Wrong")
    page.goto("/login")
    axe(page)
    _sign_in(page, "wrongpw@example.com", "not the password at all")
    alert = page.get_by_role("main").get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Invalid email or password."
    assert page.url.endswith("/login")
    assert page.get_by_label("Email").input_value() == "wrongpw@example.com"
    assert page.get_by_label("Password").input_value() == ""  # never echoed back
    axe(page)
    # the browser's own note about the 422 response is the only console line allowed
    assert not [e for e in console.errors if "422" not in e], console.errors
    assert not console.csp_violations


def test_duplicate_email_is_refused_at_the_field(page: Any, console: ConsoleLog,
                                                 live_server: LiveServer, axe: Any) -> None:
    live_server.make_user("taken@example.com", PASSWORD, name="Tina Taken")
    page.goto("/signup")
    _fill_signup(page, name="Someone Else", email="Taken@Example.com")
    page.get_by_role("button", name="Create account").click()
    email = page.get_by_label("Email")
    error = page.locator("#email-error")
    error.wait_for()
    assert error.inner_text() == "This email is already registered."
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in (email.get_attribute("aria-describedby") or "")
    assert page.url.endswith("/signup")
    assert page.get_by_label("Your name").input_value() == "Someone Else"  # kept
    axe(page)
    assert not [e for e in console.errors if "422" not in e], console.errors
    assert not console.csp_violations


def test_missing_consent_is_refused_at_the_checkboxes(page: Any, console: ConsoleLog,
                                                      live_server: LiveServer, axe: Any) -> None:
    page.goto("/signup")
    _fill_signup(page, name="Nora Consent", email="noconsent@example.com", terms=False,
                 dpa=False)
    page.get_by_role("button", name="Create account").click()
    page.locator("#accept_terms-error").wait_for()
    assert page.locator("#accept_terms-error").inner_text() == (
        "Accept the Terms of Service to create an account."
    )
    assert page.locator("#accept_dpa-error").inner_text() == (
        "Accept the Data Processing Agreement to create an account."
    )
    terms = page.get_by_label(re.compile("Terms of Service"))
    assert terms.get_attribute("aria-invalid") == "true"
    axe(page)
    # nothing was written: no account, so signing in with it fails
    store = live_server.app.extensions["keel.runtime"].store
    from webapp.storage import Query

    assert store.count("users", [Query.equal("email", "noconsent@example.com")]) == 0
    assert not [e for e in console.errors if "422" not in e], console.errors
    assert not console.csp_violations


def test_forgot_password_page(page: Any, console: ConsoleLog, axe: Any) -> None:
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(re.compile(r"/password/forgot$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Forgot your password?"
    axe(page)
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send reset link").click()
    page.get_by_text("If an account exists for that address").wait_for()
    axe(page)
    _no_console_trouble(console)


def _focused(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {id: el.id, tag: el.tagName.toLowerCase(),
                  visible: el.matches(':focus-visible'),
                  outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                  shadow: style.boxShadow !== 'none'};
        }"""
    ))


def test_login_with_the_keyboard_only(page: Any, console: ConsoleLog,
                                      live_server: LiveServer) -> None:
    live_server.make_user("keys@example.com", PASSWORD, name="Kay Board")
    page.goto("/login")
    for _ in range(15):  # Tab through the header to the first field
        page.keyboard.press("Tab")
        if _focused(page)["id"] == "email":
            break
    focus = _focused(page)
    assert focus["id"] == "email", f"Tab never reached the email field (stopped at {focus})"
    assert focus["visible"] and (focus["outline"] or focus["shadow"]), focus
    page.keyboard.type("keys@example.com")
    page.keyboard.press("Tab")
    focus = _focused(page)
    assert focus["id"] == "password", focus
    assert focus["visible"] and (focus["outline"] or focus["shadow"]), focus
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    focus = _focused(page)
    assert focus["tag"] == "button", focus  # the submit button comes next, visibly focused
    assert focus["visible"] and (focus["outline"] or focus["shadow"]), focus
    page.keyboard.press("Enter")
    _signed_in_as(page, "Kay Board")
    _no_console_trouble(console)
