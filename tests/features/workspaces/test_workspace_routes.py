"""Workspace pages: create, home, settings, delete, members, invite codes, leave."""

from __future__ import annotations

from typing import Any

from webapp.features.workspaces import members, service
from webapp.storage.query import Query

from .helpers import acting, login_as, make_user, post


def test_personal_limit_page_and_refusal(client, store, alice):
    ws = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Home base")
    login_as(client, alice)
    page = client.get(f"/w/{ws['$id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Home base" in html and "No projects yet" in html
    again = client.get("/workspaces/new")
    assert again.status_code == 403  # may not create: the page explains the upgrade
    assert "Upgrade to Organization to create more." in again.get_data(as_text=True)
    assert 'button--primary" href="/workspaces/new"' not in client.get(
        "/workspaces").get_data(as_text=True)
    refused = post(client, f"/w/{ws['$id']}", "/workspaces/new", {"name": "Second"})
    assert refused.status_code == 403
    assert store.count("workspaces") == 1


def test_org_owner_creates_another_workspace(client, store, owner, org, org_ws):
    login_as(client, owner)
    response = post(client, "/workspaces/new", "/workspaces/new",
                    {"name": "Design", "organization_id": org["$id"]})
    assert response.status_code == 303
    ws = store.first("workspaces", [Query.equal("name", "Design")])
    assert ws["organization_id"] == org["$id"]
    assert response.headers["Location"].endswith(f"/w/{ws['$id']}")
    switcher = client.get(f"/w/{ws['$id']}").get_data(as_text=True)
    assert "Design" in switcher


def test_create_validation_is_422(client, store, owner, org, org_ws):
    login_as(client, owner)
    response = post(client, "/workspaces/new", "/workspaces/new",
                    {"name": "  ", "organization_id": org["$id"]})
    assert response.status_code == 422
    assert "Enter a name." in response.get_data(as_text=True)
    assert store.count("workspaces") == 1


def test_anonymous_and_outsider(client, store, org_ws, alice):
    service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Mine")
    anonymous = client.get(f"/w/{org_ws['$id']}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as(client, alice)
    assert client.get(f"/w/{org_ws['$id']}").status_code == 404
    assert client.get(f"/w/{org_ws['$id']}/settings").status_code == 404


def test_settings_update(client, store, owner, org_ws):
    login_as(client, owner)
    url = f"/w/{org_ws['$id']}/settings"
    response = post(client, url, url, {"name": "Platform", "ui_mode": "SIMPLE", "spaces": "y"})
    assert response.status_code == 303
    ws = store.get("workspaces", org_ws["$id"])
    assert ws["name"] == "Platform" and ws["ui_mode"] == "SIMPLE"
    assert service.features_of(ws) == {**dict.fromkeys(service.FEATURES, False), "spaces": True}
    bad = post(client, url, url, {"name": ""})
    assert bad.status_code == 422


def test_viewer_sees_no_controls_and_gets_403(client, store, owner, bob, bob_member, org_ws):
    service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                "WS_VIEWER")
    login_as(client, bob)
    ws_id = org_ws["$id"]
    home = client.get(f"/w/{ws_id}").get_data(as_text=True)
    assert "Settings</a>" not in home
    page = client.get(f"/w/{ws_id}/members")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Add member" not in html and "Remove" not in html
    assert client.get(f"/w/{ws_id}/settings").status_code == 403
    for action in ("settings", "members", "delete", "invite-code", "roles"):
        response = post(client, f"/w/{ws_id}/members", f"/w/{ws_id}/{action}", {"name": "X"})
        assert response.status_code == 403, action
    assert store.get("workspaces", ws_id)["name"] == "Engineering"


def test_admin_adds_member_and_changes_role(client, store, owner, bob, bob_member, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    page = client.get(f"/w/{ws_id}/members").get_data(as_text=True)
    assert "Bob Member" in page and "Add member" in page
    response = post(client, f"/w/{ws_id}/members", f"/w/{ws_id}/members",
                    {"org_member_id": bob_member["$id"], "role": "WS_VIEWER"})
    assert response.status_code == 303
    member = service.get_membership(store, ws_id, bob["$id"])
    assert member["role"] == "WS_VIEWER"
    response = post(client, f"/w/{ws_id}/members",
                    f"/w/{ws_id}/members/{member['$id']}/role", {"role": "WS_EDITOR"})
    assert response.status_code == 303
    assert store.get("workspace_members", member["$id"])["role"] == "WS_EDITOR"
    response = post(client, f"/w/{ws_id}/members",
                    f"/w/{ws_id}/members/{member['$id']}/remove")
    assert response.status_code == 303
    assert store.get("workspace_members", member["$id"])["status"] == "DELETED"


def test_last_admin_cannot_leave_or_be_demoted(client, store, owner, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    me = service.get_membership(store, ws_id, owner["$id"])
    response = post(client, f"/w/{ws_id}/leave", f"/w/{ws_id}/leave")
    assert response.status_code == 409
    assert "last admin" in response.get_data(as_text=True)
    demote = post(client, f"/w/{ws_id}/members", f"/w/{ws_id}/members/{me['$id']}/role",
                  {"role": "WS_VIEWER"})
    assert demote.status_code == 409
    assert store.get("workspace_members", me["$id"])["role"] == "WS_ADMIN"


def test_invite_code_refused_on_org_workspace(client, store, owner, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    response = post(client, f"/w/{ws_id}/members", f"/w/{ws_id}/invite-code")
    assert response.status_code == 400
    assert store.get("workspaces", ws_id)["invite_code"] is None


def test_invite_code_join_and_reset(client, store, alice):
    ws = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Home")
    friend = make_user(store, "friend@example.com", "Fred Friend")
    service.create_workspace(store, acting(friend), owner_id=friend["$id"], name="Fred's")
    login_as(client, friend)
    code = ws["invite_code"]
    assert client.get(f"/w/{ws['$id']}").status_code == 404
    page = client.get(f"/w/join/{code.lower()}")
    assert page.status_code == 200 and "Join workspace" in page.get_data(as_text=True)
    response = post(client, f"/w/join/{code}", f"/w/join/{code}")
    assert response.status_code == 303
    member = service.get_membership(store, ws["$id"], friend["$id"])
    assert member["role"] == "WS_EDITOR"
    assert client.get(f"/w/{ws['$id']}").status_code == 200
    assert client.get("/w/join/ZZZZZZ").status_code == 404
    # the owner resets the code: the old one stops working
    login_as(client, alice)
    response = post(client, f"/w/{ws['$id']}/members", f"/w/{ws['$id']}/invite-code")
    assert response.status_code == 303
    fresh = store.get("workspaces", ws["$id"])["invite_code"]
    assert fresh != code and members.workspace_for_code(store, code) is None


def test_delete_with_typed_name(client, store, owner, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    url = f"/w/{ws_id}/delete"
    wrong = post(client, url, url, {"confirm_name": "nope"})
    assert wrong.status_code == 422
    assert store.find("workspaces", ws_id) is not None
    done = post(client, url, url, {"confirm_name": "Engineering"})
    assert done.status_code == 303
    assert store.find("workspaces", ws_id) is None


def test_activity_feed_shows_changes(client, store, owner, org_ws):
    service.update_settings(store, acting(owner), org_ws["$id"], name="Renamed")
    login_as(client, owner)
    html = client.get(f"/w/{org_ws['$id']}/activity").get_data(as_text=True)
    assert "workspace updated" in html and "Engineering" in html and "Renamed" in html


def test_image_upload(client, store, owner, org_ws):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, format="PNG")
    login_as(client, owner)
    url = f"/w/{org_ws['$id']}/settings"
    page = client.get(url).get_data(as_text=True)
    from .helpers import csrf_from

    token = csrf_from(page)
    bad = client.post(f"{url}/image", data={"csrf_token": token,
                                           "image": (io.BytesIO(b"not an image"), "x.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422
    good = client.post(f"{url}/image", data={"csrf_token": token,
                                            "image": (io.BytesIO(buffer.getvalue()), "a.png")},
                       content_type="multipart/form-data")
    assert good.status_code == 303
    ws: dict[str, Any] = store.get("workspaces", org_ws["$id"])
    assert ws["image_file_id"]
    image = client.get(f"/w/{org_ws['$id']}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_switcher_and_switch(client, app, store, owner, org, org_ws):
    other = service.create_workspace(store, acting(owner), owner_id=owner["$id"], name="Ops",
                                     organization_id=org["$id"])
    login_as(client, owner)
    page = client.get(f"/w/{other['$id']}").get_data(as_text=True)
    assert 'hx-trigger="toggle once"' in page and "All workspaces" in page
    listing = client.get(f"/workspaces/switcher?current={other['$id']}",
                         headers={"HX-Request": "true"})
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Engineering" in html and "Ops" in html and "New workspace" in html
    assert html.count('aria-current="true"') == 1
    assert html.index("aria-current") > html.index(f"/w/{other['$id']}")
    response = post(client, f"/w/{other['$id']}", f"/w/{other['$id']}/switch")
    assert response.status_code == 303
    assert store.get("users", owner["$id"])["default_workspace_id"] == other["$id"]
    listing = client.get("/workspaces").get_data(as_text=True)
    assert "Engineering" in listing and "Ops" in listing


def test_org_member_without_permission_cannot_create(client, store, owner, bob, bob_member,
                                                     org_ws):
    service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                "WS_EDITOR")
    login_as(client, bob)
    page = client.get("/workspaces/new")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Create Workspaces permission" in html and 'action="/workspaces/new"' not in html
    assert 'button--primary" href="/workspaces/new"' not in client.get(
        "/workspaces").get_data(as_text=True)
    response = post(client, "/workspaces", "/workspaces/new", {"name": "Mine"})
    assert response.status_code == 403
    assert store.count("workspaces") == 1


def test_home_list_partial(app, store, owner, org_ws):
    with app.test_request_context("/"):
        from flask import g, render_template_string

        g.user = owner
        html = render_template_string('{% include "workspaces/_home_list.html" %}')
    assert "Engineering" in html and f"/w/{org_ws['$id']}" in html
