"""Keel identity: accounts, server-side sessions, sign-up/in, verification and password reset.

``init_app`` installs the session interface, loads the signed-in user into ``g.user`` (a
user document or None) once per request, exposes it to templates as ``current_user``, and
installs the lifecycle guard (``lifecycle_routes``), which sends each signed-in user where
their lifecycle state allows (e.g. an unverified address stays on "check your inbox").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    # account adds its routes to the blueprint
    from . import account, legal, lifecycle_routes, routes  # noqa: F401
    from .devices import describe_user_agent
    from .sessions import StoreSessionInterface

    app.session_interface = StoreSessionInterface()
    app.register_blueprint(routes.bp)
    app.before_request(load_user)
    lifecycle_routes.init_app(app)  # the lifecycle guard (replaces the verification gate)
    app.context_processor(_template_context)
    app.add_template_filter(describe_user_agent, "device")


def _is_static(path: str, static_url_path: str | None) -> bool:
    return bool(static_url_path) and path.startswith(f"{static_url_path}/")


def load_user() -> None:
    """``g.user``: the signed-in user's document, or None (one store read per request)."""
    from flask import current_app, g, request, session

    g.user = None
    if _is_static(request.path, current_app.static_url_path):
        return
    user_id = session.get("user_id")
    if not user_id:
        return
    store = current_app.extensions["keel.runtime"].store
    user = store.find("users", str(user_id))
    if user is None or user.get("status") != "active":
        session.clear()  # the account is gone or suspended: end the session
        return
    g.user = user


def _template_context() -> dict[str, Any]:
    from flask import g

    return {"current_user": g.get("user")}
