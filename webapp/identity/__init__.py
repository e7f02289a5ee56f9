"""Keel identity: accounts, server-side sessions, sign-up/in, verification and password reset.

``init_app`` installs the session interface, loads the signed-in user into ``g.user`` (a
user document or None) once per request, exposes it to templates as ``current_user``, and
keeps signed-in users with an unverified address on the "check your inbox" page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.wrappers import Response

# Paths an unverified user may still reach (besides the identity pages and static files).
UNVERIFIED_ALLOWED_PATHS = ("/healthz", "/ws")
UNVERIFIED_ALLOWED_PREFIXES = ("/ws/",)


def init_app(app: Flask) -> None:
    from . import account, routes  # noqa: F401  (account adds its routes to the blueprint)
    from .devices import describe_user_agent
    from .sessions import StoreSessionInterface

    app.session_interface = StoreSessionInterface()
    app.register_blueprint(routes.bp)
    app.before_request(load_user)
    app.before_request(verification_gate)
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


def verification_gate() -> Response | None:
    """Signed-in users whose address is unverified only see the identity pages."""
    from flask import current_app, g, make_response, redirect, request, url_for

    user = g.get("user")
    if user is None or user.get("email_verified_at") is not None:
        return None
    path = request.path
    if (
        request.blueprint == "identity"
        or request.endpoint in (None, "static")
        or _is_static(path, current_app.static_url_path)
        or path in UNVERIFIED_ALLOWED_PATHS
        or path.startswith(UNVERIFIED_ALLOWED_PREFIXES)
    ):
        return None
    target = url_for("identity.check_inbox")
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _template_context() -> dict[str, Any]:
    from flask import g

    return {"current_user": g.get("user")}
