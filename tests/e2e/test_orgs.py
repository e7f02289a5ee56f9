"""Organizations in a real browser: an owner creates a member account; the member opens the
magic link from the welcome e-mail (sent by the real RQ worker), chooses a password and
sees only what their role allows."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"
MEMBER_EMAIL = "nina.new@example.com"


def _no_console_trouble(console: ConsoleLog, *, expected_statuses: bool = False) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    errors = [e for e in console.errors
              if not (expected_statuses and "Failed to load resource" in e)]
    assert not errors, "\n".join(errors)


def _sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def _world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.orgs.service import create_organization

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("orgowner@example.com", PASSWORD, name="Olive Owner")
    org = create_organization(store, Acting.of(owner), owner_id=owner["$id"], name="Acme Labs",
                              size="11-50")
    org = store.update("organizations", org["$id"], {
        "legal_version": "v1", "legal_accepted_at": datetime.now(UTC),
        "legal_accepted_by": owner["$id"]})
    return {"owner": owner, "org": org}


def _welcome_link(live_server: LiveServer, to: str, timeout: float = 30) -> str:
    from webapp.storage.mail import read_outbox

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in read_outbox(live_server.settings.instance_path / "outbox"):
            if message["To"] == to:
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(r"(/auth/first-login/[A-Za-z0-9_\-]+)", body)
                assert match, body
                return str(match.group(1))
        time.sleep(0.2)
    raise AssertionError(f"no welcome e-mail for {to} within {timeout} s")


def test_owner_creates_a_member_who_signs_in_with_the_magic_link(
        page: Any, console: ConsoleLog, live_server: LiveServer, rq_worker: Any, snap: Any,
        axe: Any) -> None:
    world = _world(live_server)
    org_id = world["org"]["$id"]
    page.emulate_media(color_scheme="light")
    _sign_in(page, "orgowner@example.com")

    # the organization page opens on its first tab
    page.goto("/organization")
    page.wait_for_url(re.compile(rf"/organization/{org_id}/general$"))
    tabs = page.get_by_role("navigation", name="Organization")
    for label in ("General", "Members", "Departments", "Security", "Audit"):
        assert tabs.get_by_role("link", name=label).is_visible()
    snap(page, "orgs-general-light")
    axe(page)
    _no_console_trouble(console)

    # the owner adds a member; the account is created and a welcome e-mail is queued
    tabs.get_by_role("link", name="Members").click()
    page.get_by_label("Full name").fill("Nina New")
    page.get_by_label("Email", exact=True).fill(MEMBER_EMAIL)
    page.get_by_label("Role", exact=True).select_option("MEMBER")
    page.get_by_role("button", name="Add member").click()
    page.wait_for_url(re.compile(rf"/organization/{org_id}/members$"))
    row = page.locator("li", has_text=MEMBER_EMAIL)
    assert row.get_by_text("Invited").is_visible()
    assert row.get_by_role("button", name="Resend welcome").is_visible()
    snap(page, "orgs-members-light")
    axe(page)
    _no_console_trouble(console)

    # search narrows the list in place (htmx)
    # (on a fresh page: axe leaves empty style attributes that htmx's settle step would copy)
    page.goto(f"/organization/{org_id}/members")
    page.get_by_label("Search members by name or e-mail").fill("nina")
    expect(page.locator("#orgs-members-list").get_by_text("orgowner@example.com")).to_have_count(0)
    assert page.locator("#orgs-members-list").get_by_text(MEMBER_EMAIL).is_visible()
    page.get_by_label("Search members by name or e-mail").fill("")
    _no_console_trouble(console)

    page.emulate_media(color_scheme="dark")
    page.goto(f"/organization/{org_id}/members")
    snap(page, "orgs-members-dark")
    axe(page)
    page.set_viewport_size({"width": 375, "height": 740})
    snap(page, "orgs-members-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")

    # departments, security and audit tabs render for the owner
    page.goto(f"/organization/{org_id}/departments")
    page.get_by_label("Name", exact=True).fill("Engineering")
    page.get_by_role("button", name="Create department").click()
    page.wait_for_url(re.compile(rf"/organization/{org_id}/departments/[a-z0-9]+$"))
    page.get_by_label("View Members").check()
    page.get_by_role("button", name="Save permissions").click()
    snap(page, "orgs-department-light")
    axe(page)
    page.goto(f"/organization/{org_id}/security")
    assert page.get_by_text("Password not chosen").is_visible()
    snap(page, "orgs-security-light")
    axe(page)
    page.goto(f"/organization/{org_id}/audit")
    assert page.locator("#orgs-audit-list").get_by_text("member added").first.is_visible()
    snap(page, "orgs-audit-light")
    axe(page)
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 740})
    snap(page, "orgs-audit-375-dark")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    _no_console_trouble(console)

    # the member opens the link from the e-mail in a signed-out browser
    link = _welcome_link(live_server, MEMBER_EMAIL)
    page.context.clear_cookies()
    page.goto(link)
    assert page.get_by_role("heading", name="Welcome to Keel").is_visible()
    snap(page, "orgs-first-login")
    axe(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/auth/set-password$"))
    # nothing else opens before the password is chosen
    page.goto("/")
    page.wait_for_url(re.compile(r"/auth/set-password$"))
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Save password and continue").click()
    assert page.get_by_text("at least 8", exact=False).first.is_visible()
    snap(page, "orgs-set-password-error")
    axe(page)
    page.get_by_label("New password").fill("nina's own password")
    page.get_by_role("button", name="Save password and continue").click()

    # the member accepts the terms for themself, then lands where a new member waits
    page.wait_for_url(re.compile(r"/legal$"))
    page.get_by_label("I accept the Terms of Service (version v1)").check()
    page.get_by_label("I accept the Data Processing Agreement (version v1)").check()
    page.get_by_role("button", name="Accept and continue").click()
    page.wait_for_url(lambda url: "/legal" not in url)

    # a plain member sees the organization but none of its management tabs
    page.goto("/organization")
    page.wait_for_url(re.compile(rf"/organization/{org_id}$"))
    assert page.get_by_text("ask an owner to add you to a department").is_visible()
    assert page.get_by_role("navigation", name="Organization").count() == 0
    snap(page, "orgs-member-overview")
    axe(page)
    response = page.goto(f"/organization/{org_id}/members")
    assert response is not None and response.status == 403
    response = page.goto(f"/organization/{org_id}/general")
    assert response is not None and response.status == 403

    # the link was single use
    page.context.clear_cookies()
    response = page.goto(link)
    assert response is not None and response.status == 410
    assert page.get_by_role("heading", name="This link has already been used.").is_visible()

    # and the password works
    _sign_in(page, MEMBER_EMAIL, "nina's own password")
    # (the 422, 403 and 410 answers above were expected)
    _no_console_trouble(console, expected_statuses=True)
