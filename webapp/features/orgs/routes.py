"""The organization page: landing, general settings, logo, deletion and restore.

Tabs live in sibling modules on the same blueprint (``routes_members``,
``routes_departments``, ``routes_activity``); the first-login pages in ``routes_auth``.
Routes are thin: parse, guard, one service call, render.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for
from werkzeug.wrappers import Response

from webapp.audit import Acting
from webapp.authz.guards import login_required, org_required
from webapp.authz.templating import can
from webapp.authz.vocabulary import OrgPermission
from webapp.extensions import runtime
from webapp.htmx import render
from webapp.storage.base import DocumentStore
from webapp.storage.errors import NotFound

from . import deletion, service
from .errors import FieldErrors, Refused
from .forms import ActionForm, DeleteOrgForm, GeneralForm, attach_errors
from .logos import BUCKET, normalize_logo, save_png

bp = Blueprint("orgs", __name__)

P = OrgPermission
# (endpoint, label, permission that opens it), in display order.
TABS: tuple[tuple[str, str, tuple[OrgPermission, ...]], ...] = (
    ("orgs.general", "General", (P.SETTINGS_MANAGE,)),
    ("orgs.members", "Members", (P.MEMBERS_VIEW,)),
    ("orgs.departments", "Departments", (P.DEPARTMENTS_MANAGE,)),
    ("orgs.security", "Security", (P.SECURITY_VIEW,)),
    ("orgs.audit", "Audit", (P.AUDIT_VIEW,)),
    ("billing.org_billing", "Billing", (P.BILLING_VIEW,)),
    ("billing.org_usage", "Usage", (P.BILLING_VIEW,)),
)
TAB_NAMES = {"general": "orgs.general", "members": "orgs.members",
             "departments": "orgs.departments", "security": "orgs.security",
             "audit": "orgs.audit", "billing": "billing.org_billing",
             "usage": "billing.org_usage"}


def store() -> DocumentStore:
    return runtime().store


def acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def visible_tabs() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, keys in TABS if any(can(k) for k in keys)]


def page(template: str, block: str | None = None, *, status: int = 200, tab: str = "",
         **context: Any) -> Response:
    """Render an organization page with the tabs the actor may open."""
    return render(template, block, status=status, org=g.org, me=g.org_member,
                  tabs=visible_tabs(), tab=tab, is_owner=g.org_member.get("role") == "OWNER",
                  **context)


# -- landing -------------------------------------------------------------------------------
@bp.route("/organization")
@login_required
def index() -> Response:
    """The user's primary organization: its first tab they may open."""
    org = service.primary_organization(store(), g.user)
    if org is None:
        if service.primary_organization(store(), g.user, include_deleted=True):
            return redirect(url_for("orgs.deleted"))
        return render("orgs/none.html")
    target = TAB_NAMES.get(request.args.get("tab", ""), "orgs.overview")
    return redirect(url_for(target, org_id=org["$id"]))


@bp.route("/organization/<org_id>")
@org_required()
def overview(org_id: str) -> Response:
    tabs = visible_tabs()
    if tabs:
        return redirect(url_for(tabs[0][0], org_id=org_id))
    return page("orgs/overview.html")


# -- general -------------------------------------------------------------------------------
@bp.route("/organization/<org_id>/general", methods=["GET", "POST"])
@org_required(P.SETTINGS_MANAGE)
def general(org_id: str) -> Response:
    form = GeneralForm(data={"name": g.org["name"], "domain": g.org.get("domain") or ""}
                       if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        old_logo = g.org.get("logo_file_id")
        try:
            png = _check_general(form)  # every field, before a file is stored
            logo_id = save_png(runtime().files, png) if png else None
            updated = service.update_organization(
                store(), acting(), org_id, name=form.name.data or "",
                domain=form.domain.data or "", logo_file_id=logo_id,
                remove_logo=bool(form.remove_logo.data))
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        else:
            if old_logo and updated.get("logo_file_id") != old_logo:
                runtime().files.delete(BUCKET, old_logo)
            flash("Organization settings saved.", "success")
            return redirect(url_for("orgs.general", org_id=org_id), 303)
    elif form.is_submitted():
        status = 422
    return page("orgs/general.html", "orgs_general_form", status=status, tab="orgs.general",
                form=form, delete_form=DeleteOrgForm())


def _check_general(form: GeneralForm) -> bytes | None:
    """Validate the general form's fields together; the normalized logo, if one came."""
    errors: dict[str, str] = {}
    png = None
    upload = form.logo.data
    checks: list[tuple[Any, Any]] = [(service.clean_name, form.name.data),
                                     (service.clean_domain, form.domain.data)]
    if upload and getattr(upload, "filename", ""):
        checks.append((normalize_logo, upload.read()))
    for check, value in checks:
        try:
            result = check(value)
        except FieldErrors as exc:
            errors.update(exc.errors)
        else:
            png = result if check is normalize_logo else png
    if errors:
        raise FieldErrors(errors)
    return png


@bp.route("/organization/<org_id>/logo")
@org_required()
def logo(org_id: str) -> Response:
    file_id = g.org.get("logo_file_id")
    if not file_id:
        abort(404)
    try:
        handle = runtime().files.open(BUCKET, file_id)
    except NotFound:
        abort(404)
    response = send_file(handle, mimetype="image/png", max_age=300)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# -- deletion ------------------------------------------------------------------------------
@bp.route("/organization/<org_id>/delete", methods=["POST"])
@org_required(P.SETTINGS_MANAGE)
def delete(org_id: str) -> Response:
    form = DeleteOrgForm()
    if form.validate_on_submit():
        try:
            deletion.delete_organization(store(), acting(), org_id,
                                         confirm_name=form.confirm_name.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            abort(exc.status, exc.message)
        else:
            flash(f"{g.org['name']} is scheduled for deletion. You can restore it for "
                  f"{deletion.GRACE.days} days.", "success")
            return redirect(url_for("orgs.deleted"), 303)
    general_form = GeneralForm(data={"name": g.org["name"], "domain": g.org.get("domain") or ""})
    return page("orgs/general.html", "orgs_delete_form", status=422, tab="orgs.general",
                form=general_form, delete_form=form)


@bp.route("/account/organizations/deleted")
@login_required
def deleted() -> Response:
    orgs = deletion.deleted_organizations_of(store(), g.user["$id"])
    return render("orgs/deleted.html", orgs=orgs, grace=deletion.GRACE,
                  purge_due_at=deletion.purge_due_at, form=ActionForm())


@bp.route("/account/organizations/<org_id>/restore", methods=["POST"])
@login_required
def restore(org_id: str) -> Response:
    """Deleted organizations are hidden from the org guard; the service checks ownership.

    Under ``/account`` so an owner whose only organization is deleted (back in onboarding)
    can still reach it."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        org = deletion.restore_organization(store(), acting(), org_id)
    except NotFound:
        abort(404)
    except Refused as exc:
        abort(404 if exc.code == "OWNER_ONLY" else exc.status, exc.message)
    flash(f"{org['name']} is restored.", "success")
    return redirect(url_for("orgs.overview", org_id=org_id), 303)


def init_routes() -> None:
    """Import the sibling route modules so their views join ``bp``."""
    from . import routes_activity, routes_auth, routes_departments, routes_members  # noqa: F401
