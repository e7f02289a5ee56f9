"""Route guards: every route declares one, and a test walks ``app.url_map`` to prove it.

A guard loads first and authorizes second (404 for what you may not know exists, 403 for
what you may see but not do). The identity package sets ``g.user`` (a user document or
None) before any guard runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, url_for

F = TypeVar("F", bound=Callable[..., Any])
GUARD_ATTR = "_keel_guard"


def guard_of(view: Callable[..., Any]) -> str | None:
    """The guard a view declared, or None."""
    return getattr(view, GUARD_ATTR, None)


def _mark(view: Callable[..., Any], name: str) -> None:
    setattr(view, GUARD_ATTR, name)


def public(view: F) -> F:
    """Anyone, signed in or not."""
    _mark(view, "public")
    return view


def anonymous_only(view: F) -> F:
    """Pages for signed-out visitors (login, sign-up); signed-in users go home."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is not None:
            return redirect(url_for("web.home"))
        return view(*args, **kwargs)

    _mark(wrapper, "anonymous_only")
    return wrapper  # type: ignore[return-value]


def login_required(view: F) -> F:
    """A signed-in user; others are sent to the login page (401 for htmx/JSON)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            wants_json = request.accept_mimetypes.best == "application/json"
            if request.headers.get("HX-Request") or wants_json:
                abort(401)
            return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    _mark(wrapper, "login_required")
    return wrapper  # type: ignore[return-value]


def platform_admin(view: F) -> F:
    """Platform operators only (``flask --app wsgi make-admin EMAIL``); others get 404."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refusal = require_platform_admin()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    _mark(wrapper, "platform_admin")
    return wrapper  # type: ignore[return-value]


def require_platform_admin() -> Any:
    """The ``platform_admin`` check on its own, for a blueprint's ``before_request``:
    None for a platform admin, a redirect to the login page for visitors, 404 otherwise."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))
    if not user.get("is_platform_admin"):
        abort(404)
    return None


def socket_user(view: F) -> F:
    """A websocket handler for a signed-in user (``g.user``).

    A websocket cannot be redirected, and flask-sock completes the upgrade before it calls
    the handler: the blueprint owning the route refuses anonymous handshakes with 401
    before the upgrade (see ``webapp/realtime/routes.py``), and this wrapper closes any
    socket that still arrives without a user with 1008 (policy violation). Identify the
    user only from the session, never from anything the client sends.
    """

    @wraps(view)
    def wrapper(ws: Any, *args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            ws.close(1008, "sign in required")
            return None
        return view(ws, *args, **kwargs)

    _mark(wrapper, "socket_user")
    return wrapper  # type: ignore[return-value]


def is_same_origin() -> bool:
    """True unless the request names another origin (``Origin``, else ``Referer``).

    Browsers send ``Origin`` on websocket handshakes and on every cross-site POST; a
    request without either header is not from another site's page.
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()


# Blueprints whose every view is guarded by the blueprint itself (a ``before_request``
# that loads and authorizes), e.g. a third-party blueprint such as the RQ dashboard.
GUARDED_BLUEPRINTS: dict[str, str] = {}


def guard_blueprint(name: str, guard: str) -> None:
    """Record that blueprint ``name`` guards all its views with ``guard``."""
    GUARDED_BLUEPRINTS[name] = guard


def guarded_blueprint(name: str) -> str | None:
    return GUARDED_BLUEPRINTS.get(name)
