"""The API token page and the API reference in a real browser: create a token (shown
once), call the API with it, revoke it; the reference renders at 360 px in dark mode."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.conftest import ConsoleLog, LiveServer
from e2e.helpers import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _me(live_server: LiveServer, secret: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{live_server.url}/api/v1/me",
                                     headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_create_use_and_revoke_a_token(page: Any, console: ConsoleLog, live_server: LiveServer,
                                       snap: Any, axe: Any) -> None:
    live_server.make_user("tokens@example.com", PASSWORD, name="Tom Token",
                          workspace="Tokens")
    page.emulate_media(color_scheme="light")
    sign_in(page, "tokens@example.com")
    page.goto("/account/sessions")
    page.goto("/account/profile")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(f"{live_server.url}/account/tokens")
    page.get_by_label("Name").fill("Release script")
    page.get_by_label("Write — create, update and delete work").check()
    page.get_by_role("button", name="Create token").click()
    secret_box = page.locator("#api-secret-value")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("keel_")
    expect(page.locator(".api-token").first).to_contain_text("Release script")
    snap(page, "api-tokens-created")
    axe(page)
    status, body = _me(live_server, secret)
    assert status == 200 and body["email"] == "tokens@example.com"
    assert body["token"]["scopes"] == ["read", "write"]
    page.reload()
    expect(page.locator("#api-secret-value")).to_have_count(0)  # shown once
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".api-token").first).to_contain_text("Revoked")
    status, body = _me(live_server, secret)
    assert status == 401 and body["code"] == "token_revoked"
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme="dark")
    snap(page, "api-tokens-dark-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not console.csp_violations and not console.errors


def test_the_reference_page(page: Any, console: ConsoleLog, live_server: LiveServer,
                            snap: Any) -> None:
    page.goto("/api/docs")
    expect(page.get_by_role("heading", name="Work items")).to_be_visible()
    page.locator("#op-update_item summary").click()
    expect(page.locator("#op-update_item")).to_contain_text("If-Match")
    snap(page, "api-docs")
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme="dark")
    snap(page, "api-docs-dark-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not console.csp_violations and not console.errors
