"""Rooms a socket may join, and who may join them.

A room is ``<kind>:<id>`` (``user:abc``, ``project:xyz``). Every socket joins its own user's
room, taken from the session. Any other room is joined only when the authorizer registered
for its kind says yes for the signed-in user; a kind with no authorizer is never joinable.
A later feature adds its kind in its ``init_app``::

    register_room_kind("project", lambda user, project_id: can_view_project(user, project_id))

Authorizers run inside the socket's request context (``runtime()`` works) when the room is
joined and again at every periodic re-check of the socket, so a revoked permission also
takes the socket out of the room.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

Document = dict[str, Any]
RoomAuthorizer = Callable[[Document, str], bool]

ROOM = re.compile(r"([a-z][a-z_]{0,31}):([A-Za-z0-9][A-Za-z0-9._-]{0,63})")

log = logging.getLogger(__name__)

_AUTHORIZERS: dict[str, RoomAuthorizer] = {}


def valid_room(room: str) -> bool:
    return isinstance(room, str) and ROOM.fullmatch(room) is not None


def user_room(user_id: str) -> str:
    room = f"user:{user_id}"
    if not valid_room(room):
        raise ValueError(f"bad user id {user_id!r}")
    return room


def register_room_kind(kind: str, authorizer: RoomAuthorizer) -> None:
    """Let signed-in users join ``<kind>:<id>`` rooms when ``authorizer(user, id)`` is True."""
    if not re.fullmatch(r"[a-z][a-z_]{0,31}", kind):
        raise ValueError(f"bad room kind {kind!r}")
    _AUTHORIZERS[kind] = authorizer


def may_join(user: Document, room: str) -> bool:
    """Whether ``user`` may be in ``room``; never raises (a failing check is a no)."""
    match = ROOM.fullmatch(room) if isinstance(room, str) else None
    if match is None:
        return False
    kind, ident = match.groups()
    authorizer = _AUTHORIZERS.get(kind)
    if authorizer is None:
        return False
    try:
        return bool(authorizer(user, ident))
    except Exception:  # a broken check must not open the room, nor kill the socket
        log.exception("room check for %s failed", room)
        return False


def _own_user_room(user: Document, user_id: str) -> bool:
    return str(user.get("$id")) == user_id


register_room_kind("user", _own_user_room)
