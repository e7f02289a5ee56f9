"""The API's error model: ``{"code", "message", "errors"}`` with a consistent status.

| status | when |
|---|---|
| 400 | malformed request: not JSON, a bad query parameter, a bad ``If-Match`` |
| 401 | no credentials, an unknown, revoked or expired token |
| 403 | the token lacks the scope, or the actor may see the resource but not do this |
| 404 | missing, or hidden from the actor (load first, then authorize: 404 before 403) |
| 409 | a rule refused the change (``Refused``), or a stale ``If-Match`` version |
| 422 | field errors (``FieldErrors``), ``errors`` maps each field to its message |
| 428 | an update without ``If-Match`` |
| 429 | the token's rate limit; ``Retry-After`` says when to try again |
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from webapp.features.workspaces.errors import FieldErrors, Refused

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid", 428: "precondition_required",
    429: "rate_limited", 500: "internal_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Send a valid API token as “Authorization: Bearer keel_…”.",
    403: "You are not allowed to do this.",
    404: "This resource does not exist or is not shared with you.",
    405: "This address does not accept that method.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    422: "Some fields are invalid.",
    428: "Send the item's ETag in If-Match.",
    429: "Too many requests.",
    500: "Something went wrong on our side.",
}


class ApiError(Exception):
    """Raised by API views; rendered as the error model."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "Error.")
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(self.message)


def body(status: int, code: str, message: str, errors: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"code": code, "message": message, "errors": errors or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="keel"'
    return response


def from_api_error(exc: ApiError) -> Response:
    return body(exc.status, exc.code, exc.message, exc.errors, exc.headers)


def from_http(exc: HTTPException) -> Response:
    """Aborts from guards and werkzeug (404 unknown path, 405 ...) in the API's shape."""
    from flask_wtf.csrf import CSRFError

    status = exc.code or 500
    if isinstance(exc, CSRFError):
        return body(403, "csrf_failed", "Send the CSRF token in X-CSRFToken, or use a bearer "
                    "token.")
    described = exc.description and exc.description != type(exc).description
    message = str(exc.description) if described and status < 500 else MESSAGES.get(
        status, exc.name)
    headers: dict[str, str] = {}
    if status == 405:
        allow = dict(exc.get_headers()).get("Allow")
        if allow:
            headers["Allow"] = allow
    return body(status, CODES.get(status, "error"), message, None, headers)


def from_field_errors(exc: FieldErrors) -> ApiError:
    return ApiError(422, "invalid", "Some fields are invalid.",
                    {str(k): str(v) for k, v in exc.errors.items()})


def from_refused(exc: Refused) -> ApiError:
    """A service refusal: its own status (404 missing, 403 forbidden, 400 bad reference)
    or 409 for a rule."""
    status = exc.status if exc.status in (400, 403, 404, 409, 422) else 409
    return ApiError(status, exc.code.lower(), exc.message)


def internal() -> Response:
    return body(500, "internal_error", MESSAGES[500])


def describe_pydantic(exc: Any) -> dict[str, str]:
    """``{field: message}`` from a pydantic ValidationError (dotted paths for nesting)."""
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__") or "body"
        out.setdefault(loc, str(error.get("msg", "Invalid value.")))
    return out
