"""General settings, deletion and restore, departments, security, audit and first login."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from webapp.features.orgs import accounts, departments, service
from webapp.storage.mail import read_outbox
from webapp.storage.query import Query

from .conftest import acting, add_member, make_user
from .test_orgs_routes import make_org, url
from .web import client_for, csrf, post, text


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store


@pytest.fixture
def org(store: Any, owner: dict[str, Any]) -> dict[str, Any]:
    return make_org(store, owner, "Acme Corp")


BADGE = '<span class="badge">{}</span>'


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 300), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# -- general -------------------------------------------------------------------------------
def test_general_settings_with_a_logo(app, store, owner, org):
    client = client_for(app, owner)
    response = post(client, url(org, "/general"), url(org, "/general"),
                    {"name": "Acme Inc", "domain": "acme.example",
                     "logo": (io.BytesIO(_png()), "logo.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    saved = store.get("organizations", org["$id"])
    assert (saved["name"], saved["domain"]) == ("Acme Inc", "acme.example")
    logo = client.get(url(org, "/logo"))
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert Image.open(io.BytesIO(logo.data)).size == (256, 128)


def test_general_settings_bad_input(app, store, owner, org):
    client = client_for(app, owner)
    response = post(client, url(org, "/general"), url(org, "/general"),
                    {"name": "A", "domain": "nope", "logo": (io.BytesIO(b"not an image"), "x.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    body = text(response)
    assert "not an image Keel can read" in body
    assert store.get("organizations", org["$id"])["name"] == "Acme Corp"
    response = post(client, url(org, "/general"), url(org, "/general"),
                    {"name": "A", "domain": "nope"})
    assert response.status_code == 422
    assert "Use at least 2 characters." in text(response)
    assert "Enter a domain such as example.com." in text(response)
    assert client.get(url(org, "/logo")).status_code == 404


# -- deletion ------------------------------------------------------------------------------
def test_owner_deletes_and_restores(app, store, owner, org):
    client = client_for(app, owner)
    wrong = post(client, url(org, "/general"), url(org, "/delete"), {"confirm_name": "acme"})
    assert wrong.status_code == 422
    assert "exactly" in text(wrong)
    token = csrf(client, url(org, "/general"))
    done = client.post(url(org, "/delete"), data={"csrf_token": token,
                                                  "confirm_name": "Acme Corp"})
    assert done.status_code == 303
    assert store.get("organizations", org["$id"])["deleted_at"] is not None
    assert client.get(url(org, "/general")).status_code in (302, 404)
    page = client.get("/account/organizations/deleted")
    assert "Restore Acme Corp" in text(page)
    restore = f"/account/organizations/{org['$id']}/restore"
    restored = client.post(restore, data={"csrf_token": token})
    assert restored.status_code == 303
    assert store.get("organizations", org["$id"])["deleted_at"] is None


def test_only_owners_delete_or_restore(app, store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    dept = departments.create_department(store, acting(owner), org["$id"], name="Settings",
                                         permissions=["org.settings.manage"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"],
                                      admin["$id"])
    client = client_for(app, store.get("users", admin["user_id"]))
    page = text(client.get(url(org, "/general")))
    assert "Delete organization" not in page
    refused = post(client, url(org, "/general"), url(org, "/delete"),
                   {"confirm_name": "Acme Corp"})
    assert refused.status_code == 403
    token = csrf(client, url(org, "/general"))
    from webapp.features.orgs import deletion

    deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="Acme Corp")
    restore = f"/account/organizations/{org['$id']}/restore"
    assert client.post(restore, data={"csrf_token": token}).status_code == 404


# -- departments ---------------------------------------------------------------------------
def test_departments_crud_members_and_permissions(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    client = client_for(app, owner)
    created = post(client, url(org, "/departments"), url(org, "/departments"),
                   {"name": "Engineering", "description": "Builders", "color": "blue"})
    assert created.status_code == 303
    dept = store.first("departments", [Query.equal("name", "Engineering")])
    page = url(org, f"/departments/{dept['$id']}")
    assert created.headers["Location"].endswith(page)
    assert post(client, page, page + "/members", {"member_id": bob["$id"]}).status_code == 303
    assert post(client, page, page + "/permissions",
                {"permissions": ["org.members.view", "org.audit.view"]}).status_code == 303
    assert {k.value for k in departments.member_permissions(store, org["$id"],
                                                             bob["user_id"])} == {
        "org.members.view", "org.audit.view"}
    child = post(client, url(org, "/departments"), url(org, "/departments"),
                 {"name": "Web", "parent_department_id": dept["$id"]})
    assert child.status_code == 303
    web = store.first("departments", [Query.equal("name", "Web")])
    cycle = post(client, page, page, {"name": "Engineering",
                                      "parent_department_id": web["$id"]})
    assert cycle.status_code == 422
    assert "inside itself" in text(cycle)
    duplicate = post(client, url(org, "/departments"), url(org, "/departments"),
                     {"name": "Engineering"})
    assert duplicate.status_code == 422
    assert post(client, page, page + f"/members/{bob['$id']}/remove").status_code == 303
    assert post(client, page, page + "/delete").status_code == 303
    assert store.find("departments", dept["$id"]) is None
    assert client.get(page).status_code == 404


def test_departments_tab_needs_the_key(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    client = client_for(app, store.get("users", bob["user_id"]))
    assert client.get(url(org, "/departments")).status_code == 403


def test_department_editor_cannot_grant_keys_it_lacks(app, store, owner, org):
    manager = add_member(store, org, owner, "manager@example.com", "ADMIN")
    dept = departments.create_department(store, acting(owner), org["$id"], name="Ops",
                                         permissions=["org.departments.manage"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"],
                                      manager["$id"])
    client = client_for(app, store.get("users", manager["user_id"]))
    page = url(org, f"/departments/{dept['$id']}")
    response = post(client, page, page + "/permissions",
                    {"permissions": ["org.departments.manage", "org.billing.manage"]})
    assert response.status_code == 403
    assert "only grant permissions you hold" in text(response)


# -- security and audit --------------------------------------------------------------------
def test_security_tab(app, store, owner, org):
    add_member(store, org, owner, "pending@example.com", activate=False)
    client = client_for(app, owner)
    body = text(client.get(url(org, "/security")))
    assert "members with two-factor sign-in" in body
    assert "pending@example.com" in body and "Password not chosen" in body


def test_audit_tab_filters_and_pages(app, store, owner, org, monkeypatch):
    from webapp.features.orgs import routes_activity

    for n in range(3):
        add_member(store, org, owner, f"m{n}@example.com")
    client = client_for(app, owner)
    body = text(client.get(url(org, "/audit")))
    assert BADGE.format("member added") in body
    assert BADGE.format("organization created") in body
    only = text(client.get(url(org, "/audit?action=organization_created")))
    assert BADGE.format("member added") not in only
    monkeypatch.setattr(routes_activity, "AUDIT_PAGE", 2)
    first = text(client.get(url(org, "/audit")))
    cursor = re.search(r"after=([a-z0-9]+)", first)
    assert cursor
    second = client.get(url(org, f"/audit?after={cursor.group(1)}"))
    assert second.status_code == 200 and "Newest" in text(second)
    bad = client.get(url(org, "/audit?from=yesterday&to=2020-01-01&action=nope"))
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in text(bad) and "Choose an action" in text(bad)
    today = service.utcnow().date()
    ranged = text(client.get(url(org, f"/audit?from={today - timedelta(days=1)}&to={today}")))
    assert BADGE.format("member added") in ranged
    empty = text(client.get(url(org, "/audit?to=2000-01-01")))
    assert "No entries match" in empty
    stranger = client.get(url(org, "/audit?after=missing"))
    assert stranger.status_code == 200 and "no longer available" in text(stranger)


# -- first login ---------------------------------------------------------------------------
def _link(settings: Any) -> str:
    [message] = read_outbox(settings.instance_path / "outbox")[-1:]
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://localhost(/auth/first-login/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def test_first_login_then_set_password(app, store, settings, owner, org):
    owner_client = client_for(app, owner)
    post(owner_client, url(org, "/members"), url(org, "/members/add"),
         {"name": "Nina New", "email": "nina@example.com", "role": "MEMBER"})
    link = _link(settings)
    visitor = client_for(app, None)
    landing = visitor.get(link)
    assert landing.status_code == 200 and "Continue" in text(landing)
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    # looking at the page does not use the link
    assert store.first("tokens", [Query.equal("purpose", "first_login")])["used_at"] is None
    used = visitor.post(link, data={"csrf_token": csrf(visitor, link)})
    assert used.status_code == 303 and used.headers["Location"].endswith("/auth/set-password")
    # everything else waits for the password
    assert visitor.get("/").headers["Location"].endswith("/auth/set-password")
    short = post(visitor, "/auth/set-password", "/auth/set-password", {"password": "short"})
    assert short.status_code == 422
    done = post(visitor, "/auth/set-password", "/auth/set-password",
                {"password": "a brand new password"})
    assert done.status_code == 303
    member = store.first("organization_members", [Query.equal("email", "nina@example.com")])
    assert member["status"] == "ACTIVE"
    assert visitor.get("/auth/set-password").status_code == 302
    # the link is single use
    again = client_for(app, None)
    assert again.get(link).status_code == 410
    assert "already been used" in text(again.get(link))


def test_first_login_with_an_expired_or_bogus_link(app, store, settings, owner, org):
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Nina",
                                        email="nina@example.com", role="MEMBER")
    from jobs.context import bound
    from jobs.orgs import send_welcome_email

    with bound(app.extensions["keel.runtime"]):
        send_welcome_email(added.member["$id"])
    link = _link(settings)
    store.update_where("tokens", [Query.equal("purpose", "first_login")],
                       {"expires_at": service.utcnow() - timedelta(minutes=1)})
    client = client_for(app, None)
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in text(expired)
    assert client.get("/auth/first-login/bogus").status_code == 400


def test_existing_account_joins_through_the_link_without_bypassing_sign_in(app, store, settings,
                                                                         owner, org):
    make_user(store, "eve@example.com", "Eve Existing")
    owner_client = client_for(app, owner)
    post(owner_client, url(org, "/members"), url(org, "/members/add"),
         {"name": "Eve", "email": "eve@example.com", "role": "MEMBER"})
    link = _link(settings)
    visitor = client_for(app, None)
    used = visitor.post(link, data={"csrf_token": csrf(visitor, link)})
    assert used.status_code == 303 and "/login" in used.headers["Location"]
    member = store.first("organization_members", [Query.equal("email", "eve@example.com")])
    assert member["status"] == "ACTIVE"
    with visitor.session_transaction() as session:
        assert not session.get("user_id")


def test_organization_page_without_an_organization(app, store):
    from webapp.features.workspaces.service import create_workspace

    solo = make_user(store, "solo@example.com")
    store.update("users", solo["$id"], {"account_type": "PERSONAL"})
    create_workspace(store, acting(solo), owner_id=solo["$id"], name="Mine")
    client = client_for(app, store.get("users", solo["$id"]))
    response = client.get("/organization")
    # personal accounts have no organization page (the lifecycle guard sends them away)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "not in an organization" in text(response)


def test_a_deleted_primary_organization_leads_to_the_restore_page(app, store, owner, org):
    from webapp.features.orgs import deletion

    other = make_org(store, owner, "Second Org")
    deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="Acme Corp")
    client = client_for(app, owner)
    # the owner still has another organization: that one opens
    assert client.get("/organization").headers["Location"].endswith(url(other))
    deletion.delete_organization(store, acting(owner), other["$id"], confirm_name="Second Org")
    page = client.get("/account/organizations/deleted")
    assert page.status_code == 200
    assert "Restore Acme Corp" in text(page) and "Restore Second Org" in text(page)


def test_htmx_blocks_render_on_their_own(app, store, owner, org):
    client = client_for(app, owner)
    headers = {"HX-Request": "true"}
    general = client.post(url(org, "/general"), headers={**headers, "X-CSRFToken": csrf(
        client, url(org, "/general"))}, data={"name": "A"})
    assert general.status_code == 422
    assert text(general).lstrip().startswith('<form id="orgs-general-form"')
    audit = client.get(url(org, "/audit"), headers=headers)
    assert text(audit).lstrip().startswith('<div id="orgs-audit-list"')
