"""Error pages: whole page, htmx fragment or JSON; CSRF, 401, 405, 413, 429 and 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import abort, request
from werkzeug.exceptions import TooManyRequests

from webapp.extensions import limiter

HX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


def test_404_is_a_whole_page(client: Any) -> None:
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Page not found · Keel</title>" in html
    assert 'id="errors-body"' in html
    assert 'id="main"' in html
    assert "Set-Cookie" not in response.headers  # a crawler's 404 creates no session


def test_404_for_htmx_is_only_the_fragment(client: Any) -> None:
    response = client.get("/no-such-page", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html.lstrip().startswith('<section id="errors-body"')
    assert "<html" not in html
    assert "data-error-message" in html
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_htmx_navigation_gets_the_whole_page(client: Any) -> None:
    response = client.get("/no-such-page", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_json_when_the_client_prefers_it(client: Any) -> None:
    response = client.get("/no-such-page", headers=JSON)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": response.get_json()[
        "error"]["message"]}}
    assert response.get_json()["error"]["message"]


def test_json_for_everything_under_api(client: Any) -> None:
    # API v1 answers in its own error model (docs/api.md): code, message, field errors
    response = client.get("/api/v1/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "not_found" and body["message"]


def test_browsers_accept_header_gets_html(client: Any) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/no-such-page", headers={"Accept": accept})
    assert response.mimetype == "text/html"


def test_405_keeps_the_allow_header(client: Any) -> None:
    response = client.delete("/healthz", headers=JSON)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_csrf_failure_page(client: Any) -> None:
    client.get("/login")  # a session with a CSRF token exists; the post doesn't carry it
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session expired or the form was stale — reload and try again." in html
    assert "token is missing" not in html


def test_csrf_failure_as_json(client: Any) -> None:
    response = client.post("/login", data={}, headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_csrf_failure_for_htmx_is_a_fragment(client: Any) -> None:
    response = client.post("/login", data={}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<html" not in html
    assert "form was stale" in html


def test_401_for_htmx_redirects_to_sign_in(client: Any, app: Any, add_route: Any) -> None:
    add_route("/_t/private", lambda: abort(401))
    response = app.test_client().get(
        "/_t/private", headers={**HX, "HX-Current-URL": "http://localhost/projects/7?tab=2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/projects/7?tab%3D2"
    elsewhere = app.test_client().get(
        "/_t/private", headers={**HX, "HX-Current-URL": "http://localhost//evil.example/x"})
    assert elsewhere.headers["HX-Redirect"] == "/login"


def test_a_views_own_message_is_shown(app: Any, add_route: Any) -> None:
    add_route("/_t/forbidden", lambda: abort(403, "Only project admins can archive it."))
    response = app.test_client().get("/_t/forbidden")
    assert response.status_code == 403
    assert "Only project admins can archive it." in response.get_data(as_text=True)


def test_500_never_leaks_the_exception(app: Any, add_route: Any) -> None:
    def broken() -> str:
        raise RuntimeError("secret-detail: password=hunter2")

    add_route("/_t/broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    page = client.get("/_t/broken")
    html = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Something went wrong on our side" in html
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert page.headers["Content-Security-Policy"]
    data = client.get("/_t/broken", headers=JSON).get_json()
    assert data["error"]["code"] == "internal_error"
    assert "hunter2" not in str(data)
    fragment = client.get("/_t/broken", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "hunter2" not in fragment


def test_413_names_the_limit(app: Any, add_route: Any) -> None:
    add_route("/_t/upload", lambda: str(len(request.form)), methods=["POST"])
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/_t/upload", data={"f": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "The limit is 2 MB." in response.get_data(as_text=True)


def test_429_from_the_rate_limiter_says_when_to_retry(app: Any, add_route: Any) -> None:
    add_route("/_t/limited", limiter.limit("1 per minute")(lambda: "ok"))
    client = app.test_client()
    assert client.get("/_t/limited").status_code == 200
    response = client.get("/_t/limited")
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 60
    html = response.get_data(as_text=True)
    assert "Try again in" in html
    assert client.get("/_t/limited", headers=JSON).get_json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("retry_after", "seconds", "wait"),
    [
        (125, {125}, {"3 minutes"}),
        (1, {1}, {"1 second"}),
        (timedelta(seconds=40.5), {40, 41}, {"40 seconds", "41 seconds"}),  # an HTTP date
    ],
)
def test_429_uses_the_errors_retry_after(app: Any, add_route: Any, retry_after: Any,
                                         seconds: set[int], wait: set[str]) -> None:
    def locked() -> str:
        when = datetime.now(UTC) + retry_after if isinstance(retry_after, timedelta) else None
        raise TooManyRequests(retry_after=when or retry_after)

    add_route("/_t/locked", locked)
    response = app.test_client().get("/_t/locked", headers=JSON)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) in seconds
    message = response.get_json()["error"]["message"]
    assert any(message.endswith(f"Try again in {w}.") for w in wait), message


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 413, 429, 500])
def test_every_documented_code_renders(app: Any, add_route: Any, code: int) -> None:
    add_route(f"/_t/abort{code}", lambda: abort(code))
    client = app.test_client()
    page = client.get(f"/_t/abort{code}")
    assert page.status_code == code
    assert f"Error {code}" in page.get_data(as_text=True)
    data = client.get(f"/_t/abort{code}", headers=JSON).get_json()
    assert set(data["error"]) == {"code", "message"}
