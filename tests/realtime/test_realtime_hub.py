"""The hub's fan-out and room rules, and its listener against real Redis."""

from __future__ import annotations

import os
from secrets import token_hex
from typing import Any

import pytest
from redis import Redis

from webapp.realtime import Hub, may_join, publish, register_room_kind, user_room, valid_room
from webapp.realtime.hub import Subscriber


def test_a_slow_socket_drops_its_own_messages_only() -> None:
    hub = Hub("redis://127.0.0.1:1/0")
    slow, quick = Subscriber(maxsize=2), Subscriber(maxsize=10)
    for sub in (slow, quick):
        hub.join(sub, "project:p1")
    delivered = [hub.dispatch("project:p1", f"m{i}") for i in range(5)]
    assert delivered == [2, 2, 1, 1, 1]
    assert slow.dropped == 3
    assert [slow.next(0), slow.next(0), slow.next(0)] == ["m0", "m1", None]
    assert [quick.next(0) for _ in range(5)] == ["m0", "m1", "m2", "m3", "m4"]


def test_dispatch_reaches_only_the_rooms_members() -> None:
    hub = Hub("redis://127.0.0.1:1/0")
    ada, bob = Subscriber(), Subscriber()
    hub.join(ada, "user:ada")
    hub.join(bob, "user:bob")
    assert hub.dispatch("user:ada", "hello") == 1
    assert hub.dispatch("user:nobody", "hello") == 0
    assert (ada.next(0), bob.next(0)) == ("hello", None)
    hub.detach(ada)
    assert hub.rooms() == {"user:bob"} and hub.sockets() == 1
    with pytest.raises(ValueError):
        hub.join(bob, "keel:room:*")


def test_room_names_and_authorizers() -> None:
    assert valid_room("user:abc123") and valid_room("project:a.b-c_d")
    for bad in ("user:", "user", ":x", "User:x", "user:x y", "user:*", "user:x\n", "a:" + "x" * 65):
        assert not valid_room(bad), bad
    with pytest.raises(ValueError):
        user_room("../etc")
    ada = {"$id": "ada"}
    assert may_join(ada, "user:ada")
    assert not may_join(ada, "user:bob")
    assert not may_join(ada, "project:p1")  # no authorizer: never joinable
    assert not may_join(ada, "nonsense")
    with pytest.raises(ValueError):
        register_room_kind("Bad Kind", lambda user, ident: True)


def test_a_failing_authorizer_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.realtime import rooms

    def broken(user: Any, ident: str) -> bool:
        raise RuntimeError("policy down")

    monkeypatch.setitem(rooms._AUTHORIZERS, "team", broken)
    assert may_join({"$id": "ada"}, "team:t1") is False


def test_the_listener_fans_out_published_messages(redis_url: str) -> None:
    room = f"project:{token_hex(6)}"  # pub/sub channels are shared by all Redis databases
    hub = Hub(redis_url, poll=0.1)
    sub = hub.attach()
    hub.join(sub, room)
    try:
        assert hub.connected.wait(5)
        assert publish(room, "<p>moved</p>", redis=Redis.from_url(redis_url))
        assert sub.next(timeout=5) == "<p>moved</p>"
    finally:
        hub.stop()
    assert not hub.connected.is_set()


def test_a_forked_process_starts_its_own_listener(redis_url: str) -> None:
    hub = Hub(redis_url, poll=0.1)
    sub = hub.attach()
    hub.join(sub, "user:ada")
    try:
        assert hub.connected.wait(5)
        hub._pid = os.getpid() + 1  # as a child sees its parent's hub after fork
        hub.start()
        assert hub.sockets() == 0  # the parent's sockets are not the child's
        assert hub.connected.wait(5)
    finally:
        hub.stop()
