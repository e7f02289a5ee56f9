"""Home (landing for visitors, dashboard when signed in), the layout, htmx render and flashes."""

from __future__ import annotations

import re
from typing import Any

from flask import flash

from webapp.htmx import render

HX = {"HX-Request": "true"}


def test_visitors_see_the_landing_page(client: Any) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Plan, track and ship with your team." in html
    assert 'href="/login"' in html and 'href="/signup"' in html
    assert "Set-Cookie" not in response.headers  # no session for a page view
    assert "hx-headers" not in html  # no CSRF token minted for a visitor
    assert "ws-connect" not in html


def test_layout_landmarks_and_htmx_config(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html
    assert '<div id="toasts" class="toasts" aria-live="polite"' in html
    assert '<dialog id="shortcuts-dialog"' in html
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert meta
    import json

    config = json.loads(meta.group(1))
    assert config["includeIndicatorStyles"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]
    codes = [rule["code"] for rule in config["responseHandling"]]
    assert codes.index("422") < codes.index("[45]..")
    # CSP: no inline script, no inline style, no inline handlers
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_signed_in_home_is_the_dashboard(member: Any, user: dict[str, Any]) -> None:
    response = member.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Welcome, {user['name']}" in html
    assert "Your workspaces" in html and "Grace&#39;s workspace" in html
    assert 'id="home-workspaces"' in html
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)
    assert 'action="/logout"' in html  # sign out is a POST form
    assert 'href="/account/sessions"' in html
    assert 'href="/login"' not in html


def test_dashboard_fragment_for_htmx(member: Any) -> None:
    response = member.get("/", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="home-workspaces"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_render_returns_the_block_only_for_htmx(app: Any, add_route: Any) -> None:
    ctx = {"status_code": 418, "code": "teapot", "title": "Teapot", "message": "Short and stout."}
    add_route("/_t/render", lambda: render("errors/error.html", block="errors_body", **ctx))
    client = app.test_client()
    whole = client.get("/_t/render")
    part = client.get("/_t/render", headers=HX)
    restore = client.get("/_t/render", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in whole.get_data(as_text=True)
    assert part.get_data(as_text=True).lstrip().startswith('<section id="errors-body"')
    assert "<html" in restore.get_data(as_text=True)
    for response in (whole, part, restore):
        assert "HX-Request" in response.headers["Vary"]


def test_flashes_show_as_toasts_on_a_full_page(app: Any, add_route: Any) -> None:
    def flashing() -> Any:
        flash("Saved.", "success")
        flash("Careful <b>now</b>", "warning")
        return render("web/landing.html")

    add_route("/_t/flash", flashing)
    html = app.test_client().get("/_t/flash").get_data(as_text=True)
    toasts = html[html.index('id="toasts"'):]
    assert 'class="toast toast--success"' in toasts and "Saved." in toasts
    assert "Careful &lt;b&gt;now&lt;/b&gt;" in toasts
    assert "data-toast-close" in toasts


def test_flashes_ride_along_htmx_fragments_out_of_band(app: Any, add_route: Any) -> None:
    ctx = {"status_code": 200, "code": "x", "title": "T", "message": "M"}

    def fragment() -> Any:
        flash("Item moved.", "success")
        return render("errors/error.html", block="errors_body", **ctx)

    def failing() -> Any:
        flash("Kept for later.", "info")
        return render("errors/error.html", block="errors_body", status=404, **ctx)

    add_route("/_t/fragment", fragment)
    add_route("/_t/failing", failing)
    client = app.test_client()
    html = client.get("/_t/fragment", headers=HX).get_data(as_text=True)
    assert '<div hx-swap-oob="beforeend:#toasts">' in html
    assert "Item moved." in html
    # an error response is not swapped: its flash waits for the next page
    assert "hx-swap-oob" not in client.get("/_t/failing", headers=HX).get_data(as_text=True)
    assert "Kept for later." in client.get("/").get_data(as_text=True)
