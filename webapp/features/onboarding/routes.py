"""/onboarding (the stepper) and /welcome (org users without a workspace).

The step shown comes from the user's lifecycle state, never from the request, and each
POST is accepted only in its own step (``service``), so a saved step cannot be redone.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from webapp.audit import Acting
from webapp.authz.guards import login_required
from webapp.extensions import runtime
from webapp.features.account.errors import FieldErrors, Refused
from webapp.htmx import render
from webapp.identity.forms import attach_errors
from webapp.identity.lifecycle_routes import current_resolution, home_for, landing
from webapp.identity.lifecycle_table import LifecycleState, PathGroup

from . import service
from .forms import AccountTypeForm, ActionForm, OrganizationForm, WorkspaceForm

bp = Blueprint("onboarding", __name__)
PAGE = "onboarding/index.html"
WELCOME = "onboarding/welcome.html"
S = LifecycleState


def _acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def _org_name(org_id: str | None) -> str | None:
    if not org_id:
        return None
    org = runtime().store.find("organizations", org_id)
    return None if org is None else str(org["name"])


def _page(status: int = 200, error: str | None = None, **forms: Any) -> Response:
    resolution = current_resolution()
    step = service.step_of(resolution)
    return render(
        PAGE, "onboarding_step", status=status, step=step, error=error,
        type_form=forms.get("type_form") or AccountTypeForm(),
        org_form=forms.get("org_form") or OrganizationForm(),
        workspace_form=forms.get("workspace_form") or WorkspaceForm(),
        skip_form=ActionForm(),
        org_name=_org_name(resolution.organization_id),
        account_type=g.user.get("account_type"),
        deleted_orgs=_deleted_orgs(),
    )


def _deleted_orgs() -> list[dict[str, Any]]:
    """Organizations this owner deleted and may still restore (shown above the steps)."""
    from webapp.features.orgs.deletion import deleted_organizations_of

    return deleted_organizations_of(runtime().store, g.user["$id"])


def _after_workspace(workspace: dict[str, Any]) -> Response:
    flash(f"Workspace “{workspace['name']}” created.", "success")
    try:
        target = url_for("workspaces.home", workspace_id=workspace["$id"])
    except Exception:  # the workspace pages are not installed
        target = url_for("web.home")
    return redirect(target, 303)


@bp.route("/onboarding")
@login_required
def index() -> Response:
    if service.step_of(current_resolution()) is None:
        return redirect(home_for(current_resolution()))
    return _page()


@bp.route("/onboarding/account-type", methods=["POST"])
@login_required
def account_type() -> Response:
    form = AccountTypeForm()
    if not form.validate_on_submit():
        return _page(422, type_form=form)
    try:
        service.choose_account_type(runtime().store, _acting(), g.user["$id"],
                                    form.account_type.data or "")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _page(422, type_form=form)
    except Refused as exc:
        return _page(exc.status, exc.message)
    return redirect(url_for(".index"), 303)


@bp.route("/onboarding/organization", methods=["POST"])
@login_required
def organization() -> Response:
    form = OrganizationForm()
    if not form.validate_on_submit():
        return _page(422, org_form=form)
    files = runtime().files
    logo_id = None
    try:
        upload = form.logo.data
        if upload is not None and getattr(upload, "filename", ""):
            from webapp.features.workspaces.images import store_image

            logo_id = store_image(files, upload.read(), field="logo")
        service.create_org(runtime().store, _acting(), g.user["$id"],
                           name=form.name.data or "", size=form.size.data or None,
                           accept_legal=bool(form.accept_legal.data), logo_file_id=logo_id)
    except FieldErrors as exc:
        if logo_id:
            files.delete("images", logo_id)
        attach_errors(form, exc)
        return _page(422, org_form=form)
    except Refused as exc:
        if logo_id:
            files.delete("images", logo_id)
        return _page(exc.status, exc.message)
    flash("Your organization is ready.", "success")
    return redirect(url_for(".index"), 303)


def _create_workspace(on_error: Any) -> Response:
    form = WorkspaceForm()
    if not form.validate_on_submit():
        return on_error(422, None, form)
    try:
        workspace = service.create_first_workspace(runtime().store, _acting(), g.user["$id"],
                                                   form.name.data or "")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return on_error(422, None, form)
    except Refused as exc:
        return on_error(exc.status, exc.message, form)
    return _after_workspace(workspace)


@bp.route("/onboarding/workspace", methods=["POST"])
@login_required
def workspace() -> Response:
    return _create_workspace(lambda status, error, form: _page(status, error,
                                                               workspace_form=form))


@bp.route("/onboarding/skip", methods=["POST"])
@login_required
def skip() -> Response:
    form = ActionForm()
    if not form.validate_on_submit():
        return _page(422)
    try:
        service.skip_workspace(runtime().store, _acting(), g.user["$id"])
    except Refused as exc:
        return _page(exc.status, exc.message)
    return redirect(url_for(".welcome"), 303)


# -- /welcome ------------------------------------------------------------------------------
def _welcome(status: int = 200, error: str | None = None,
             form: WorkspaceForm | None = None) -> Response:
    resolution = current_resolution()
    return render(
        WELCOME, "onboarding_welcome", status=status, error=error,
        resolution=resolution, org_name=_org_name(resolution.organization_id),
        can_create=resolution.state is S.ORG_OWNER_NO_WORKSPACE,
        workspace_form=form or WorkspaceForm(),
        organization_url=landing(PathGroup.ORGANIZATION),
        profile_url=landing(PathGroup.PROFILE),
    )


@bp.route("/welcome")
@login_required
def welcome() -> Response:
    return _welcome()


@bp.route("/welcome/workspace", methods=["POST"])
@login_required
def welcome_workspace() -> Response:
    if current_resolution().state is not S.ORG_OWNER_NO_WORKSPACE:
        return _welcome(403, "Only an owner of the organization can create its first "
                        "workspace. An owner or admin will add you to one.")
    return _create_workspace(_welcome)
