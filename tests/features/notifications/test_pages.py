"""The inbox, the bell, preferences, mute and the unsubscribe link, through the real app."""

from __future__ import annotations

from typing import Any

from webapp.features.notifications import events, prefs
from webapp.features.notifications import mail as notification_mail
from webapp.storage.query import Query

from ..workspaces.helpers import csrf_from, login_as

BASE = "/account/notifications"


def notify(store: Any, user: dict[str, Any], title: str = "Hello", **values: Any) -> Any:
    return store.create("notifications", {
        "user_id": user["$id"], "type": events.UPDATED, "kind": "task_updated",
        "group": "updates", "title": title, "message": f"{title} message",
        "link": "/w/x/projects/y/items/z", **values})


def token(client: Any, url: str = BASE) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def test_bell_in_the_top_bar_shows_the_unread_count(client, store, owner):
    login_as(client, owner)
    notify(store, owner)
    notify(store, owner, "Two")
    notify(store, owner, "Read", is_read=True)
    html = client.get(BASE).get_data(as_text=True)
    assert 'id="notifications-bell"' in html and 'data-unread="2"' in html
    assert "css/notifications.css" in html and "js/live.js" in html
    bell = client.get(f"{BASE}/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-unread="2"' in bell
    menu = client.get(f"{BASE}/dropdown", headers={"HX-Request": "true"})
    text = menu.get_data(as_text=True)
    assert "Two message" in text and 'hx-swap-oob="true"' in text


def test_inbox_filter_mark_read_mark_all_and_delete(client, store, owner):
    login_as(client, owner)
    one, two = notify(store, owner, "First"), notify(store, owner, "Second")
    notify(store, owner, "Old", is_read=True)
    page = client.get(BASE).get_data(as_text=True)
    assert "First" in page and "Old" in page and "Unread (2)" in page
    unread = client.get(f"{BASE}?filter=unread").get_data(as_text=True)
    assert "Old" not in unread and "First" in unread
    csrf = token(client)
    r = client.post(f"{BASE}/{one['$id']}/read", data={"csrf_token": csrf})
    assert r.status_code == 303 and store.get("notifications", one["$id"])["is_read"]
    r = client.post(f"{BASE}/{two['$id']}/delete", data={"csrf_token": csrf},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="notifications-list"' in r.get_data(as_text=True)
    assert store.find("notifications", two["$id"]) is None
    notify(store, owner, "Third")
    r = client.post(f"{BASE}/read-all", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert store.count("notifications", [Query.equal("user_id", owner["$id"]),
                                         Query.equal("is_read", False)]) == 0


def test_someone_elses_notification_is_404(client, store, owner, bob):
    login_as(client, bob)
    theirs = notify(store, owner)
    csrf = token(client)
    assert client.get(f"{BASE}/{theirs['$id']}/go").status_code == 404
    assert client.post(f"{BASE}/{theirs['$id']}/read", data={"csrf_token": csrf}
                       ).status_code == 404
    assert client.post(f"{BASE}/{theirs['$id']}/delete", data={"csrf_token": csrf}
                       ).status_code == 404
    assert store.get("notifications", theirs["$id"])["is_read"] is False


def test_deep_link_marks_read_and_never_leaves_the_site(client, store, owner):
    login_as(client, owner)
    row = notify(store, owner)
    r = client.get(f"{BASE}/{row['$id']}/go")
    assert r.status_code == 303 and r.headers["Location"].endswith("/w/x/projects/y/items/z")
    assert store.get("notifications", row["$id"])["is_read"] is True
    evil = notify(store, owner, link="https://evil.example/")
    assert client.get(f"{BASE}/{evil['$id']}/go").headers["Location"] == "/"


def test_preferences_page_saves_the_matrix(client, store, owner):
    login_as(client, owner)
    page = client.get(f"{BASE}/preferences").get_data(as_text=True)
    assert 'name="mentions:email"' in page and "checked" in page
    r = client.post(f"{BASE}/preferences", data={"csrf_token": csrf_from(page),
                                                  "mentions:in_app": "1"})
    assert r.status_code == 303
    saved = prefs.get(store, owner["$id"])
    assert saved.wants("mentions", "in_app") and not saved.wants("mentions", "email")
    assert not saved.wants("status", "in_app") and saved.self_suppression is False


def test_mute_and_unmute(client, store, owner, project):
    login_as(client, owner)
    csrf = token(client)
    r = client.post(f"{BASE}/mute", data={"csrf_token": csrf, "project_id": project["$id"],
                                          "muted": "1"})
    assert r.status_code == 303 and project["$id"] in prefs.get(
        store, owner["$id"]).muted_projects
    assert project["name"] in client.get(f"{BASE}/preferences").get_data(as_text=True)
    client.post(f"{BASE}/mute", data={"csrf_token": csrf, "project_id": project["$id"],
                                      "muted": "0"})
    assert prefs.get(store, owner["$id"]).muted_projects == ()


def test_unsubscribe_link_turns_one_group_off_signed_out(client, store, owner, settings):
    good = notification_mail.unsubscribe_token(settings.secret_key, owner["$id"], "comments")
    page = client.get(f"/auth/unsubscribe/{good}")
    assert page.status_code == 200 and "comments and replies" in page.get_data(as_text=True)
    assert prefs.get(store, owner["$id"]).wants("comments", "email")  # GET changes nothing
    done = client.post(f"/auth/unsubscribe/{good}")  # one-click: no form, no CSRF token
    assert done.status_code == 200 and "data-unsubscribed" in done.get_data(as_text=True)
    mine = prefs.get(store, owner["$id"])
    assert not mine.wants("comments", "email") and mine.wants("mentions", "email")
    forged = notification_mail.unsubscribe_token("another-secret", owner["$id"], "mentions")
    assert client.post(f"/auth/unsubscribe/{forged}").status_code == 404
    assert client.get("/auth/unsubscribe/garbage").status_code == 404


def test_notification_pages_need_a_session(client):
    assert client.get(BASE).status_code in (302, 303)
    assert client.get(f"{BASE}/bell", headers={"HX-Request": "true"}).status_code == 401
