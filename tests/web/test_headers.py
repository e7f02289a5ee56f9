"""Security headers on every response; no caching of signed-in pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import make_response

from webapp import create_app
from webapp.config import Settings
from webapp.web.security import CSP

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def test_csp_is_exactly_the_policy() -> None:
    assert CSP == EXPECTED_CSP


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_headers(client: Any, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers


def test_hsts_only_with_secure_cookies(settings: Settings) -> None:
    secure = Settings(**{**_raw(settings), "SECURE_COOKIES": True})
    app = create_app(secure)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["keel.runtime"].close()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def _raw(settings: Settings) -> dict[str, Any]:
    return {
        "KEEL_ENV": "test", "KEEL_TESTING": True, "KEEL_INSTANCE": settings.instance_path,
        "SECRET_KEY": settings.secret_key, "REDIS_URL": settings.redis_url,
        "RQ_ASYNC": False,
    }


def test_a_view_may_choose_its_own_referrer_policy(app: Any, add_route: Any) -> None:
    def view() -> Any:
        response = make_response("token page")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    add_route("/_t/referrer", view)
    response = app.test_client().get("/_t/referrer")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP


def test_anonymous_pages_may_be_cached(client: Any) -> None:
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_signed_in_html_is_no_store(member: Any) -> None:
    response = member.get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # static files stay cacheable for the same user
    static = member.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
