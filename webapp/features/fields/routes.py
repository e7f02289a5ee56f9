"""Custom field pages: the project settings "Fields" tab (project scope, inherited fields
read-only) and the workspace page ``/w/<ws>/fields`` (workspace and space scope)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, url_for

from webapp.authz.guards import project_required, workspace_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.fields import service
from webapp.features.fields.forms import FieldActionForm, FieldForm
from webapp.features.projects import helpers
from webapp.features.spaces.service import list_spaces
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render

bp = Blueprint("fields", __name__)
PBASE = "/w/<workspace_id>/projects/<project_id>/settings/fields"


def _form(field: dict[str, Any] | None, type_choices: list[tuple[str, str]],
          scope_choices: list[tuple[str, str]] | None = None) -> FieldForm:
    form = FieldForm()
    form.applies_to_types.choices = options(type_choices)
    form.scope.choices = options(scope_choices or [])
    if field is not None and not form.is_submitted():
        for name in ("name", "key", "field_type", "description", "precision", "currency_code",
                     "is_required", "show_in_list", "show_in_card", "position"):
            form[name].data = field.get(name)
        form.options.data = "\n".join(str(o.get("label") or o.get("value"))
                                      for o in field.get("options") or [])
        default = field.get("default_value")
        form.default_value.data = ", ".join(default) if isinstance(default, list) else (
            "" if default is None else str(default))
        form.applies_to_types.data = list(field.get("applies_to_types") or [])
    return form


def _values(form: FieldForm) -> dict[str, Any]:
    return {name: form[name].data for name in form._fields if name != "csrf_token"}


def _edit(field: dict[str, Any], form: FieldForm, back: str, project: dict[str, Any] | None,
          **page: Any) -> Any:
    """The edit page of one field; a valid post saves it and goes ``back``."""
    status = 200
    if form.validate_on_submit():
        try:
            service.update_field(store(), acting(), field, _values(form),
                                 item_types=helpers.type_keys(project))
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        else:
            flash("Field saved.", "success")
            return redirect(back, 303)
    elif form.is_submitted():
        status = 422
    return render("fields/edit.html", status=status, workspace=g.workspace, project=project,
                  field=field, form=form, type_labels=service.TYPE_LABELS, back=back, **page)


def _delete(field: dict[str, Any], back: str) -> Any:
    if not FieldActionForm().validate_on_submit():
        abort(400)
    try:
        service.delete_field(store(), acting(), field)
    except Refused as exc:
        return refused(exc)
    flash("Field deleted.", "success")
    return redirect(back, 303)


# -- project tab -------------------------------------------------------------------------------
def _project_types() -> list[tuple[str, str]]:
    return [(t["key"], t["label"]) for t in helpers.item_types(g.project)]


def _project_back() -> str:
    return url_for(".project_fields", workspace_id=g.workspace["$id"],
                   project_id=g.project["$id"])


def _project_page(form: FieldForm | None = None, status: int = 200) -> Any:
    rows = service.fields_for(store(), g.project)
    spaces = {s["$id"]: s["name"] for s in list_spaces(store(), g.workspace["$id"],
                                                       g.user["$id"], sees_private=True)}
    return render("fields/project.html", "fields_project", status=status,
                  workspace=g.workspace, project=g.project,
                  own=[f for f in rows if f["scope"] == "PROJECT"],
                  inherited=[f for f in rows if f["scope"] != "PROJECT"], spaces=spaces,
                  form=form or _form(None, _project_types()), type_labels=service.TYPE_LABELS,
                  can_edit=allowed(PP.EDIT_SETTINGS), can_manage_ws=allowed(WP.MANAGE_SETTINGS),
                  action_form=FieldActionForm(formdata=None), stab="fields")


@bp.route(PBASE)
@project_required()
def project_fields(workspace_id: str, project_id: str) -> Any:
    return _project_page()


@bp.route(PBASE, methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def create_project_field(workspace_id: str, project_id: str) -> Any:
    form = _form(None, _project_types())
    if form.validate_on_submit():
        try:
            service.create_field(store(), acting(), workspace_id=workspace_id, scope="PROJECT",
                                 project_id=project_id, values=_values(form),
                                 item_types=helpers.type_keys(g.project))
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Field added.", "success")
            return redirect(_project_back(), 303)
    return _project_page(form, 422)


def _project_field(field_id: str) -> dict[str, Any]:
    field = service.get_field(store(), g.workspace["$id"], field_id)
    if field is None or field["scope"] != "PROJECT" or field["project_id"] != g.project["$id"]:
        abort(404)
    return field


@bp.route(f"{PBASE}/<field_id>", methods=["GET", "POST"])
@project_required(PP.EDIT_SETTINGS)
def edit_project_field(workspace_id: str, project_id: str, field_id: str) -> Any:
    field = _project_field(field_id)
    return _edit(field, _form(field, _project_types()), _project_back(), g.project,
                 stab="fields")


@bp.route(f"{PBASE}/<field_id>/delete", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def delete_project_field(workspace_id: str, project_id: str, field_id: str) -> Any:
    return _delete(_project_field(field_id), _project_back())


# -- workspace page ----------------------------------------------------------------------------
def _spaces() -> list[dict[str, Any]]:
    return list(list_spaces(store(), g.workspace["$id"], g.user["$id"], sees_private=True))


def _scope_choices(spaces: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [("WORKSPACE", "Every project of the workspace")] + [
        (f"space:{s['$id']}", f"Projects of the space {s['name']}") for s in spaces]


def _ws_types() -> list[tuple[str, str]]:
    return [(t["key"], t["label"]) for t in helpers.item_types(None)]


def _ws_page(form: FieldForm | None = None, status: int = 200) -> Any:
    spaces = _spaces()
    rows = service.scope_fields(store(), g.workspace["$id"], scope="WORKSPACE") + \
        service.scope_fields(store(), g.workspace["$id"], scope="SPACE")
    return render("fields/workspace.html", "fields_workspace", status=status,
                  workspace=g.workspace, rows=rows, spaces={s["$id"]: s["name"] for s in spaces},
                  form=form or _form(None, _ws_types(), _scope_choices(spaces)),
                  type_labels=service.TYPE_LABELS, action_form=FieldActionForm(formdata=None))


@bp.route("/w/<workspace_id>/fields")
@workspace_required(WP.MANAGE_SETTINGS)
def workspace_fields(workspace_id: str) -> Any:
    return _ws_page()


@bp.route("/w/<workspace_id>/fields", methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def create_workspace_field(workspace_id: str) -> Any:
    form = _form(None, _ws_types(), _scope_choices(_spaces()))
    if form.validate_on_submit():
        where = form.scope.data or "WORKSPACE"
        space_id = where.removeprefix("space:") if where.startswith("space:") else None
        try:
            if where != "WORKSPACE" and not space_id:
                raise FieldErrors({"scope": "Choose the workspace or one of its spaces."})
            service.create_field(store(), acting(), workspace_id=workspace_id,
                                 scope="SPACE" if space_id else "WORKSPACE",
                                 space_id=space_id, values=_values(form),
                                 item_types=helpers.type_keys(None))
        except FieldErrors as exc:
            if "space_id" in exc.errors:
                exc.errors["scope"] = exc.errors.pop("space_id")
            attach_errors(form, exc)
        else:
            flash("Field added.", "success")
            return redirect(url_for(".workspace_fields", workspace_id=workspace_id), 303)
    return _ws_page(form, 422)


def _ws_field(field_id: str) -> dict[str, Any]:
    field = service.get_field(store(), g.workspace["$id"], field_id)
    if field is None or field["scope"] == "PROJECT":
        abort(404)
    return field


@bp.route("/w/<workspace_id>/fields/<field_id>", methods=["GET", "POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def edit_workspace_field(workspace_id: str, field_id: str) -> Any:
    field = _ws_field(field_id)
    return _edit(field, _form(field, _ws_types()),
                 url_for(".workspace_fields", workspace_id=workspace_id), None)


@bp.route("/w/<workspace_id>/fields/<field_id>/delete", methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def delete_workspace_field(workspace_id: str, field_id: str) -> Any:
    return _delete(_ws_field(field_id), url_for(".workspace_fields", workspace_id=workspace_id))
