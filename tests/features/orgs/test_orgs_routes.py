"""The organization page over HTTP: tabs gated by permission, members, roles, bulk, CSV."""

from __future__ import annotations

import io
from typing import Any

import pytest

from webapp.features.orgs import departments, service
from webapp.storage.query import Query

from .conftest import acting, add_member, make_user
from .web import client_for, post, text


@pytest.fixture
def store(runtime: Any) -> Any:  # the app's own store for page tests
    return runtime.store


def make_org(store: Any, owner: dict[str, Any], name: str) -> dict[str, Any]:
    org = service.create_organization(store, acting(owner), owner_id=owner["$id"], name=name)
    return store.update("organizations", org["$id"], {
        "legal_version": "v1", "legal_accepted_at": service.utcnow(),
        "legal_accepted_by": owner["$id"]})


@pytest.fixture
def org(store: Any, owner: dict[str, Any]) -> dict[str, Any]:
    return make_org(store, owner, "Acme Corp")


def url(org: dict[str, Any], tail: str = "") -> str:
    return f"/organization/{org['$id']}{tail}"


def test_organization_lands_on_the_first_tab(app, owner, org):
    client = client_for(app, owner)
    response = client.get("/organization")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(org))
    response = client.get(url(org))
    assert response.headers["Location"].endswith(url(org, "/general"))
    page = text(client.get(url(org, "/members")))
    for label in ("General", "Members", "Departments", "Security", "Audit"):
        assert f">{label}</a>" in page
    assert client.get("/organization?tab=audit").headers["Location"].endswith(url(org, "/audit"))


def test_anonymous_and_outsiders(app, store, owner, org):
    anonymous = client_for(app, None)
    assert anonymous.get(url(org, "/members")).status_code == 302
    outsider = make_user(store, "outsider@example.com")
    make_org(store, outsider, "Other Org")
    client = client_for(app, outsider)
    assert client.get(url(org, "/members")).status_code == 404
    assert client.get(url(org, "/general")).status_code == 404


