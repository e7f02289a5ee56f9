"""Set-up shared by the browser tests: signing in, and an organization (terms accepted) with
a workspace and a project, made through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

PASSWORD = "correct horse battery"


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login page and wait until it has moved on."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def accepted_org(store: Any, owner: dict[str, Any], name: str) -> dict[str, Any]:
    """An organization owned by ``owner`` whose terms are accepted."""
    from webapp.audit import Acting
    from webapp.features.orgs.service import create_organization

    org = create_organization(store, Acting.of(owner), owner_id=owner["$id"], name=name)
    store.update("organizations", org["$id"], {"legal_version": "v1",
                                               "legal_accepted_at": datetime.now(UTC),
                                               "legal_accepted_by": owner["$id"]})
    return dict(org)


def org_workspace(store: Any, owner: dict[str, Any], *, org: str,
                  workspace: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``accepted_org`` plus a workspace of it owned by ``owner``: (org, workspace)."""
    from webapp.audit import Acting
    from webapp.features.workspaces.service import create_workspace

    made = accepted_org(store, owner, org)
    ws = create_workspace(store, Acting.of(owner), owner_id=owner["$id"], name=workspace,
                          organization_id=made["$id"])
    return made, dict(ws)


def project_with_workflow(store: Any, owner: dict[str, Any], workspace_id: str, *, name: str,
                          key: str) -> dict[str, Any]:
    """A project of the workspace that has its workflow attached (as stored now)."""
    from webapp.audit import Acting
    from webapp.features.projects.service import create_project
    from webapp.features.workflows.service import attach_default_workflow

    project = create_project(store, Acting.of(owner), workspace_id, creator_id=owner["$id"],
                             name=name, key=key)
    if not store.get("projects", project["$id"]).get("workflow_id"):
        attach_default_workflow(store, Acting.of(owner), project)
    return dict(store.get("projects", project["$id"]))


def drag_card(page: Any, source: Any, target: Any) -> None:
    """SortableJS needs real pointer moves: press, move in small steps, release."""
    source.scroll_into_view_if_needed()
    box, goal = source.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10,
                    steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 20, steps=20)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 24, steps=5)
    page.mouse.up()
