"""The ``/api/v1`` blueprint, its operation registry and what every view shares.

Resource modules (``webapp/api/resources/*.py``) import ``api`` and declare operations;
``webapp/api/__init__.py`` imports them and registers the blueprint. Domain exceptions
raised by the services map to the error model here, once: ``FieldErrors`` -> 422,
``Refused`` -> its status (409 for a rule), ``StaleEdit`` -> 409 ``stale_version``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.api import errors
from webapp.api.auth import authenticate, rate_headers
from webapp.api.errors import ApiError
from webapp.api.router import Api
from webapp.audit import Acting
from webapp.features.items.service import StaleEdit
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

bp = Blueprint("api", __name__)
api = Api(bp)
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-\d+$")


def store() -> DocumentStore:
    from webapp.extensions import runtime

    return runtime().store


def acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def load_item(project_id: str, ref: str) -> Document:
    """A work item of the project by id or key (``WEB-12``); 404 otherwise."""
    if KEY.match(ref):
        item = store().first("work_items", [Query.equal("project_id", project_id),
                                            Query.equal("key", ref.upper())])
    else:
        item = store().find("work_items", ref)
    if item is None or item["project_id"] != project_id:
        raise ApiError(404, "item_not_found", "This work item does not exist.")
    return item


def etag(version: Any) -> str:
    return f'"{int(version or 1)}"'


def if_match(required: bool) -> int | None:
    """The version named by ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None for ``*`` or
    when absent and not required. 428 when required and absent, 400 when malformed."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        if required:
            raise ApiError(428, "precondition_required", "Send the item's ETag (its version) "
                           "in If-Match, e.g. If-Match: \"3\".")
        return None
    value = raw.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise ApiError(400, "invalid_if_match", "If-Match must be the item's ETag, e.g. "
                       "\"3\".", {"If-Match": "Not a version."})
    return int(value)


# -- error handlers and hooks ----------------------------------------------------------------
@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return errors.from_api_error(exc)


@bp.errorhandler(FieldErrors)
def _field_errors(exc: FieldErrors) -> Response:
    return errors.from_api_error(errors.from_field_errors(exc))


@bp.errorhandler(StaleEdit)
def _stale(exc: StaleEdit) -> Response:
    changed = {name: "Changed since your version." for name in exc.changed}
    return errors.body(409, "stale_version", exc.message, changed,
                       {"ETag": etag(exc.current.get("version"))})


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    return errors.from_api_error(errors.from_refused(exc))


@bp.errorhandler(HTTPException)
@bp.errorhandler(CSRFError)  # the app registers its own for CSRFError's code (400)
def _http(exc: HTTPException) -> Response:
    return errors.from_http(exc)


@bp.errorhandler(500)
def _internal(exc: Exception) -> Response:
    return errors.internal()


@bp.before_request
def _authenticate() -> None:
    authenticate(api.by_endpoint)


@bp.after_request
def _after(response: Response) -> Response:
    if response.status_code >= 400 and response.mimetype == "text/html":
        # a guard's HTML page (a workspace closed for deletion): the same refusal as JSON
        response = errors.body(response.status_code, errors.CODES.get(
            response.status_code, "error"), errors.MESSAGES.get(response.status_code, "Error."))
    return rate_headers(response)
