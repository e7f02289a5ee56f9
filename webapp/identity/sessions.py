"""Server-side sessions: the cookie carries a random token, the ``sessions`` collection the rest.

The store keeps the token's sha256 (``token_hash``), the session data (JSON), the user,
IP address, user agent, ``last_seen_at`` (written at most once a minute) and
``expires_at``. Revoking a session is deleting its row: the next request with that cookie
finds nothing and is anonymous. Visitors get a row only once something is stored (a CSRF
token on a form page, say), and such anonymous rows live one day. Whenever the signed-in
user changes (sign-in, sign-out) the row and its token are replaced, so a token planted
before sign-in is worth nothing after it.

``flask.session`` stays the API: Flask-WTF's CSRF token, flash messages, flask-sock routes
and ``session["user_id"]`` all read and write it as usual.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from webapp.storage.errors import NotFound
from webapp.storage.query import Query

from .security import hash_token, new_token
from .service import session_ttl
from .tokens import utcnow

if TYPE_CHECKING:
    from webapp.config import Settings
    from webapp.runtime import Runtime
    from webapp.storage.base import DocumentStore

TOUCH_EVERY = timedelta(minutes=1)
MAX_COOKIE_LENGTH = 128


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """A dict that remembers whether it was read or changed, and which row it came from."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        *,
        row: dict[str, Any] | None = None,
        had_cookie: bool = False,
        readonly: bool = False,
    ) -> None:
        def on_update(self: ServerSession) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial or {}, on_update)
        self.row = row
        self.had_cookie = had_cookie
        self.readonly = readonly
        self.modified = False
        self.accessed = False
        self.rotate_requested = False
        self.original_user_id = row.get("user_id") if row else None

    @property
    def sid(self) -> str | None:
        """The id of this session's row (shown on the Sessions page), None until stored."""
        return str(self.row["$id"]) if self.row else None

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.row is None

    def rotate(self) -> None:
        """Replace the row and the cookie token at the end of this request."""
        self.rotate_requested = True
        self.modified = True

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().setdefault(key, default)


class StoreSessionInterface(SessionInterface):
    """Flask's session interface over the ``sessions`` collection of the app's store."""

    def _store(self, app: Flask) -> DocumentStore:
        runtime: Runtime = app.extensions["keel.runtime"]
        return runtime.store

    def _settings(self, app: Flask) -> Settings:
        settings: Settings = app.config["KEEL_SETTINGS"]
        return settings

    def _is_static(self, app: Flask, request: Request) -> bool:
        prefix = app.static_url_path
        return bool(prefix) and request.path.startswith(f"{prefix}/")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if self._is_static(app, request):
            return ServerSession(readonly=True)
        raw = request.cookies.get(self.get_cookie_name(app))
        if not raw:
            return ServerSession()
        if len(raw) > MAX_COOKIE_LENGTH:
            return ServerSession(had_cookie=True)
        store = self._store(app)
        row = store.first("sessions", [Query.equal("token_hash", hash_token(raw))])
        if row is None:
            return ServerSession(had_cookie=True)
        if row["expires_at"] <= utcnow():
            _delete_row(store, row["$id"])
            return ServerSession(had_cookie=True)
        data = row.get("data") if isinstance(row.get("data"), dict) else {}
        return ServerSession(data, row=row, had_cookie=True)

    def save_session(  # type: ignore[override]
        self, app: Flask, session: ServerSession, response: Response
    ) -> None:
        if session.readonly:
            return
        if session.accessed:
            response.vary.add("Cookie")
        store = self._store(app)
        now = utcnow()
        user_id = session.get("user_id")
        if session.row is not None and (
            session.rotate_requested or not session or user_id != session.original_user_id
        ):
            _delete_row(store, session.row["$id"])
            session.row = None
        if session.row is None:
            if session:
                self._create(app, store, session, response, now)
            elif session.had_cookie:
                self._forget_cookie(app, response)
            return
        changes: dict[str, Any] = {}
        if session.modified:
            changes["data"] = dict(session)
        last_seen = session.row.get("last_seen_at")
        if last_seen is None or now - last_seen >= TOUCH_EVERY:
            changes.update(_client(now))
        if changes:
            try:
                session.row = store.update("sessions", session.row["$id"], changes)
            except NotFound:  # revoked while this request ran
                self._forget_cookie(app, response)

    def _create(
        self,
        app: Flask,
        store: DocumentStore,
        session: ServerSession,
        response: Response,
        now: datetime,
    ) -> None:
        raw = new_token()
        user_id = session.get("user_id")
        expires = now + session_ttl(user_id, self._settings(app).session_days)
        session.row = store.create(
            "sessions",
            {
                "token_hash": hash_token(raw),
                "user_id": user_id,
                "data": dict(session),
                "expires_at": expires,
                **_client(now),
            },
        )
        session.original_user_id = user_id
        session.rotate_requested = False
        response.set_cookie(
            self.get_cookie_name(app),
            raw,
            expires=expires,
            httponly=True,
            samesite="Lax",
            secure=self._settings(app).secure_cookies,
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
        )

    def _forget_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            httponly=True,
            samesite="Lax",
            secure=self._settings(app).secure_cookies,
        )


def _client(now: datetime) -> dict[str, Any]:
    """Where the request came from, for the Sessions page."""
    agent = request.user_agent.string or ""
    return {
        "last_seen_at": now,
        "ip_address": (request.remote_addr or "")[:64] or None,
        "user_agent": agent[:255] or None,
    }


def _delete_row(store: DocumentStore, session_id: str) -> None:
    with contextlib.suppress(NotFound):
        store.delete("sessions", session_id)


def sign_in(session: SessionMixin, user_id: str) -> None:
    """Start a fresh signed-in session (new token, old data dropped)."""
    session.clear()
    session["user_id"] = user_id
    if isinstance(session, ServerSession):
        session.rotate()


def sign_out(session: SessionMixin) -> None:
    """End the session: its row is deleted and the cookie cleared."""
    session.clear()
