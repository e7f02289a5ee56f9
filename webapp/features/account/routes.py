"""/legal (the legal gate), /account/convert and /account/delete."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from webapp.audit import Acting
from webapp.authz.guards import login_required
from webapp.extensions import runtime
from webapp.htmx import render
from webapp.identity.forms import attach_errors
from webapp.identity.lifecycle_routes import current_resolution, home_for, landing
from webapp.identity.lifecycle_table import PathGroup
from webapp.identity.sessions import sign_out

from .conversion import convert_to_organization
from .deletion import delete_account
from .errors import FieldErrors, Refused
from .forms import ConvertForm, DeleteAccountForm, LegalForm
from .legal import accept_legal, legal_status

bp = Blueprint("account", __name__)


def _acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


# -- legal gate ----------------------------------------------------------------------------
def _legal_page(form: LegalForm | None = None, status: int = 200) -> Response:
    legal = legal_status(runtime().store, g.user)
    return render("account/legal.html", "account_legal", status=status,
                  form=form or LegalForm(), legal=legal)


@bp.route("/legal", methods=["GET", "POST"])
@login_required
def legal() -> Response:
    if request.method == "GET":
        if not current_resolution().needs_legal:
            return redirect(home_for(current_resolution()))
        return _legal_page()
    form = LegalForm()
    if not form.validate_on_submit():
        return _legal_page(form, 422)
    try:
        status = accept_legal(runtime().store, _acting(), g.user["$id"],
                              accept_terms=bool(form.accept_terms.data),
                              accept_dpa=bool(form.accept_dpa.data),
                              apply_to_org=bool(form.apply_to_org.data))
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _legal_page(form, 422)
    if status.held:
        return redirect(url_for(".legal"), 303)
    flash("Thank you. The Terms of Service and the Data Processing Agreement are accepted.",
          "success")
    return redirect(url_for("web.home"), 303)


# -- personal → organization ---------------------------------------------------------------
@bp.route("/account/convert", methods=["GET", "POST"])
@login_required
def convert() -> Response:
    form = ConvertForm()
    status = 200
    personal = g.user.get("account_type") == "PERSONAL"
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                org = convert_to_organization(
                    runtime().store, _acting(), g.user["$id"], name=form.name.data or "",
                    size=form.size.data or None, confirm=bool(form.confirm.data),
                    accept_legal=bool(form.accept_legal.data))
            except FieldErrors as exc:
                attach_errors(form, exc)
            except Refused as exc:
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                flash(f"Your account is now the organization “{org['name']}”.", "success")
                return redirect(landing(PathGroup.ORGANIZATION) or url_for("web.home"), 303)
    return render("account/convert.html", "account_convert_form", status=status, form=form,
                  personal=personal)


# -- deletion ------------------------------------------------------------------------------
@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete() -> Response:
    form = DeleteAccountForm()
    status = 200
    has_password = bool(g.user.get("password_hash"))
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                delete_account(runtime().store, _acting(), g.user["$id"],
                               password=form.password.data or "",
                               confirm_email=form.confirm_email.data or "")
            except FieldErrors as exc:
                attach_errors(form, exc)
                if not has_password and "password" in exc.errors:
                    form.confirm_email.errors = [exc.errors["password"]]
            except Refused as exc:
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                sign_out(session)
                g.user = None
                flash("Your account has been deleted.", "success")
                return redirect(url_for("identity.login"), 303)
    return render("account/delete.html", "account_delete_form", status=status, form=form,
                  has_password=has_password)
