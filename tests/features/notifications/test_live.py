"""Live pushes through the real hub (Redis pub/sub): a board move reaches the sockets in
the project room with the card and the column headers, never a socket whose user may not
see the project; the sender's tab id marks the message; the bell count reaches the
notified user's sockets; a Redis outage does not break the write."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webapp.features.items.service import update_item
from webapp.realtime.routes import _join
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as, make_user


def wait(subscriber: Any, timeout: float = 2.0) -> list[str]:
    got: list[str] = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        html = subscriber.next(timeout=0.05)
        if html is not None:
            got.append(html)
            while (more := subscriber.next(timeout=0.05)) is not None:
                got.append(more)
            return got
    return got


@pytest.fixture
def hub(app: Any) -> Any:
    hub = app.extensions["keel.realtime"]
    hub.start()
    assert hub.connected.wait(3)
    return hub


def socket_of(app: Any, hub: Any, user: dict[str, Any], room: str) -> tuple[Any, bool]:
    sub = hub.attach()
    hub.join(sub, f"user:{user['$id']}")
    with app.test_request_context("/ws"):
        joined = _join(hub, sub, user, room)
    return sub, joined


def test_a_move_reaches_project_sockets_only(app, hub, client, store, owner, editor, project,
                                             make):
    item = make("Live card")
    room = f"project:{project['$id']}"
    watcher, ok = socket_of(app, hub, editor, room)
    assert ok
    stranger = make_user(store, "stranger@example.com", "Stranger")
    outsider, refused = socket_of(app, hub, stranger, room)
    assert refused is False
    login_as(client, owner)
    board = f"/w/{project['workspace_id']}/projects/{project['$id']}/board"
    token = csrf_from(client.get(board).get_data(as_text=True))
    started = time.monotonic()
    answer = client.post(f"{board}/move", headers={"HX-Request": "true", "X-Keel-Tab": "tabA1"},
                         data={"csrf_token": token, "item_id": item["$id"],
                               "to_status": "ASSIGNED", "version": "1"})
    assert answer.status_code == 200
    assert wait(watcher, 0.3) == []  # nothing before the response is done
    answer.close()  # the server has sent the response: the request's events go out
    pushed = wait(watcher)
    elapsed = time.monotonic() - started
    assert pushed, "the project room got nothing"
    html = pushed[-1]
    assert html.startswith("<!--live:tabA1-->")
    assert f'id="card-{item["$id"]}"' in html and 'data-status="ASSIGNED"' in html
    assert 'id="col-head-TODO"' in html and 'id="col-head-ASSIGNED"' in html
    assert 'id="live-signal"' in html and 'hx-swap-oob="true"' in html
    assert elapsed < 1.0
    assert wait(outsider, 0.3) == []
    for sub in (watcher, outsider):
        hub.detach(sub)


def test_assignment_pushes_the_bell_to_the_assignee(app, hub, store, owner, editor, project,
                                                    make, owner_actor):
    from webapp.features.notifications.dispatcher import unread_count

    item = make("Bell")
    before = unread_count(store, editor["$id"])
    bell, _ = socket_of(app, hub, editor, f"user:{editor['$id']}")
    with app.app_context():
        update_item(store, acting(owner), project, item["$id"],
                    {"assignee_ids": [editor["$id"]]}, expected_version=1, actor=owner_actor)
    pushed = "".join(wait(bell))
    assert 'id="notifications-bell"' in pushed and f'data-unread="{before + 1}"' in pushed
    hub.detach(bell)


def test_push_preference_off_stops_the_bell_push(app, hub, store, owner, editor, project,
                                                 make, owner_actor):
    from webapp.features.notifications import events, prefs

    channels = {g: {"in_app": True, "email": True, "push": False} for g in events.GROUPS}
    prefs.save(store, acting(editor), editor["$id"], channels=channels, self_suppression=True)
    item = make("No push")
    bell, _ = socket_of(app, hub, editor, f"user:{editor['$id']}")
    with app.app_context():
        update_item(store, acting(owner), project, item["$id"],
                    {"assignee_ids": [editor["$id"]]}, expected_version=1, actor=owner_actor)
    assert not any("notifications-bell" in m for m in wait(bell, 0.4))
    hub.detach(bell)


def test_writes_work_while_redis_is_down(settings, store, owner, editor, project, make,
                                         owner_actor):
    """The same instance served by an app whose Redis is unreachable: the write, the
    notification row and the (failed, logged) pushes never break the request."""
    from webapp import create_app
    from webapp.storage.query import Query

    item = make("Offline", assignee_ids=[editor["$id"]])
    down = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        with down.app_context():
            other = down.extensions["keel.runtime"].store
            after = update_item(other, acting(owner), project, item["$id"],
                                {"priority": "HIGH"}, expected_version=1, actor=owner_actor)
    finally:
        down.extensions["keel.runtime"].close()
    assert after["priority"] == "HIGH"
    rows = store.list("notifications", [Query.equal("user_id", editor["$id"])]).documents
    assert any(r["type"] == "WORKITEM_PRIORITY_CHANGED" for r in rows)


def test_a_comment_asks_item_pages_to_refresh_their_comments(app, hub, store, owner, editor,
                                                             project, make):
    from webapp.features.notifications import events

    item = make("Discussed", assignee_ids=[editor["$id"]])
    watcher, ok = socket_of(app, hub, editor, f"project:{project['$id']}")
    assert ok
    with app.app_context():
        events.emit(store, events.COMMENT_ADDED, actor_id=owner["$id"], actor_name="Owner",
                    item=item, project=project, extra={"excerpt": "Nice work"})
    html = "".join(wait(watcher))
    assert 'data-region="comments"' in html and f'data-item="{item["$id"]}"' in html
    assert "board-card" not in html  # nothing moves on a board
    row = store.first("notifications", [Query.equal("user_id", editor["$id"]),
                                        Query.equal("type", events.COMMENT_ADDED)])
    assert row["metadata"]["comment_excerpt"] == "Nice work"
    hub.detach(watcher)
