"""Who calls ``/api/v1``: a bearer token or the browser's session, then scope and rate.

Order per request (the blueprint's ``before_request``, before any guard):

1. ``Authorization: Bearer keel_…`` resolves the token's user into ``g.user`` (replacing
   any session user); an unknown, revoked or expired token is 401 with its own code. A
   bearer request is exempt from CSRF: a browser never adds that header on its own.
2. Without it the session user is used; a state-changing call must be same-origin and
   carry the CSRF token (``X-CSRFToken``), like the pages' htmx calls. No user: 401.
3. Bearer calls are counted per token (``API_RATE_LIMIT`` per ``API_RATE_WINDOW`` seconds,
   Redis); over the limit: 429 with ``Retry-After``. Every bearer response carries
   ``X-RateLimit-Limit/Remaining/Reset``.
4. The account must be ready (``_lifecycle``): the lifecycle guard does not redirect API
   paths (``webapp/api/__init__.py`` hides the user from it), so the API answers 403
   ``account_not_ready`` itself for states that must first act in the pages.
5. The token must hold the operation's scope (read < write < admin), else 403
   ``insufficient_scope``. Session calls act with the user's full rights.

The guards (``webapp/authz/guards.py``) then load and authorize exactly as for the pages.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request

from webapp.api import ratelimit, tokens
from webapp.api.errors import ApiError
from webapp.authz.guards import is_same_origin

NOT_READY = frozenset({"EMAIL_UNVERIFIED", "MUST_RESET_PASSWORD", "SUSPENDED", "DELETED",
                       "UNAUTHENTICATED"})
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSALS = {
    "invalid_token": "This API token is not valid.",
    "token_revoked": "This API token was revoked.",
    "token_expired": "This API token has expired.",
}


def _store() -> Any:
    return current_app.extensions["keel.runtime"].store


def bearer_secret() -> str | None:
    """The bearer credential of the request; "" for a malformed Authorization header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def authenticate(operations: dict[str, Any]) -> None:
    """The blueprint's ``before_request`` (see the module docstring)."""
    op = operations.get(request.endpoint or "")
    if op is None:
        return  # not an API operation (documents, token pages): their own guards decide
    g.api_token = None
    secret = bearer_secret()
    if secret is not None:
        _with_token(secret)
        _rate_limit(g.api_token)
        _lifecycle()
        if op.scope not in tokens.effective_scopes(g.api_token.get("scopes") or []):
            raise ApiError(403, "insufficient_scope",
                           f"This token lacks the “{op.scope}” scope this operation needs.")
        return
    if g.get("user") is None:
        raise ApiError(401, "unauthorized", "Send a valid API token as "
                       "“Authorization: Bearer keel_…”, or sign in.")
    _lifecycle()
    if request.method not in SAFE:
        if not is_same_origin():
            raise ApiError(403, "cross_origin", "Session calls must come from Keel's own "
                           "pages; use an API token elsewhere.")
        from webapp.extensions import csrf

        csrf.protect()


def _lifecycle() -> None:
    """Accounts that must first act in Keel's pages get 403 ``account_not_ready``: an
    unverified address, a forced password reset, pending legal acceptance, a suspended or
    deleted account. Accounts still onboarding may call the API; the guards answer per
    resource as for the pages."""
    from webapp.identity.lifecycle_routes import current_resolution

    resolution = current_resolution()
    if str(resolution.state) in NOT_READY or resolution.needs_legal:
        raise ApiError(403, "account_not_ready", "Finish setting up your account in Keel "
                       "before using the API.")


def _with_token(secret: str) -> None:
    if not secret:
        raise ApiError(401, "invalid_token", "Use “Authorization: Bearer keel_…”.")
    found = tokens.resolve(_store(), secret)
    if found.refusal is not None or found.user is None or found.token is None:
        code = found.refusal or "invalid_token"
        raise ApiError(401, code, REFUSALS.get(code, REFUSALS["invalid_token"]))
    g.user = found.user
    g.api_token = found.token


def _rate_limit(token: dict[str, Any]) -> None:
    settings = current_app.config["KEEL_SETTINGS"]
    limit = int(getattr(settings, "api_rate_limit", 60))
    window_seconds = int(getattr(settings, "api_rate_window", 60))
    runtime = current_app.extensions["keel.runtime"]
    window = ratelimit.hit(runtime.redis, token["$id"], limit, window_seconds)
    if window is None:
        return
    g.api_rate = window
    if not window.allowed:
        raise ApiError(429, "rate_limited",
                       f"This token made more than {limit} requests in {window_seconds} "
                       f"seconds. Try again in {window.retry_after} seconds.",
                       headers={"Retry-After": str(window.retry_after)})


def rate_headers(response: Response) -> Response:
    """The blueprint's ``after_request``: rate-limit headers on bearer responses, and no
    caching of API answers."""
    window = g.get("api_rate")
    if window is not None:
        response.headers["X-RateLimit-Limit"] = str(window.limit)
        response.headers["X-RateLimit-Remaining"] = str(window.remaining)
        response.headers["X-RateLimit-Reset"] = str(window.reset)
    if request.path.startswith("/api/v1/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
