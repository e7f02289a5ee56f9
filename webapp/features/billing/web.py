"""Request hooks of the billing area: traffic metering and the billing write guard.

- ``meter`` (after_request): request body bytes (``Content-Length``; the body is never
  read) + response body bytes of every request naming a workspace — directly
  (``workspace_id``) or through the project/space its guard loaded (``g.workspace``) —
  are added to Redis (``metering.note``), with the compute weight of the operation a
  successful request performed; a Redis outage never fails the request.
- ``write_guard`` (before_request, after the lifecycle guard): while the signed-in user's
  billing account (the organization's, or their own) is SUSPENDED, every unsafe request
  outside billing, account and sign-in pages is refused with 403 ``BILLING_SUSPENDED``
  (a page, or JSON for JSON clients). Reading, topping up and exporting stay open.
"""

from __future__ import annotations

import atexit
import logging

from flask import Flask, Response, abort, current_app, g, jsonify, request
from redis.exceptions import RedisError

from webapp.extensions import runtime
from webapp.identity.lifecycle import invalidate_many, set_billing_status_provider
from webapp.identity.lifecycle_routes import current_resolution, lifecycle_guard
from webapp.web.errors import wants_json

from . import metering
from .accounts import on_status_change, status_provider
from .errors import SUSPENDED_MESSAGE
from .ledger import compute_milli

log = logging.getLogger(__name__)
SAFE = ("GET", "HEAD", "OPTIONS")
OPEN_PREFIXES = ("/billing", "/account", "/auth", "/login", "/logout", "/webhooks", "/static")


def _workspace_of_request() -> tuple[str | None, str | None]:
    workspace = g.get("workspace")
    args = request.view_args or {}
    ws_id = workspace["$id"] if workspace else args.get("workspace_id")
    project = g.get("project")
    project_id = project["$id"] if project else args.get("project_id")
    return ws_id, project_id


def meter(response: Response) -> Response:
    settings = current_app.config["KEEL_SETTINGS"]
    if not settings.metering_enabled:
        return response
    ws_id, project_id = _workspace_of_request()
    if not ws_id:
        return response
    size = response.content_length
    if size is None and not response.is_streamed:
        size = len(response.get_data())
    compute = 0
    if response.status_code < 400:
        compute = compute_milli(metering.operation_for(request.endpoint, request.method))
    try:
        metering.note(runtime().redis, str(ws_id), project_id,
                      int(request.content_length or 0) + int(size or 0),
                      compute_milli=compute)
    except RedisError:
        log.warning("traffic metering skipped: Redis unavailable")
    return response


def write_guard() -> Response | None:
    if request.method in SAFE or g.get("user") is None:
        return None
    if request.path.startswith(OPEN_PREFIXES):
        return None
    if current_resolution().billing_status != "SUSPENDED":
        return None
    if wants_json() or request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "BILLING_SUSPENDED", "message": SUSPENDED_MESSAGE}})
        response.status_code = 403
        return response
    abort(403, SUSPENDED_MESSAGE)


def _forget_lifecycles(user_ids: list[str]) -> None:
    invalidate_many(user_ids)


def init_app(app: Flask) -> None:
    set_billing_status_provider(status_provider)
    on_status_change(_forget_lifecycles)
    # the write guard answers before the lifecycle guard would redirect a suspended user's
    # POST: a refused write must say why (403 BILLING_SUSPENDED), not bounce
    funcs = app.before_request_funcs.setdefault(None, [])
    at = funcs.index(lifecycle_guard) if lifecycle_guard in funcs else len(funcs)
    funcs.insert(at, write_guard)
    app.after_request(meter)
    settings = app.config["KEEL_SETTINGS"]
    if not settings.testing:
        rt = app.extensions["keel.runtime"]
        atexit.register(metering.flush_quietly, lambda: rt.store, rt.redis)
