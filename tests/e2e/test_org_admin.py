"""The org ADMIN path in a real browser: an admin without any department manages members
and departments, and is refused (with the reason shown) what only owners may do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, accepted_org, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.orgs import departments

    store = live_server.app.extensions["keel.runtime"].store
    now = datetime.now(UTC)
    owner = live_server.make_user("adm-owner@example.com", PASSWORD, name="Otto Owner")
    org = accepted_org(store, owner, "Admin Co")
    rows = {}
    for email, name, role in (("adm-admin@example.com", "Ada Admin", "ADMIN"),
                              ("adm-mia@example.com", "Mia Member", "MEMBER")):
        user = live_server.make_user(email, PASSWORD, name=name)
        store.update("users", user["$id"], {"primary_organization_id": org["$id"],
                                            "account_type": "ORG"})
        rows[name] = store.create("organization_members", {
            "organization_id": org["$id"], "user_id": user["$id"], "role": role,
            "status": "ACTIVE", "name": name, "email": email, "joined_at": now})
    finance = departments.create_department(store, Acting.of(owner), org["$id"],
                                            name="Finance",
                                            permissions=["org.billing.manage"])
    return {"org": org, "finance": finance, "mia": rows["Mia Member"]}


def test_admin_manages_people_and_is_told_what_only_owners_may_do(
        page: Any, console: ConsoleLog, live_server: LiveServer, snap: Any, axe: Any) -> None:
    world = _world(live_server)
    org_url = f"/organization/{world['org']['$id']}"
    sign_in(page, "adm-admin@example.com")

    # the Members tab opens without any department (the ADMIN role's own keys)
    page.goto(f"{org_url}/members")
    assert page.get_by_role("heading", name="Members").first.is_visible()
    assert page.get_by_text("Mia Member").first.is_visible()
    page.get_by_label("Role of Mia Member").select_option("MODERATOR")
    page.get_by_role("button", name="Save role").first.click()
    page.wait_for_load_state()
    assert page.get_by_label("Role of Mia Member").input_value() == "MODERATOR"
    snap(page, "org-admin-members")
    axe(page)

    # departments: the admin may open and edit them ...
    page.goto(f"{org_url}/departments/{world['finance']['$id']}")
    assert page.get_by_role("heading", name="Finance").first.is_visible()
    # ... but not hand anyone the billing key Finance carries
    page.get_by_label("Add a member").select_option(world["mia"]["$id"])
    page.get_by_role("button", name="Add to department").click()
    page.wait_for_load_state()
    refusal = page.get_by_text("grants Manage Billing, which you do not hold yourself")
    assert refusal.first.is_visible()
    snap(page, "org-admin-department-refused")

    # the organization's settings (rename, delete) stay with owners: 403, explained
    response = page.goto(f"{org_url}/general")
    assert response is not None and response.status == 403
    assert page.get_by_text("“Manage Settings” permission").first.is_visible()
    assert page.get_by_text("Ask an owner of the organization").first.is_visible()
    snap(page, "org-admin-general-403")
    assert not console.csp_violations, console.csp_violations
