"""The RQ dashboard (rq-dashboard) at ``/admin/jobs``, for platform admins only.

rq-dashboard is a third-party blueprint, so its views cannot carry our guard decorators;
the whole blueprint is guarded instead (``GUARDED_BLUEPRINTS``, which the url_map test
accepts), by a ``before_request`` that runs before the dashboard's own:

* visitors are sent to the login page, signed-in users who are not platform admins get 404
  (``require_platform_admin``, the same check as the ``platform_admin`` decorator);
* writes must come from our own pages (``Origin``/``Referer``) and carry the CSRF token:
  the blueprint is *not* exempt from CSRFProtect. The dashboard's scripts send
  ``X-CSRFToken`` from a ``_csrf_token`` cookie, so its pages set that cookie (our
  session's token, readable by script, scoped to ``/admin/jobs``, SameSite=Strict);
* "requeue all" also answers GET upstream; GET is refused here (405) so a link cannot
  trigger it.

Its pages use inline scripts and underscore templates (``new Function``) and inline
styles, so its responses, and only those, get a relaxed Content-Security-Policy. The web
shell sets its strict policy with ``setdefault`` after this blueprint's ``after_request``,
so the dashboard's header stands.
"""

from __future__ import annotations

from typing import Any

import rq_dashboard
from flask import Flask, abort, current_app, g, request
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from webapp.authz.guards import guard_blueprint, is_same_origin, require_platform_admin

URL_PREFIX = "/admin/jobs"
BLUEPRINT = rq_dashboard.blueprint.name  # "rq_dashboard"
CSRF_COOKIE = "_csrf_token"  # the name rq-dashboard's script reads
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GET_REFUSED = frozenset({f"{BLUEPRINT}.requeue_all"})

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


def init_app(app: Flask) -> None:
    runtime = app.extensions["keel.runtime"]
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", runtime.redis_url)
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    with app.app_context():
        rq_dashboard.web.setup_rq_connection(app)
    guard_blueprint(BLUEPRINT, "platform_admin")
    # Ahead of the dashboard's own before_request (it opens Redis connections).
    app.before_request_funcs.setdefault(BLUEPRINT, []).insert(0, guard)
    app.after_request_funcs.setdefault(BLUEPRINT, []).append(dashboard_headers)


def guard() -> Any:
    refusal = require_platform_admin()
    if refusal is not None:
        return refusal
    if request.method in UNSAFE_METHODS and not is_same_origin():
        abort(403)
    if request.method == "GET" and request.endpoint in GET_REFUSED:
        abort(405)
    return None


def dashboard_headers(response: Response) -> Response:
    """The relaxed CSP and the CSRF cookie, on the dashboard's own responses only (not on
    the redirect or 404 that ``guard`` gave anyone else)."""
    user = g.get("user")
    if user is None or not user.get("is_platform_admin"):
        return response
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html" and response.status_code == 200:
        settings = current_app.config["KEEL_SETTINGS"]
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            path=URL_PREFIX,
            secure=settings.secure_cookies,
            httponly=False,
            samesite="Strict",
        )
    return response
