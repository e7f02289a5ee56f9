"""Security headers on every response, and no caching of signed-in users' pages."""

from __future__ import annotations

from flask import Flask, current_app, g
from werkzeug.wrappers import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)
HSTS = "max-age=63072000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(response: Response) -> Response:
    """Set the defaults; a view that chose its own value (e.g. ``no-referrer``) keeps it."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    settings = current_app.config["KEEL_SETTINGS"]
    if settings.secure_cookies:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if (
        g.get("user") is not None
        and response.mimetype == "text/html"
        and "Cache-Control" not in response.headers
    ):
        # Pages of a signed-in user never sit in a shared or back/forward disk cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
