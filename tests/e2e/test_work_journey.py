"""The work-management journey in Chromium, end to end through the UI.

In an organization workspace Ada (workspace editor) creates project WEB, its work items (the
new-item page and quick create on the board), restricts the "Approve" transition
(In Review → Done) to project admins and adds Bob as a project member. Bob drags cards across
columns (the allowed move persists; the restricted one snaps back and says why), filters and
bulk-edits the table, and finds an item with the `/` search. Cleo, a project viewer, sees a
read-only board, table and item page, and a forged move is answered 403.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, drag_card, org_workspace, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ADA, BOB, CLEO = "ada.journey@example.com", "bob.journey@example.com", "cleo.journey@example.com"


def _store(live_server: LiveServer) -> Any:
    return live_server.app.extensions["keel.runtime"].store


def _world(live_server: LiveServer) -> dict[str, Any]:
    """Organization "Journey Co" (terms accepted) with workspace "Product": Ada is a
    workspace editor, Bob and Cleo workspace viewers. No project yet."""
    from webapp.audit import Acting
    from webapp.features.workspaces.service import add_member_from_org

    store = _store(live_server)
    olga = live_server.make_user("olga.journey@example.com", PASSWORD, name="Olga Owner")
    org, ws = org_workspace(store, olga, org="Journey Co", workspace="Product")
    people = {}
    for email, name, role in ((ADA, "Ada Lovelace", "WS_EDITOR"), (BOB, "Bob Builder", "WS_VIEWER"),
                              (CLEO, "Cleo Viewer", "WS_VIEWER")):
        user = live_server.make_user(email, PASSWORD, name=name, account_type="ORG")
        row = store.create("organization_members", {
            "organization_id": org["$id"], "user_id": user["$id"], "role": "MEMBER",
            "status": "ACTIVE", "name": name, "email": email, "joined_at": datetime.now(UTC),
        })
        store.update("users", user["$id"], {"primary_organization_id": org["$id"]})
        add_member_from_org(store, Acting.of(olga), ws["$id"], row["$id"], role)
        people[email] = store.get("users", user["$id"])
    return {"ws": ws, "people": people}


def _sign_in(page: Any, email: str) -> None:
    page.context.clear_cookies()  # sign the previous person out
    sign_in(page, email)


def _wait_status(live_server: LiveServer, item_id: str, status: str) -> None:
    store = _store(live_server)
    deadline = time.monotonic() + 5
    while store.get("work_items", item_id)["status"] != status and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.get("work_items", item_id)["status"] == status


def _csrf(page: Any) -> str:
    return str(json.loads(page.get_attribute("body", "hx-headers"))["X-CSRFToken"])


def _expected_refusals(console: ConsoleLog, *codes: int) -> None:
    """Drop the lines the browser and htmx log for error answers we provoked."""
    marks = [m for c in codes for m in (f"status of {c}", f"Error Code {c} ")]
    console.errors[:] = [e for e in console.errors if not any(m in e for m in marks)]


def test_member_journey_and_read_only_viewer(page: Any, console: ConsoleLog,
                                             live_server: LiveServer, snap: Any) -> None:
    from webapp.storage.query import Query

    store = _store(live_server)
    world = _world(live_server)
    ws_id = world["ws"]["$id"]
    page.emulate_media(color_scheme="light")
    # tall enough that no card sits at the viewport's edge, where Sortable would scroll mid-drag
    page.set_viewport_size({"width": 1280, "height": 1000})

    # -- Ada creates project WEB ------------------------------------------------------
    _sign_in(page, ADA)
    page.goto(f"/w/{ws_id}/projects")
    form = page.locator("#new-project")
    form.get_by_label("Name").fill("Website")
    form.get_by_label("Key").fill("WEB")
    form.get_by_label("Board type").select_option("KANBAN")
    form.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/projects/[^/]+/board$"))
    project = store.first("projects", [Query.equal("workspace_id", ws_id),
                                       Query.equal("key", "WEB")])
    assert project and project["workflow_id"]
    base = f"/w/{ws_id}/projects/{project['$id']}"

    # -- her first item on the new-item page, three more by quick create on the board ----
    page.goto(f"{base}/items/new")
    page.get_by_label("Title").fill("Checkout button misaligned")
    page.get_by_label("Type").select_option("BUG")
    page.get_by_label("Priority").select_option("HIGH")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(lambda url: "/items/" in url and not url.endswith("/new"))
    page.goto(f"{base}/board")
    for title in ("Payment provider timeout", "Wishlist sharing", "Refund e-mails"):
        page.locator("#quick-TODO").fill(title)
        page.locator("#quick-TODO").press("Enter")
        page.locator("#list-TODO .board-card", has_text=title).wait_for()
    expect(page.locator("#col-head-TODO [data-count]")).to_have_text("4")
    items = {d["title"]: d for d in store.list("work_items", [
        Query.equal("project_id", project["$id"]), Query.limit(50)]).documents}
    assert sorted(d["key"] for d in items.values()) == ["WEB-1", "WEB-2", "WEB-3", "WEB-4"]
    snap(page, "journey-ada-board")

    # -- she restricts In Review → Done ("Approve") to project admins -------------------
    page.goto(f"{base}/workflow")
    page.get_by_role("link", name="Edit this workflow").click()
    page.wait_for_url(re.compile(rf"/workflows/{project['workflow_id']}$"))
    approve = page.locator("#workflow-transitions .wf-list__item").filter(
        has=page.locator("strong", has_text=re.compile(r"^Approve$")))
    approve.locator("summary").click()
    approve.get_by_label("Allowed roles").select_option(["PROJECT_ADMIN"])
    approve.get_by_role("button", name="Save transition").click()
    page.get_by_text("Transition saved.").wait_for()
    rule = store.first("workflow_transitions", [
        Query.equal("workflow_id", project["workflow_id"]), Query.equal("name", "Approve")])
    assert rule["allowed_roles"] == ["PROJECT_ADMIN"]
    snap(page, "journey-ada-workflow")

    # -- and adds Bob as a member, Cleo as a viewer ------------------------------------
    page.goto(f"{base}/members")
    for name, role in (("Bob Builder", "Member"), ("Cleo Viewer", "Viewer")):
        add = page.locator("form", has=page.get_by_role("button", name="Add member"))
        add.locator("select[name=user_id]").select_option(label=name)
        add.locator("select[name=role_id]").select_option(label=role)
        add.get_by_role("button", name="Add member").click()
        page.get_by_text("Member added to the project.").wait_for()
    members = page.locator(".card").first
    expect(members.get_by_text("Bob Builder")).to_be_visible()
    expect(members.get_by_text("Cleo Viewer")).to_be_visible()

    # -- Bob drags a card To Do → Assigned (allowed; it stays there after a reload) ------
    _sign_in(page, BOB)
    page.goto(f"{base}/board")
    payment = items["Payment provider timeout"]["$id"]
    card = f"#card-{payment}"
    drag_card(page, page.locator(card), page.locator("#list-ASSIGNED"))
    _wait_status(live_server, payment, "ASSIGNED")
    expect(page.locator("#col-head-ASSIGNED [data-count]")).to_have_text("1")
    page.reload()
    expect(page.locator(f"#list-ASSIGNED {card}")).to_be_visible()
    assert page.locator("#col-head-TODO [data-count]").inner_text().strip() == "3"

    # Assigned → In Review is open to members too
    drag_card(page, page.locator(card), page.locator("#list-IN_REVIEW"))
    _wait_status(live_server, payment, "IN_REVIEW")
    page.wait_for_selector(f"#list-IN_REVIEW {card}")
    expect(page.locator(card)).to_have_attribute("data-version", "3")

    # In Review → Done is for admins only: the card snaps back and the board says why
    drag_card(page, page.locator(card), page.locator("#list-DONE"))
    notice = page.locator("#board-notice [data-refusal]")
    try:
        notice.wait_for()
    except PlaywrightTimeout:
        pytest.fail("the refused move showed no reason (the card should snap back to In Review); "
                    "browser console:\n" + "\n".join(console.errors))
    assert notice.get_attribute("data-refusal") == "ROLE_NOT_ALLOWED"
    assert "limited to these roles: Admin" in notice.inner_text()
    page.wait_for_selector(f"#list-IN_REVIEW {card}")
    assert page.locator(f"#list-DONE {card}").count() == 0
    assert store.get("work_items", payment)["status"] == "IN_REVIEW"
    snap(page, "journey-bob-refused")
    _expected_refusals(console, 403, 409)

    # -- Bob filters the table: status To Do and priority Medium ------------------------
    page.goto(f"{base}/table")
    rows = page.locator("#table-view tbody tr[data-row]")
    expect(rows).to_have_count(4)
    page.locator("summary", has_text="Status").click()
    page.get_by_label("To Do", exact=True).check()
    page.wait_for_url(re.compile(r"status=TODO"))
    expect(rows).to_have_count(3)
    page.locator("summary", has_text="Priority").click()
    page.get_by_label("Medium", exact=True).check()
    page.wait_for_url(re.compile(r"(?=.*status=TODO)(?=.*priority=MEDIUM)"))
    expect(rows).to_have_count(2)
    page.reload()  # the URL is the view
    keys = [k.strip() for k in page.locator("#table-view tbody .tbl-key").all_inner_texts()]
    assert sorted(keys) == ["WEB-3", "WEB-4"]
    expect(page.locator(".tbl-chip", has_text="Priority: Medium")).to_be_visible()
    snap(page, "journey-bob-table-filtered")

    # bulk edit: both to Urgent, with the confirmation step and per-item results
    page.get_by_label("Select WEB-3").check()
    page.get_by_label("Select WEB-4").check()
    assert page.locator("[data-bulk-count]").inner_text() == "2 selected"
    page.locator("#bulk-op").select_option("priority:URGENT")
    page.get_by_role("button", name="Review…").click()
    page.wait_for_url(re.compile(r"/table/bulk$"))
    expect(page.get_by_role("heading", name=re.compile(r"Set priority: Urgent — 2 items\?"))
           ).to_be_visible()
    assert store.get("work_items", items["Wishlist sharing"]["$id"])["priority"] == "MEDIUM"
    snap(page, "journey-bob-bulk-confirm")
    page.get_by_role("button", name="Apply to 2 items").click()
    expect(page.get_by_role("heading", name=re.compile(r"2 of 2 items changed"))).to_be_visible()
    expect(page.locator("[data-result=ok]")).to_have_count(2)
    snap(page, "journey-bob-bulk-results")
    for title in ("Wishlist sharing", "Refund e-mails"):
        assert store.get("work_items", items[title]["$id"])["priority"] == "URGENT"
    page.get_by_role("link", name="Back to the table").click()
    page.wait_for_url(re.compile(r"(?=.*status=TODO)(?=.*priority=MEDIUM)"))
    expect(rows).to_have_count(0)  # they are Urgent now

    # -- `/` search: live results, open the item ----------------------------------------
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") == "header-search"
    page.keyboard.type("refund")
    result = page.locator("#search-live [data-search-result]", has_text="Refund e-mails")
    result.wait_for()
    snap(page, "journey-bob-search")
    result.click()
    refund = items["Refund e-mails"]["$id"]
    page.wait_for_url(re.compile(rf"/projects/{project['$id']}/items/{refund}$"))
    assert page.locator("#item-title-input").input_value() == "Refund e-mails"

    # -- Cleo (project viewer) reads everything and changes nothing ---------------------
    _sign_in(page, CLEO)
    page.goto(f"{base}/board")
    board = page.locator("#board-body")
    assert board.get_attribute("data-can-move") == "false"
    expect(page.get_by_text("Read-only board")).to_be_visible()
    expect(page.locator(card)).to_be_visible()
    assert page.locator("[data-move-open], .board-quick, [data-quick-input], "
                        "#board-move-dialog").count() == 0
    before = store.get("work_items", payment)
    drag_card(page, page.locator(card), page.locator("#list-TODO"))
    page.wait_for_timeout(300)
    assert page.locator(f"#list-IN_REVIEW {card}").count() == 1
    snap(page, "journey-cleo-board")

    page.goto(f"{base}/table")
    expect(rows).to_have_count(4)
    assert page.locator("#bulk-form, #bulk-op, .tbl-check, "
                        "#table-view input[type=checkbox][name=ids]").count() == 0
    snap(page, "journey-cleo-table")

    page.goto(f"{base}/items/{refund}")
    expect(page.get_by_role("heading", name="Refund e-mails")).to_be_visible()
    status = page.locator(".item__side .prop").filter(has_text="Status")
    expect(status.locator(".prop__value")).to_have_text("To Do")
    assert page.locator("#item form.prop, #item-title-input, [data-autosave], "
                        "[data-sortable-checklist]").count() == 0
    snap(page, "journey-cleo-item")

    # a forged move and a forged edit with Cleo's own valid CSRF token: 403, nothing written
    token = _csrf(page)
    moved = page.request.post(f"{base}/board/move", headers={"X-CSRFToken": token},
                              form={"item_id": payment, "to_status": "TODO",
                                    "version": str(before["version"])})
    assert moved.status == 403, moved.status
    edited = page.request.post(f"{base}/items/{refund}/edit", headers={"X-CSRFToken": token},
                               form={"fields": "priority", "priority": "LOW",
                                     "version": str(store.get("work_items", refund)["version"])})
    assert edited.status == 403, edited.status
    after = store.get("work_items", payment)
    assert (after["status"], after["version"]) == ("IN_REVIEW", before["version"])
    assert store.get("work_items", refund)["priority"] == "URGENT"

    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)
