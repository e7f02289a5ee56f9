"""The api area: ``/api/v1`` (JSON API for integrations), personal API tokens and the
OpenAPI document with its browsable reference at ``/api/docs``.

Adding a resource is one module under ``webapp/api/resources/`` declaring operations with
``api.operation(...)`` (route, guard, token scope, request/response models) and its name
in ``RESOURCES`` below; the OpenAPI document, the error model, authentication, scopes and
rate limits come with it.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

RESOURCES = ("places", "projects", "items", "relations")


def init_app(app: Flask) -> None:
    """Register the area's blueprints, template globals and hooks."""
    from webapp.extensions import csrf

    for name in RESOURCES:
        importlib.import_module(f"webapp.api.resources.{name}")
    from webapp.api.base import bp
    from webapp.api.pages import pages

    # Bearer calls carry no cookie a browser could replay; session calls are checked in
    # the blueprint's before_request (same origin + X-CSRFToken) — see webapp/api/auth.py.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(pages)
    _json_errors_outside_routes(app)
    _bearer_requests_skip_the_session(app)


def _bearer_requests_skip_the_session(app: Flask) -> None:
    """API paths are answered by the API, not redirected by the lifecycle guard: the user
    is hidden from it and restored right after (``webapp/api/auth.py`` applies the
    lifecycle itself, answering 403 ``account_not_ready`` in JSON when the user's state
    may not reach workspaces). A bearer call then replaces the session user with the
    token's user, so a browser session can neither redirect it nor lend it rights."""
    from flask import g

    from webapp.identity.lifecycle_routes import lifecycle_guard

    def hide_user() -> None:
        if _is_api_path(request.path):
            g.api_session_user = g.get("user")
            g.user = None

    def restore_user() -> None:
        if "api_session_user" in g:
            g.user = g.pop("api_session_user")

    funcs = app.before_request_funcs.setdefault(None, [])
    at = funcs.index(lifecycle_guard) if lifecycle_guard in funcs else len(funcs)
    funcs.insert(at, hide_user)
    funcs.insert(at + 2, restore_user)


def _is_api_path(path: str) -> bool:
    return path.startswith("/api/v1/") or path == "/api/docs"


def _json_errors_outside_routes(app: Flask) -> None:
    """404/405 for ``/api/v1/...`` paths no route matched answer in the API's error model
    (errors inside API routes are handled by the blueprint)."""
    from webapp.api.errors import from_http

    previous = app.error_handler_spec[None][None].get(HTTPException)

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith("/api/v1/"):
            return from_http(exc)
        return previous(exc) if previous is not None else exc

    app.register_error_handler(HTTPException, handle)
