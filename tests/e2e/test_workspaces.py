"""Workspaces in a real browser: an owner creates a workspace and adds an org member as a
viewer; the viewer sees no edit controls and a direct POST is refused with 403."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, accepted_org, org_workspace, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _no_console_trouble(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)


def _sign_out(page: Any) -> None:
    page.context.clear_cookies()


def _world(live_server: LiveServer) -> dict[str, Any]:
    """An organization (terms accepted) whose owner already has a first workspace, and
    one more organization member who has none yet."""
    from webapp.audit import Acting
    from webapp.features.workspaces.service import create_workspace

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("wsowner@example.com", PASSWORD, name="Olive Owner")
    viewer = live_server.make_user("wsviewer@example.com", PASSWORD, name="Vera Viewer",
                                   account_type="ORG")
    org = accepted_org(store, owner, "Acme")
    store.create("organization_members", {
        "organization_id": org["$id"], "user_id": viewer["$id"], "role": "MEMBER",
        "status": "ACTIVE", "name": viewer["name"], "email": viewer["email"],
        "joined_at": datetime.now(UTC),
    })
    store.update("users", viewer["$id"], {"primary_organization_id": org["$id"]})
    create_workspace(store, Acting.of(owner), owner_id=owner["$id"], name="Default",
                     organization_id=org["$id"])
    return {"owner": owner, "viewer": viewer, "org": org}


def test_owner_adds_a_viewer_who_cannot_edit(page: Any, console: ConsoleLog,
                                             live_server: LiveServer, snap: Any,
                                             axe: Any) -> None:
    _world(live_server)
    page.emulate_media(color_scheme="light")
    sign_in(page, "wsowner@example.com")

    # the owner creates a workspace
    page.goto("/workspaces/new")
    page.get_by_label("Workspace name").fill("Engineering")
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url(re.compile(r"/w/[a-z0-9]+$"))
    workspace_url = page.url
    assert page.get_by_role("heading", level=1, name="Engineering").is_visible()
    assert page.get_by_text("No projects yet").is_visible()
    snap(page, "workspace-home-light")
    axe(page)

    # adds the org member as a viewer
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Members").click()
    page.get_by_label("Organization member").select_option(
        label="Vera Viewer <wsviewer@example.com>")
    page.get_by_label("Role", exact=True).select_option("WS_VIEWER")
    page.get_by_role("button", name="Add member").click()
    member = page.locator(".ws-list__item", has_text="Vera Viewer")
    assert member.is_visible()
    snap(page, "workspace-members-light")
    axe(page)

    # settings in dark mode and on a narrow screen
    page.emulate_media(color_scheme="dark")
    page.goto(workspace_url + "/settings")
    assert page.get_by_role("button", name="Save settings").is_visible()
    snap(page, "workspace-settings-dark")
    axe(page)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(workspace_url + "/members")
    snap(page, "workspace-members-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    _no_console_trouble(console)

    # the viewer sees the workspace without any edit control
    _sign_out(page)
    sign_in(page, "wsviewer@example.com")
    page.goto(workspace_url)
    assert page.get_by_role("heading", level=1, name="Engineering").is_visible()
    tabs = page.get_by_role("navigation", name="Workspace")
    assert tabs.get_by_role("link", name="Settings").count() == 0
    page.goto(workspace_url + "/members")
    assert page.get_by_role("button", name="Add member").count() == 0
    assert page.get_by_role("button", name="Remove").count() == 0
    assert page.get_by_role("button", name="Create role").count() == 0
    snap(page, "workspace-members-viewer")

    # and a direct POST (with a valid CSRF token) is refused
    token = page.locator("body").get_attribute("hx-headers")
    assert token and "X-CSRFToken" in token
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', token).group(1)  # type: ignore[union-attr]
    response = page.request.post(workspace_url + "/settings",
                                 form={"csrf_token": csrf, "name": "Hijacked"},
                                 headers={"Origin": live_server.url})
    assert response.status == 403
    page.goto(workspace_url + "/settings")
    assert page.get_by_text("Error 403").is_visible()
    page.goto(workspace_url)
    assert page.get_by_role("heading", level=1, name="Engineering").is_visible()


def test_spaces_and_project_access_pages(page: Any, console: ConsoleLog,
                                         live_server: LiveServer, snap: Any, axe: Any) -> None:
    from webapp.audit import Acting
    from webapp.features.projects.service import create_project
    from webapp.features.spaces.service import create_space

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("spaces@example.com", PASSWORD, name="Sam Spaces")
    _org, ws = org_workspace(store, owner, org="Sams", workspace="Product")
    create_space(store, Acting.of(owner), ws["$id"], creator_id=owner["$id"], name="Platform",
                 key="PLAT", description="Shared services")
    create_project(store, Acting.of(owner), ws["$id"], creator_id=owner["$id"], name="Website",
                   key="WEB")
    page.emulate_media(color_scheme="light")
    sign_in(page, "spaces@example.com")

    page.goto(f"/w/{ws['$id']}/spaces")
    page.get_by_label("Name", exact=True).fill("Design")
    page.get_by_label("Key", exact=True).fill("des")
    page.get_by_label("Visibility").select_option("PRIVATE")
    page.get_by_role("button", name="Create space").click()
    page.wait_for_url(re.compile(r"/spaces/[a-z0-9]+$"))
    assert page.get_by_role("heading", name="Design").is_visible()
    snap(page, "space-show-light")
    axe(page)
    page.goto(f"/w/{ws['$id']}/spaces")
    snap(page, "spaces-list-light")

    page.goto(f"/w/{ws['$id']}/projects")
    page.get_by_role("link", name="Website").click()  # opens the project's board
    page.get_by_role("link", name="Members & teams").click()
    page.get_by_label("Team name").fill("Core")
    page.get_by_role("button", name="Create team").click()
    assert page.locator("#teams").get_by_text("Core").first.is_visible()
    snap(page, "project-members-light")
    axe(page)
    page.get_by_role("link", name="Roles & permissions").click()
    page.locator("#new-role").get_by_label("Role name").fill("Reviewer")
    page.locator("#new-role").get_by_label("View Project").check()
    page.locator("#new-role").get_by_role("button", name="Create role").click()
    matrix = page.locator("#matrix")
    assert matrix.get_by_role("columnheader", name="Reviewer").is_visible()
    assert matrix.get_by_label("View Project for OWNER").is_disabled()
    matrix.get_by_label("View Work Items for Reviewer").check()
    matrix.get_by_role("button", name="Save permissions").click()
    assert page.locator("#matrix").get_by_label("View Work Items for Reviewer").is_checked()
    page.emulate_media(color_scheme="dark")
    snap(page, "project-roles-dark")
    axe(page)
    page.set_viewport_size({"width": 375, "height": 800})
    snap(page, "project-roles-375")
    _no_console_trouble(console)
