"""Onboarding in a real browser: organization path (details → skip → /welcome) and the
personal path (→ first workspace), on light, dark and narrow screens."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/onboarding")


def _no_console_trouble(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    errors = [e for e in console.errors if "status of 422" not in e]  # the invalid form post
    assert not errors, "\n".join(errors)


def test_organization_owner_skips_the_workspace(page: Any, console: ConsoleLog,
                                                live_server: LiveServer, snap: Any,
                                                axe: Any) -> None:
    live_server.make_user("owner-e2e@example.com", PASSWORD, name="Olive Owner")
    page.emulate_media(color_scheme="light")
    _sign_in(page, "owner-e2e@example.com")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your account"
    snap(page, "onboarding-type-light")
    axe(page)
    page.get_by_text("Organization", exact=True).click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/onboarding")

    # a mistake first: the messages show at the fields, nothing is created
    page.get_by_label("Organization name").fill("A")
    page.get_by_role("button", name="Create organization").click()
    assert page.get_by_text("Use at least 2 characters.").is_visible()
    snap(page, "onboarding-org-errors-light")
    axe(page)

    page.get_by_label("Organization name").fill("Initech")
    page.get_by_label("Organization size").select_option("11-50")
    page.get_by_label("on behalf of this organization").check()
    page.emulate_media(color_scheme="dark")
    snap(page, "onboarding-org-dark")
    axe(page)
    page.get_by_role("button", name="Create organization").click()
    page.wait_for_url("**/onboarding")
    assert page.get_by_role("heading", name="Create your first workspace").is_visible()
    page.set_viewport_size({"width": 375, "height": 740})
    snap(page, "onboarding-workspace-375")
    axe(page)
    page.get_by_role("button", name="Skip for now").click()
    page.wait_for_url("**/welcome")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to Initech"
    snap(page, "welcome-375-dark")
    axe(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    snap(page, "welcome-light")
    # the way back to onboarding is closed; home lands on /welcome
    page.goto("/onboarding")
    assert page.url.endswith("/welcome")
    page.goto("/")
    assert page.url.endswith("/welcome")
    _no_console_trouble(console)


def test_personal_account_creates_its_workspace(page: Any, console: ConsoleLog,
                                                live_server: LiveServer, snap: Any,
                                                axe: Any) -> None:
    live_server.make_user("personal-e2e@example.com", PASSWORD, name="Pat Personal")
    _sign_in(page, "personal-e2e@example.com")
    page.get_by_text("Personal", exact=True).click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/onboarding")
    assert page.get_by_role("heading", name="Create your first workspace").is_visible()
    assert not page.get_by_role("button", name="Skip for now").is_visible()
    snap(page, "onboarding-personal-light")
    axe(page)
    page.get_by_label("Workspace name").fill("Side project")
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url("**/w/*")
    assert "Side project" in page.content()
    page.goto("/onboarding")
    assert not page.url.endswith("/onboarding")
    page.goto("/account/convert")
    assert page.get_by_role("heading", name="Upgrade to an organization").is_visible()
    snap(page, "account-convert-light")
    axe(page)
    page.goto("/account/delete")
    page.set_viewport_size({"width": 375, "height": 740})
    snap(page, "account-delete-375")
    axe(page)
    _no_console_trouble(console)


def test_member_is_held_until_the_owner_accepts_the_terms(browser: Any, live_server: LiveServer,
                                                         snap: Any, axe: Any) -> None:
    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("legal-owner@example.com", PASSWORD, name="Olive Owner",
                                  account_type="ORG")
    member = live_server.make_user("legal-member@example.com", PASSWORD, name="Max Member",
                                   account_type="ORG")
    org = store.create("organizations", {"name": "Umbrella", "owner_id": owner["$id"]})
    for user, role in ((owner, "OWNER"), (member, "MEMBER")):
        store.create("organization_members", {"organization_id": org["$id"],
                                              "user_id": user["$id"], "role": role})
        store.update("users", user["$id"], {"primary_organization_id": org["$id"]})
    contexts = [browser.new_context(base_url=live_server.url) for _ in range(2)]
    try:
        member_page, owner_page = (c.new_page() for c in contexts)
        for page, email in ((member_page, "legal-member@example.com"),
                            (owner_page, "legal-owner@example.com")):
            page.goto("/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/legal")
        assert member_page.get_by_role("heading", name="Waiting for your organization").is_visible()
        snap(member_page, "legal-held-member")
        axe(member_page)
        snap(owner_page, "legal-owner")
        axe(owner_page)
        owner_page.get_by_label("I accept the Terms of Service (version v1)").check()
        owner_page.get_by_label("I accept the Data Processing Agreement (version v1)").check()
        owner_page.get_by_label("Accept both on behalf of my organization").check()
        owner_page.get_by_role("button", name="Accept and continue").click()
        owner_page.wait_for_url("**/welcome")
        member_page.reload()
        member_page.wait_for_url("**/welcome")
        assert "Welcome to Umbrella" in member_page.content()
    finally:
        for context in contexts:
            context.close()
