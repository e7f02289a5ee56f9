"""The shell's own pages: home (landing for visitors, dashboard when signed in), /healthz."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from werkzeug.wrappers import Response

from webapp.authz.guards import public
from webapp.extensions import runtime
from webapp.htmx import render

from . import health

bp = Blueprint("web", __name__)


@bp.route("/")
@public
def home() -> Response:
    """Visitors see the landing page; signed-in users their dashboard."""
    if g.get("user") is None:
        return render("web/landing.html")
    return render("web/home.html", block="home_workspaces", user=g.user)


@bp.route("/healthz")
@public
def healthz() -> Response:
    body, status = health.report(runtime())
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
