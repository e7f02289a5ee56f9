"""``/ws``: the websocket the htmx ws extension keeps open on every signed-in page.

The handshake is refused before the upgrade for anonymous visitors (401) and for pages of
another origin (403). A socket joins its user's room from the session (never from
anything the client sends); other rooms are asked for with ``/ws?join=<room>`` or a
``{"join": "<room>"}`` message (``{"leave": ...}`` leaves) and granted only by the room
kind's authorizer (``rooms.py``). The server only pushes HTML fragments carrying
``hx-swap-oob``; the extension swaps them into the page. Every ``RECHECK_SECONDS`` the
session, the account and each joined room are checked again: a revoked session closes
the socket (1008), a revoked room is left.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, g, request, session
from simple_websocket import ConnectionClosed

from webapp.authz.guards import is_same_origin, socket_user
from webapp.extensions import runtime, sock
from webapp.storage.errors import Unavailable

from .hub import Hub, Subscriber
from .rooms import may_join, user_room

log = logging.getLogger(__name__)

bp = Blueprint("realtime", __name__)

RECHECK_SECONDS = 60.0
MAX_ROOMS = 20  # per socket, besides the user's own
POLICY_VIOLATION = 1008


@bp.before_request
def handshake() -> None:
    """Refuse before the upgrade: a websocket cannot follow a redirect to the login page."""
    if not is_same_origin():
        abort(403)
    if g.get("user") is None:
        abort(401)


@socket_user
def socket(ws: Any) -> None:
    user: dict[str, Any] = g.user
    hub: Hub = current_app.extensions["keel.realtime"]
    serve(ws, hub, user, request.args.getlist("join"))


# flask-sock's decorator returns None, so the route is declared by a call (endpoint
# ``realtime.socket``; flask-sock's wrapper copies the guard marker).
sock.route("/ws", bp=bp)(socket)


def serve(ws: Any, hub: Hub, user: dict[str, Any], requested: list[str]) -> None:
    """Pump the subscriber's queue into the socket until either side goes away."""
    subscriber = hub.attach()
    own = user_room(str(user["$id"]))
    hub.join(subscriber, own)
    for room in requested[:MAX_ROOMS]:
        _join(hub, subscriber, user, room)
    session_id = getattr(session, "sid", None)
    recheck_every = float(current_app.config.get("REALTIME_RECHECK_SECONDS", RECHECK_SECONDS))
    next_check = time.monotonic() + recheck_every
    try:
        while True:
            html = subscriber.next(timeout=hub.poll)
            while html is not None:
                ws.send(html)
                html = subscriber.next(timeout=0)
            incoming = ws.receive(timeout=0)  # raises ConnectionClosed once the client left
            while incoming is not None:
                _handle(hub, subscriber, user, own, incoming)
                incoming = ws.receive(timeout=0)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + recheck_every
                if not _still_signed_in(session_id, str(user["$id"])):
                    ws.close(POLICY_VIOLATION, "session ended")
                    return
                for room in list(subscriber.rooms - {own}):
                    if not may_join(user, room):
                        hub.leave(subscriber, room)
    except ConnectionClosed:
        pass
    finally:
        hub.detach(subscriber)


def _join(hub: Hub, subscriber: Subscriber, user: dict[str, Any], room: Any) -> bool:
    if not isinstance(room, str) or room in subscriber.rooms:
        return False
    if len(subscriber.rooms) > MAX_ROOMS:
        return False
    if not may_join(user, room):
        log.info("realtime: user %s may not join %r", user.get("$id"), room[:80])
        return False
    hub.join(subscriber, room)
    return True


def _handle(hub: Hub, subscriber: Subscriber, user: dict[str, Any], own: str, data: Any) -> None:
    """``{"join": room}`` / ``{"leave": room}``; anything else is ignored."""
    try:
        message = json.loads(data)
    except (TypeError, ValueError):
        return
    if not isinstance(message, dict):
        return
    if "join" in message:
        _join(hub, subscriber, user, message["join"])
    leave = message.get("leave")
    if isinstance(leave, str) and leave != own:
        hub.leave(subscriber, leave)


def _still_signed_in(session_id: str | None, user_id: str) -> bool:
    """The session row still exists for this user and the account is still active.

    While the database is unreachable the socket is given the benefit of the doubt.
    """
    store = runtime().store
    try:
        if session_id is not None:
            row = store.find("sessions", session_id)
            if row is None or row.get("user_id") != user_id:
                return False
            expires = row.get("expires_at")
            if expires is not None and expires <= datetime.now(UTC):
                return False
        account = store.find("users", user_id)
    except Unavailable as exc:
        log.warning("realtime: could not re-check a socket's session: %s", exc)
        return True
    return account is not None and account.get("status") == "active"