def test_an_admin_without_departments_manages_people_but_not_the_org(app, store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    client = client_for(app, store.get("users", admin["user_id"]))
    for tab in ("/members", "/departments", "/audit", "/security"):
        assert client.get(url(org, tab)).status_code == 200, tab
    general = client.get(url(org, "/general"))
    assert general.status_code == 403
    assert "Add a member" in text(client.get(url(org, "/members")))


def test_a_member_without_departments_sees_no_tabs(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com", "MODERATOR")
    client = client_for(app, store.get("users", bob["user_id"]))
    assert client.get(url(org, "/members")).status_code == 403
    assert client.get(url(org, "/general")).status_code == 403
    page = client.get(url(org))
    assert page.status_code == 200
    assert "ask an owner to add you to a department" in text(page)
    # a department with members.view opens the Members tab, read-only
    dept = departments.create_department(store, acting(owner), org["$id"], name="People",
                                         permissions=["org.members.view"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"], bob["$id"])
    members_page = client.get(url(org, "/members"))
    assert members_page.status_code == 200
    assert "Add a member" not in text(members_page)
    assert "Save role" not in text(members_page)
    assert client.get(url(org)).headers["Location"].endswith(url(org, "/members"))


def test_invited_members_are_refused(app, store, owner, org):
    pending = add_member(store, org, owner, "pending@example.com", activate=False)
    client = client_for(app, store.get("users", pending["user_id"]))
    # an admin-created account must choose its password before anything else
    response = client.get(url(org, "/members"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/set-password")
    store.update("users", pending["user_id"], {
        "must_reset_password": False, "accepted_terms_version": "v1",
        "accepted_terms_at": service.utcnow(), "accepted_dpa_version": "v1",
        "accepted_dpa_at": service.utcnow()})
    client = client_for(app, store.get("users", pending["user_id"]))
    assert client.get(url(org, "/members")).status_code == 403


def test_owner_adds_a_member_and_a_welcome_email_goes_out(app, store, settings, owner, org):
    from webapp.storage.mail import read_outbox

    client = client_for(app, owner)
    response = post(client, url(org, "/members"), url(org, "/members/add"),
                    {"name": "Nina New", "email": "nina@example.com", "role": "MEMBER"})
    assert response.status_code == 303
    member = store.first("organization_members", [Query.equal("email", "nina@example.com")])
    assert member["status"] == "INVITED"
    [message] = read_outbox(settings.instance_path / "outbox")
    assert message["To"] == "nina@example.com"
    page = text(client.get(url(org, "/members")))
    assert "Nina New" in page and "Invited" in page and "Resend welcome" in page


def test_add_member_bad_input_is_422_at_the_field(app, store, owner, org):
    client = client_for(app, owner)
    response = post(client, url(org, "/members"), url(org, "/members/add"),
                    {"name": "", "email": "nope", "role": "MEMBER"})
    assert response.status_code == 422
    assert "Enter a valid email address." in text(response)
    assert store.count("organization_members") == 1


def test_role_change_and_last_owner(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    client = client_for(app, owner)
    response = post(client, url(org, "/members"), url(org, f"/members/{bob['$id']}/role"),
                    {"role": "ADMIN"})
    assert response.status_code == 303
    assert store.get("organization_members", bob["$id"])["role"] == "ADMIN"
    me = service.get_membership(store, org["$id"], owner["$id"])
    response = post(client, url(org, "/members"), url(org, f"/members/{me['$id']}/remove"))
    assert response.status_code == 409
    assert "at least one owner" in text(response)
    assert store.find("organization_members", me["$id"]) is not None


def test_admin_with_members_manage_cannot_escalate(app, store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    bob = add_member(store, org, owner, "bob@example.com")
    dept = departments.create_department(store, acting(owner), org["$id"], name="People",
                                         permissions=["org.members.view",
                                                      "org.members.manage"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"],
                                      admin["$id"])
    client = client_for(app, store.get("users", admin["user_id"]))
    page = text(client.get(url(org, "/members")))
    assert '<option value="OWNER"' not in page
    response = post(client, url(org, "/members"), url(org, f"/members/{bob['$id']}/role"),
                    {"role": "OWNER"})
    assert response.status_code == 403
    assert store.get("organization_members", bob["$id"])["role"] == "MEMBER"
    me = service.get_membership(store, org["$id"], owner["$id"])
    response = post(client, url(org, "/members"), url(org, f"/members/{me['$id']}/remove"))
    assert response.status_code == 403
    # direct grants are OWNER-only
    assert client.get(url(org, f"/members/{bob['$id']}/permissions")).status_code == 403


def test_search_returns_the_list_fragment_for_htmx(app, store, owner, org):
    add_member(store, org, owner, "carol@example.com")
    client = client_for(app, owner)
    response = client.get(url(org, "/members?q=carol"), headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="orgs-members-list"')
    assert "carol@example.com" in body and "owner@example.com" not in body


def test_bulk_role_change_confirms_then_reports(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    carol = add_member(store, org, owner, "carol@example.com")
    me = service.get_membership(store, org["$id"], owner["$id"])
    client = client_for(app, owner)
    ids = [bob["$id"], carol["$id"], me["$id"]]
    confirm = post(client, url(org, "/members"), url(org, "/members/bulk"),
                   {"action": "role", "role": "MODERATOR", "member_ids": ids})
    assert confirm.status_code == 200
    assert "Yes, change roles" in text(confirm)
    assert store.get("organization_members", bob["$id"])["role"] == "MEMBER"
    done = post(client, url(org, "/members"), url(org, "/members/bulk"),
                {"action": "role", "role": "MODERATOR", "member_ids": ids, "confirm": "yes"})
    body = text(done)
    assert "2 of 3 members updated" in body
    assert "at least one owner" in body
    assert store.get("organization_members", bob["$id"])["role"] == "MODERATOR"
    assert store.get("organization_members", me["$id"])["role"] == "OWNER"


def test_bulk_remove(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    client = client_for(app, owner)
    done = post(client, url(org, "/members"), url(org, "/members/bulk"),
                {"action": "remove", "member_ids": [bob["$id"]], "confirm": "yes"})
    assert "1 of 1 member removed" in text(done)
    assert store.find("organization_members", bob["$id"]) is None
    empty = post(client, url(org, "/members"), url(org, "/members/bulk"),
                 {"action": "remove", "confirm": "yes"})
    assert empty.status_code == 422


def test_csv_import_preview_then_apply(app, store, settings, owner, org):
    from webapp.storage.mail import read_outbox

    make_user(store, "eve@example.com", "Eve Existing")
    add_member(store, org, owner, "bob@example.com")
    csv_text = ("name,email,role\n"
                "Nina New,nina@example.com,member\n"
                "Eve,eve@example.com,ADMIN\n"
                "Bob,bob@example.com,MEMBER\n"
                "Broken,not-an-email,MEMBER\n"
                "Bad Role,badrole@example.com,EMPEROR\n"
                "Nina Again,NINA@example.com,MEMBER\n")
    client = client_for(app, owner)
    preview = post(client, url(org, "/members/import"), url(org, "/members/import"),
                   {"file": (io.BytesIO(csv_text.encode()), "members.csv")},
                   content_type="multipart/form-data")
    body = text(preview)
    assert preview.status_code == 200
    assert "2 of 6 rows will be added" in body
    assert "Already a member" in body and "appears earlier in the file" in body
    assert store.count("organization_members") == 2  # nothing written yet
    applied = post(client, url(org, "/members/import"), url(org, "/members/import"),
                   {"csv_text": csv_text, "apply": "yes"})
    body = text(applied)
    assert "1 account created, 1 existing account added, 1 already a member, 3 rejected" in body
    assert store.count("organization_members") == 4
    assert {m["To"] for m in read_outbox(settings.instance_path / "outbox")} == {
        "nina@example.com", "eve@example.com"}


def test_csv_import_rejects_an_empty_file(app, owner, org):
    client = client_for(app, owner)
    response = post(client, url(org, "/members/import"), url(org, "/members/import"),
                    {"csv_text": "\n\n"})
    assert response.status_code == 422
    assert "The file has no members" in text(response)


def test_resend_welcome_only_while_invited(app, store, settings, owner, org):
    pending = add_member(store, org, owner, "pending@example.com", activate=False)
    active = add_member(store, org, owner, "active@example.com")
    client = client_for(app, owner)
    ok = post(client, url(org, "/members"), url(org, f"/members/{pending['$id']}/resend"))
    assert ok.status_code == 303
    refused = post(client, url(org, "/members"), url(org, f"/members/{active['$id']}/resend"))
    assert refused.status_code == 409


def test_direct_grants_editor(app, store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    client = client_for(app, owner)
    page = url(org, f"/members/{bob['$id']}/permissions")
    response = post(client, page, page, {"permissions": ["org.audit.view"]})
    assert response.status_code == 303
    assert departments.direct_grants(store, bob["$id"]) == ["org.audit.view"]
    bob_client = client_for(app, store.get("users", bob["user_id"]))
    assert bob_client.get(url(org, "/audit")).status_code == 200
    assert bob_client.get(url(org, "/security")).status_code == 403
