"""Realtime fixtures: the app under a real threaded werkzeug server, users signed in
through the real login form, and websocket clients carrying their session cookie."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from simple_websocket import Client, ConnectionClosed
from werkzeug.serving import make_server

from webapp.realtime import hub

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(store: Any, email: str, name: str = "Ada Lovelace") -> dict[str, Any]:
    from webapp.identity import service

    user = service.signup(store, name=name, email=email, password=PASSWORD,
                          accept_terms=True, accept_dpa=True)
    return store.update("users", user["$id"], {"email_verified_at": datetime.now(UTC)})


def login_cookie(app: Any, email: str) -> str:
    """Sign in through ``/login`` and return the session cookie's value."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, "login page has no csrf_token"
    response = client.post("/login", data={
        "csrf_token": match.group(1), "email": email, "password": PASSWORD,
    })
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return str(cookie.value)


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        hub(app).poll = 0.05  # the listener's and the sockets' wait: quick teardown in tests
        self.clients: list[Client] = []

    def connect(self, cookie: str | None = None, path: str = "/ws",
                origin: str | None = None) -> Client:
        headers: dict[str, str] = {}
        if cookie is not None:
            headers["Cookie"] = f"{self.app.config['SESSION_COOKIE_NAME']}={cookie}"
        if origin is not None:
            headers["Origin"] = origin
        client = Client.connect(f"ws://{self.host}{path}", headers=headers)
        self.clients.append(client)
        return client

    def wait_for_sockets(self, count: int, timeout: float = 5.0) -> None:
        """Until ``count`` sockets have joined their rooms and the listener is subscribed."""
        realtime = hub(self.app)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if realtime.sockets() >= count and realtime.connected.is_set():
                return
            time.sleep(0.01)
        raise AssertionError(f"{realtime.sockets()} sockets, listening={realtime.connected}")

    def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(ConnectionClosed):  # already closed by the server
                client.close()
        hub(self.app).stop()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live(app: Any) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.close()


@pytest.fixture
def user_factory(app: Any, runtime: Any) -> Callable[[str], tuple[dict[str, Any], str]]:
    """``user_factory("ada@example.com")`` -> (user, session cookie value)."""

    def make(email: str) -> tuple[dict[str, Any], str]:
        user = make_user(runtime.store, email)
        return user, login_cookie(app, email)

    return make
