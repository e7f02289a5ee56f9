"""``/ws`` end to end: a real server, real websocket clients, pushes through real Redis."""

from __future__ import annotations

import json
import time
from secrets import token_hex
from typing import Any

import pytest
from redis import Redis
from simple_websocket import ConnectionClosed
from simple_websocket import ConnectionError as HandshakeRefused

from jobs.context import bound
from webapp import realtime
from webapp.realtime import hub, rooms

WAIT = 5.0


def test_a_publish_from_another_connection_reaches_the_users_socket(
    live: Any, user_factory: Any, redis_url: str
) -> None:
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)

    outside = Redis.from_url(redis_url)  # e.g. an RQ worker's connection
    outside.publish(f"keel:room:user:{ada['$id']}", '<p id="x" hx-swap-oob="true">hi</p>')
    outside.close()

    assert ws.receive(timeout=WAIT) == '<p id="x" hx-swap-oob="true">hi</p>'


def test_publish_helpers_work_in_and_out_of_a_request(
    app: Any, live: Any, runtime: Any, user_factory: Any
) -> None:
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)

    with app.app_context():
        assert realtime.publish_to_user(ada["$id"], "<p>from the app</p>") is True
    with bound(runtime):  # a job: no app context, the job runtime's Redis
        assert realtime.publish(f"user:{ada['$id']}", "<p>from a job</p>") is True

    assert ws.receive(timeout=WAIT) == "<p>from the app</p>"
    assert ws.receive(timeout=WAIT) == "<p>from a job</p>"


def test_a_toast_fragment_renders_for_the_ws_extension(
    app: Any, live: Any, user_factory: Any
) -> None:
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    with app.test_request_context():
        assert realtime.publish_toast(f"user:{ada['$id']}", "Build <finished>", "success")
    html = ws.receive(timeout=WAIT)
    assert 'hx-swap-oob="beforeend:#toasts"' in html
    assert "Build &lt;finished&gt;" in html
    assert "toast--success" in html


def test_anonymous_handshake_is_refused_before_the_upgrade(live: Any) -> None:
    with pytest.raises(HandshakeRefused) as refused:
        live.connect()
    assert refused.value.status_code == 401
    with pytest.raises(HandshakeRefused) as forged:
        live.connect("not-a-real-session-token")
    assert forged.value.status_code == 401
    assert hub(live.app).sockets() == 0


def test_a_handshake_from_another_origin_is_refused(live: Any, user_factory: Any) -> None:
    _, cookie = user_factory("ada@example.com")
    with pytest.raises(HandshakeRefused) as refused:
        live.connect(cookie, origin="https://evil.example")
    assert refused.value.status_code == 403
    # our own pages may (this client sends ``Host`` without the port)
    ws = live.connect(cookie, origin="http://127.0.0.1")
    live.wait_for_sockets(1)
    assert ws.connected


def test_a_message_for_one_user_never_reaches_another(
    live: Any, user_factory: Any, redis_conn: Redis
) -> None:
    ada, ada_cookie = user_factory("ada@example.com")
    bob, bob_cookie = user_factory("bob@example.com")
    ada_ws = live.connect(ada_cookie)
    bob_ws = live.connect(bob_cookie)
    live.wait_for_sockets(2)

    redis_conn.publish(f"keel:room:user:{ada['$id']}", "for ada")
    redis_conn.publish(f"keel:room:user:{bob['$id']}", "for bob")

    assert ada_ws.receive(timeout=WAIT) == "for ada"
    assert bob_ws.receive(timeout=WAIT) == "for bob"  # the first thing bob ever gets
    assert ada_ws.receive(timeout=0.3) is None


