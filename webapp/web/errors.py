"""Error pages: a whole page, only the ``errors_body`` block for htmx, or JSON.

JSON (``{"error": {"code", "message"}}``) goes to clients that prefer it (``Accept``) and to
everything under ``/api/``. A 500 never shows a traceback or an exception's text.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, jsonify, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from webapp.htmx import render

log = logging.getLogger(__name__)

TEMPLATE = "errors/error.html"

# status -> (stable code, title, message)
ERRORS: dict[int, tuple[str, str, str]] = {
    400: (
        "bad_request",
        "Something is wrong with that request",
        "Keel could not understand what was sent. Go back, check what you entered and try again.",
    ),
    401: (
        "unauthorized",
        "Sign in to continue",
        "You need to be signed in to see this page.",
    ),
    403: (
        "forbidden",
        "You don't have access",
        "Your account isn't allowed to do this. If you think it should be, ask an administrator.",
    ),
    404: (
        "not_found",
        "Page not found",
        "This page doesn't exist, has moved, or isn't shared with you. Check the address.",
    ),
    405: (
        "method_not_allowed",
        "That action isn't available here",
        "This address doesn't accept that kind of request.",
    ),
    413: (
        "payload_too_large",
        "That's too large",
        "What you sent is larger than Keel accepts.",
    ),
    429: (
        "rate_limited",
        "Slow down a little",
        "Too many requests in a short time.",
    ),
    500: (
        "internal_error",
        "Something went wrong on our side",
        "An unexpected error stopped this page. It has been logged. Try again in a moment.",
    ),
}
CSRF = (
    "csrf_failed",
    "Your session expired",
    "Your session expired or the form was stale — reload and try again.",
)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def retry_after_seconds(error: HTTPException) -> int | None:
    """Seconds until a rate-limited client may retry, from the error or the limiter."""
    value = getattr(error, "retry_after", None)
    if value is None and error.response is not None:
        value = error.response.headers.get("Retry-After")
    if value is None:
        from webapp.extensions import limiter

        try:
            current = limiter.current_limit
        except Exception:  # no limiter context for this request
            current = None
        if current is not None:
            value = current.reset_at - time.time()
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = (aware - datetime.now(UTC)).total_seconds()
    try:
        return max(1, math.ceil(float(value))) if value is not None else None
    except (TypeError, ValueError):
        return None


def _max_upload_text() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return f" The limit is {limit // (1024 * 1024)} MB." if limit and limit >= 1024 * 1024 else ""


def describe(error: HTTPException) -> tuple[int, str, str, str, dict[str, str]]:
    """Status, stable code, title, message and extra headers for an HTTP error."""
    status = error.code or 500
    headers: dict[str, str] = {}
    if isinstance(error, CSRFError):
        code, title, message = CSRF
        return 400, code, title, message, headers
    default = ERRORS.get(status)
    if default is None:
        name = error.name or "Error"
        default = (name.lower().replace(" ", "_").replace("'", ""), name, error.description or "")
    code, title, message = default
    custom = error.description and error.description != type(error).description
    if status == 429:
        seconds = retry_after_seconds(error)
        if seconds is not None:
            headers["Retry-After"] = str(seconds)
            message = f"{message} Try again in {_wait_text(seconds)}."
        else:
            message = f"{message} Wait a moment, then try again."
    elif status == 413:
        message += _max_upload_text()
    elif status == 405:
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            headers["Allow"] = allow
    elif custom and status < 500:
        message = str(error.description)  # a view's own words, e.g. abort(403, "...")
    return status, code, title, message, headers


def error_response(
    status: int, code: str, title: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
    else:
        context: dict[str, Any] = {
            "status_code": status, "code": code, "title": title, "message": message,
            "retry_url": _retry_url(),
        }
        try:
            response = render(TEMPLATE, block="errors_body", status=status, **context)
        except Exception:
            log.exception("rendering the %s error page failed", status)
            response = Response(_plain_page(status, title, message), status=status,
                                mimetype="text/html")
        if status == 401 and request.headers.get("HX-Request") == "true":
            # htmx follows HX-Redirect even on an error status: back to sign-in, then here.
            current = request.headers.get("HX-Current-URL", "")
            response.headers["HX-Redirect"] = _login_url(current)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _retry_url() -> str | None:
    """Where "Try again" leads: this page for a GET, else the same-site page the form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return "/" + referrer[len(request.host_url):]
    return None


def _login_url(next_url: str) -> str:
    from urllib.parse import urlsplit

    if "identity.login" not in current_app.view_functions:
        return url_for("web.home")
    parts = urlsplit(next_url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("identity.login")
    return url_for("identity.login", next=target)


def _plain_page(status: int, title: str, message: str) -> str:
    from markupsafe import escape

    return (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{escape(title)} · Keel'
        f"</title><main><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        f'<p><a href="/">Go to the home page</a></p><p>Error {status}</p></main></html>'
    )


def handle_http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error
    status, code, title, message, headers = describe(error)
    return error_response(status, code, title, message, headers)


def handle_internal_error(error: InternalServerError) -> Response:
    # Flask has already logged the original exception with its traceback.
    code, title, message = ERRORS[500]
    return error_response(500, code, title, message)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(CSRFError, handle_http_error)
