"""Running the route x actor matrix: one client per actor, each request rolled back.

Every request runs inside ``store.transaction()`` and the transaction is then undone
(the test client serves the request on this thread, and the store's transaction is
per thread), so an allowed POST (remove a member, delete a workspace) leaves the world
as it was for the next actor. Clients carry only the session cookie, restored before
each request, so a POST /logout does not sign the actor out of the next one.

Outcomes are classified, not compared byte for byte:

``login``     302 to /login, or 401 (htmx/JSON) -- the visitor must sign in
``403``       the actor may see the resource but not do this
``404``       hidden (or no such thing)
``ok``        2xx
``redirect``  3xx anywhere but the login page (a plain POST + redirect, or a page sending
              a signed-in user elsewhere)
``invalid``   400, 409 or 422 after the guard let the actor through: the matrix sends an
              empty or minimal form, so an authorized actor typically gets a validation
              error. It counts as *allowed* -- the matrix checks authorization, the
              feature tests check what a valid form does.
``alias``     308: werkzeug's redirect from an alias rule to its canonical URL (routing,
              before any guard)
``405``, ``429``, ``500`` as such.

``ALLOW`` in the table accepts ``ok``, ``redirect`` and ``invalid``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from matrix.world import Document

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_META_CSRF = re.compile(r'"X-CSRFToken"\s*:\s*"([^"]+)"')
COOKIE = "keel_session"


class _Undo(Exception):
    """Raised inside the request's transaction to roll it back."""


@contextmanager
def rolled_back(store: Any) -> Iterator[None]:
    try:
        with store.transaction():
            yield
            raise _Undo
    except _Undo:
        pass


def classify(response: Any) -> str:
    status = response.status_code
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if status == 401 or (300 <= status < 400 and location.startswith("/login")):
        return "login"
    if status in (403, 404, 405, 429):
        return str(status)
    if status >= 500:
        return "500"
    if status == 308:
        return "alias"
    if status in (400, 409, 422):
        return "invalid"
    if 300 <= status < 400:
        return "redirect"
    return "ok"


@dataclass
class ActorClient:
    actor: str
    user: Document | None
    cookie: str | None
    csrf: str
    address: str

    def request(self, app: Any, method: str, path: str,
                data: dict[str, str] | None = None) -> Any:
        client = app.test_client()
        if self.cookie:
            client.set_cookie(COOKIE, self.cookie, domain="localhost")
        environ = {"REMOTE_ADDR": self.address}
        if method == "GET":
            return client.get(path, environ_base=environ)
        return client.open(path, method=method, data={**(data or {}), "csrf_token": self.csrf},
                           headers={"X-CSRFToken": self.csrf}, environ_base=environ)


def make_client(app: Any, actor: str, user: Document | None, number: int) -> ActorClient:
    """Sign in through the session interface, then read a CSRF token from a real page."""
    from webapp.identity.sessions import sign_in

    client = app.test_client()
    address = f"10.9.{number // 200}.{number % 200 + 1}"
    if user is not None:
        with client.session_transaction() as session:
            sign_in(session, user["$id"])
    page = "/login" if user is None else "/account/sessions"
    html = client.get(page, environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    match = _CSRF.search(html) or _META_CSRF.search(html)
    assert match, f"no CSRF token on {page} for {actor}"
    cookie = client.get_cookie(COOKIE)
    return ActorClient(actor, user, cookie.value if cookie else None, match.group(1), address)