def test_client_supplied_rooms_need_an_authorizer(
    live: Any, user_factory: Any, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, cookie = user_factory("ada@example.com")
    bob, _ = user_factory("bob@example.com")
    # pub/sub channels are shared by every Redis database: unique names keep tests apart
    tag = token_hex(4)
    open_board, shut, secret, project = (f"{k}:{n}{tag}" for k, n in (
        ("board", "open"), ("board", "shut"), ("board", "secret"), ("project", "p")))
    monkeypatch.setitem(rooms._AUTHORIZERS, "board", lambda user, ident: ident == f"open{tag}")
    # another user's room, an unknown kind and a forbidden board are all refused
    ws = live.connect(cookie, path=f"/ws?join=user:{bob['$id']}&join={project}&join={shut}")
    live.wait_for_sockets(1)
    ws.send(json.dumps({"join": open_board}))
    ws.send(json.dumps({"join": secret}))
    ws.send("not json")
    ws.send(json.dumps(["join", secret]))
    _until(lambda: open_board in _rooms_of(live))

    for room in (f"user:{bob['$id']}", project, shut, secret):
        redis_conn.publish(f"keel:room:{room}", f"leak {room}")
    redis_conn.publish(f"keel:room:{open_board}", "board news")
    assert ws.receive(timeout=WAIT) == "board news"
    assert ws.receive(timeout=0.3) is None

    ws.send(json.dumps({"leave": open_board}))
    ws.send(json.dumps({"leave": f"user:{ada['$id']}"}))  # one's own room cannot be left
    _until(lambda: open_board not in _rooms_of(live))
    redis_conn.publish(f"keel:room:{open_board}", "after leaving")
    redis_conn.publish(f"keel:room:user:{ada['$id']}", "still mine")
    assert ws.receive(timeout=WAIT) == "still mine"


def test_the_listener_reconnects_and_open_sockets_keep_receiving(
    live: Any, user_factory: Any, redis_conn: Redis
) -> None:
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    realtime_hub = hub(live.app)
    realtime_hub.backoff = (0.05, 0.2)

    killed = _kill_client(redis_conn, realtime_hub.name)
    assert killed == 1
    _until(lambda: realtime_hub.reconnects >= 1 and realtime_hub.connected.is_set())

    assert ws.connected
    redis_conn.publish(f"keel:room:user:{ada['$id']}", "after the outage")
    assert ws.receive(timeout=WAIT) == "after the outage"


def test_publishing_without_redis_logs_and_returns_false(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    with app.test_request_context():
        assert realtime.publish("user:abc", "<p>x</p>", redis=down) is False
        assert realtime.publish_to_user("abc", "<p>x</p>", redis=down) is False
    assert "could not publish to user:abc" in caplog.text
    with pytest.raises(ValueError):
        realtime.publish("user:*", "<p>x</p>", redis=down)  # a pattern is not a room


def test_sockets_stay_open_while_redis_is_unreachable(
    app: Any, live: Any, user_factory: Any
) -> None:
    _, cookie = user_factory("ada@example.com")
    realtime_hub = hub(app)
    realtime_hub.redis_url = "redis://127.0.0.1:1/0"
    realtime_hub.backoff = (0.05, 0.2)
    ws = live.connect(cookie)
    _until(lambda: realtime_hub.reconnects >= 2 and realtime_hub.sockets() == 1)
    ws.send(json.dumps({"join": "nothing:here"}))
    assert ws.receive(timeout=0.3) is None
    assert ws.connected


def test_a_revoked_session_closes_the_socket(
    app: Any, live: Any, user_factory: Any, runtime: Any
) -> None:
    from webapp.storage.query import Query

    app.config["REALTIME_RECHECK_SECONDS"] = 0.2
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    runtime.store.delete_where("sessions", [Query.equal("user_id", ada["$id"])])  # sign out

    with pytest.raises(ConnectionClosed) as closed:
        ws.receive(timeout=WAIT)
        ws.receive(timeout=WAIT)
    assert closed.value.reason == 1008
    _until(lambda: hub(app).sockets() == 0)


def test_a_suspended_account_loses_its_socket(
    app: Any, live: Any, user_factory: Any, runtime: Any
) -> None:
    app.config["REALTIME_RECHECK_SECONDS"] = 0.2
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    runtime.store.update("users", ada["$id"], {"status": "suspended"})
    with pytest.raises(ConnectionClosed):
        ws.receive(timeout=WAIT)
        ws.receive(timeout=WAIT)


def test_a_closed_client_leaves_its_rooms(live: Any, user_factory: Any) -> None:
    _, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    ws.close()
    _until(lambda: hub(live.app).sockets() == 0)


def test_ws_declares_its_guard(app: Any) -> None:
    from webapp.authz.guards import guard_of

    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/ws")
    assert rule.endpoint == "realtime.socket" and rule.websocket
    assert guard_of(app.view_functions["realtime.socket"]) == "socket_user"


def test_a_socket_can_join_a_bounded_number_of_rooms(
    live: Any, user_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.realtime.routes import MAX_ROOMS

    monkeypatch.setitem(rooms._AUTHORIZERS, "board", lambda user, ident: True)
    ada, cookie = user_factory("ada@example.com")
    ws = live.connect(cookie)
    live.wait_for_sockets(1)
    tag = token_hex(4)
    for n in range(MAX_ROOMS + 5):
        ws.send(json.dumps({"join": f"board:b{n}{tag}"}))
    ws.send(json.dumps({"join": f"board:last{tag}"}))
    _until(lambda: len(_rooms_of(live)) == MAX_ROOMS + 1)
    time_limit = time.monotonic() + 0.3
    while time.monotonic() < time_limit:
        assert len(_rooms_of(live)) == MAX_ROOMS + 1
        time.sleep(0.05)
    assert f"user:{ada['$id']}" in _rooms_of(live)


def _rooms_of(live: Any) -> set[str]:
    return hub(live.app).rooms()


def _kill_client(conn: Redis, name: str) -> int:
    killed = 0
    for client in conn.client_list():
        if client.get("name") == name:
            conn.client_kill_filter(_id=client["id"])
            killed += 1
    return killed


def _until(condition: Any, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")
