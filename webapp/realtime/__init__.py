"""Realtime pushes: a Redis pub/sub hub and the ``/ws`` websocket (flask-sock).

From anywhere (a route, a service's caller, an RQ job, the CLI)::

    from webapp import realtime
    realtime.publish_to_user(user_id, html)          # room user:<id>
    realtime.publish(f"project:{project_id}", html)  # a room kind registered with rooms.py

``html`` is one or more fragments carrying ``hx-swap-oob`` (render them with
``webapp.htmx.render_fragment`` so pushes and pages share their blocks). Publishing after
the write has committed is the caller's job; pub/sub is fire-and-forget, so a push only
spares a reload. See ``hub.py`` (listener, fan-out) and ``routes.py`` (``/ws``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context, render_template

from .hub import Hub, Subscriber, channel, publish_with
from .rooms import may_join, register_room_kind, user_room, valid_room

if TYPE_CHECKING:
    from redis import Redis

__all__ = [
    "Hub",
    "Subscriber",
    "channel",
    "hub",
    "init_app",
    "may_join",
    "publish",
    "publish_to_user",
    "publish_toast",
    "register_room_kind",
    "user_room",
    "valid_room",
]

MAX_MESSAGE_SIZE = 64 * 1024  # what a client may send us in one message


def publish(room: str, html: str, *, redis: Redis | None = None) -> bool:
    """Push ``html`` to every socket in ``room``, in every web process.

    Returns False (and logs a warning) when Redis is unreachable; raises ValueError only
    for a malformed room name. Uses the app's Redis inside an app context, else the job
    runtime's (``jobs/context.py``).
    """
    return publish_with(redis if redis is not None else _redis(), room, html)


def publish_to_user(user_id: str, html: str, *, redis: Redis | None = None) -> bool:
    """Push ``html`` to every open socket of ``user_id`` (all their tabs and devices)."""
    return publish(user_room(str(user_id)), html, redis=redis)


def publish_toast(room: str, message: str, category: str = "info") -> bool:
    """Push a toast (``components/toasts_oob.html``) to ``room``; needs an app context."""
    html = render_template("components/toasts_oob.html", messages=[(category, message)])
    return publish(room, html)


def hub(app: Flask | None = None) -> Hub:
    """This web process's hub for ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    value: Hub = target.extensions["keel.realtime"]
    return value


def _redis() -> Redis:
    if has_app_context() and "keel.runtime" in current_app.extensions:
        return current_app.extensions["keel.runtime"].redis  # type: ignore[no-any-return]
    from jobs.context import runtime

    return runtime().redis


def init_app(app: Flask) -> None:
    from webapp.extensions import sock

    from . import routes  # declares /ws on its blueprint

    runtime = app.extensions["keel.runtime"]
    app.extensions["keel.realtime"] = Hub(runtime.redis_url)
    options = dict(app.config.get("SOCK_SERVER_OPTIONS") or {})
    options.setdefault("ping_interval", 25)
    options.setdefault("max_message_size", MAX_MESSAGE_SIZE)
    app.config["SOCK_SERVER_OPTIONS"] = options
    app.register_blueprint(routes.bp)
    sock.init_app(app)
