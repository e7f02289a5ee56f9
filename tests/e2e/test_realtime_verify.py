"""A "check your inbox" tab turns verified by itself when the link is opened in another tab:
the verification route pushes the ``identity_verify_status`` block over the websocket."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from webapp.identity.emails import VERIFY_PATH
from webapp.identity.tokens import EMAIL_VERIFY, issue_token

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _sign_in_unverified(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_websocket() as socket_info:
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/verify-email$"))  # the verification gate
    assert socket_info.value.url.endswith("/ws")


def _wait_for_room(live_server: LiveServer, room: str, timeout: float = 10.0) -> None:
    """The socket has joined ``room`` in the live server's hub, which is listening."""
    hub = live_server.app.extensions["keel.realtime"]
    deadline = time.monotonic() + timeout
    while not (hub.connected.is_set() and room in hub.rooms()):
        assert time.monotonic() < deadline, f"no socket joined {room} (rooms: {hub.rooms()})"
        time.sleep(0.05)


def _link(live_server: LiveServer, user_id: str) -> str:
    store = live_server.app.extensions["keel.runtime"].store
    token = issue_token(store, user_id, EMAIL_VERIFY)  # what the mail job puts in the e-mail
    return live_server.url + VERIFY_PATH.format(token=token)


def test_check_inbox_tab_turns_verified_without_reload(browser: Any, page: Any,
                                                       console: ConsoleLog,
                                                       live_server: LiveServer,
                                                       snap: Any) -> None:
    user = live_server.make_user("twotabs@example.com", PASSWORD, name="Tess Tabs",
                                 verified=False)
    bystander = live_server.make_user("bystander@example.com", PASSWORD, name="Ben Stander",
                                      verified=False)
    other_context = browser.new_context(base_url=live_server.url)
    try:
        # another unverified user's tab, which must not change
        other = other_context.new_page()
        _sign_in_unverified(other, "bystander@example.com")
        _wait_for_room(live_server, f"user:{bystander['$id']}")

        # tab A: signed in, unverified, waiting on "check your inbox"
        _sign_in_unverified(page, "twotabs@example.com")
        status = page.locator("#identity-verify-status")
        assert "Email verified" not in status.inner_text()
        assert "twotabs@example.com" in status.inner_text()
        _wait_for_room(live_server, f"user:{user['$id']}")
        page.evaluate("window.__sameDocument = true")  # gone if the tab reloads

        # tab B: the link from the e-mail, in the same browser
        tab_b = page.context.new_page()
        tab_b.goto(_link(live_server, user["$id"]))
        tab_b.wait_for_url(re.compile(r"/verify-email$"))
        assert "Email verified" in tab_b.locator("#identity-verify-status").inner_text()

        # tab A updated itself, in place
        status.get_by_text("Email verified").wait_for(timeout=5000)
        assert page.evaluate("window.__sameDocument === true")
        assert status.get_by_role("link", name="continue").is_visible()
        assert not status.get_by_role("button", name="send a new link").count()
        assert page.locator("#identity-verify-status").count() == 1  # swapped, not added
        snap(page, "check-inbox-pushed-verified")

        # the other user's tab did not hear about it
        time.sleep(0.3)
        other_status = other.locator("#identity-verify-status")
        assert "Email verified" not in other_status.inner_text()
        assert other.evaluate("document.readyState") == "complete"
        tab_b.close()
    finally:
        other_context.close()
    assert not console.csp_violations, console.csp_violations
    assert not console.errors, console.errors
