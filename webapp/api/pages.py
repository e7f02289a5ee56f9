"""Pages of the API area: personal tokens (create — shown once —, list, revoke), the
OpenAPI document and its browsable rendering."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, jsonify, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.api import openapi, tokens
from webapp.api.base import acting, api, store
from webapp.authz.guards import login_required, public
from webapp.features.items import markdown
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import attach_errors, refused
from webapp.htmx import render

pages = Blueprint("api_pages", __name__)
SCOPE_CHOICES = options([("read", "Read — list and get"),
                         ("write", "Write — create, update and delete work"),
                         ("admin", "Admin — create and configure projects")])


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name")
    scopes = SelectMultipleField("Scopes", choices=SCOPE_CHOICES, option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    expires_in_days = IntegerField("Expires after (days)", validators=[OptionalValue()])


def _page(form: TokenForm | None = None, *, secret: str | None = None,
          status: int = 200) -> Any:
    form = form or TokenForm(formdata=None, scopes=["read"])
    rows = tokens.list_tokens(store(), g.user["$id"])
    return render("api/tokens.html", "api_tokens", status=status, form=form, tokens=rows,
                  status_of=tokens.status_of, secret=secret)


@pages.route("/account/tokens")
@login_required
def index() -> Any:
    return _page()


@pages.route("/account/tokens", methods=["POST"])
@login_required
def create() -> Any:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            created = tokens.create_token(
                store(), acting(), g.user["$id"], name=form.name.data,
                scopes=form.scopes.data or [], expires_in_days=form.expires_in_days.data)
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            form.form_errors.append(exc.message)
        else:
            # shown once, on this response only (never stored, never in a redirect URL)
            response = _page(secret=created.secret, status=201)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _page(form, status=422)


@pages.route("/account/tokens/<token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: str) -> Any:
    try:
        token = tokens.revoke_token(store(), acting(), g.user["$id"], token_id)
    except Refused as exc:
        return refused(exc)
    flash(f"Token “{token['name']}” revoked.", "success")
    if request.headers.get("HX-Request"):
        return _page()
    return redirect(url_for(".index"), 303)


def document() -> dict[str, Any]:
    """The OpenAPI document, built once per app."""
    cached = current_app.extensions.get("keel.api.openapi")
    if cached is None:
        cached = openapi.build(api)
        current_app.extensions["keel.api.openapi"] = cached
    return cached


@pages.route("/api/v1/openapi.json")
@public
def openapi_json() -> Any:
    response = jsonify(document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@pages.route("/api/docs")
@public
def docs() -> Any:
    doc = document()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            html, _ = markdown.render(op.get("description"))
            groups.setdefault(op["tags"][0], []).append(
                {"path": path, "method": method, **op, "description_html": html})
    intro, _ = markdown.render(doc["info"]["description"])
    return render("api/docs.html", doc=doc, groups=groups, intro=intro,
                  schemas=doc["components"]["schemas"])
