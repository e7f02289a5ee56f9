"""Project settings tabs: General (+ image), Work types, Priorities, Labels, Danger zone.

Every member may read the tabs (controls are hidden without ``project.settings.edit``);
writes need ``project.settings.edit``, the Danger zone ``project.settings.manage`` and
deleting ``project.delete``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for

from webapp.authz.guards import project_required
from webapp.authz.policy import effective_project_role
from webapp.authz.roles import ProjectRole
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.extensions import runtime
from webapp.features.projects import danger, helpers, service, settings
from webapp.features.projects.forms import (
    ActionForm,
    ConfirmDeleteForm,
    CopyForm,
    CustomForm,
    GeneralForm,
    KeyForm,
)
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import ImageForm, options
from webapp.features.workspaces.images import BUCKET, store_image
from webapp.features.workspaces.members import list_members
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("project_settings", __name__)
BASE = "/w/<workspace_id>/projects/<project_id>"
KIND = "<any(types, priorities, labels):kind>"


def _here(endpoint: str, **extra: Any) -> Any:
    return redirect(url_for(endpoint, workspace_id=g.workspace["$id"],
                            project_id=g.project["$id"], **extra), 303)


def _member_names(project_id: str) -> list[tuple[str, str]]:
    names = {m["user_id"]: m.get("name") or m.get("email") or m["user_id"]
             for m in list_members(store(), g.workspace["$id"])}
    return [(m["user_id"], names.get(m["user_id"], m["user_id"]))
            for m in service.list_project_members(store(), project_id)]


def _day(value: Any) -> str:
    return value.date().isoformat() if hasattr(value, "date") else (value or "")


def _general_form(project: dict[str, Any]) -> GeneralForm:
    form = GeneralForm()
    form.default_assignee_id.choices = options(
        [("", "Nobody"), *_member_names(project["$id"])])
    form.sprint_start_day.choices = options((str(i), d) for i, d in enumerate(settings.WEEKDAYS))
    if not form.is_submitted():
        for name in ("name", "description", "board_type", "status", "color",
                     "default_assignee_id", "default_swimlane"):
            form[name].data = project.get(name) or form[name].default
        form.start_date.data = _day(project.get("start_date"))
        form.deadline.data = _day(project.get("deadline"))
        form.auto_assign_creator.data = bool(project.get("auto_assign_creator"))
        form.default_sprint_duration.data = str(project.get("default_sprint_duration") or 14)
        form.sprint_start_day.data = str(project.get("sprint_start_day", 1))
    return form


def _general_page(form: GeneralForm | None = None, image_form: Any = None,
                  status: int = 200) -> Any:
    return render("projects/settings/general.html", "settings_general", status=status,
                  workspace=g.workspace, project=g.project,
                  form=form or _general_form(g.project), image_form=_image_form(image_form),
                  can_edit=allowed(PP.EDIT_SETTINGS))


def _image_form(form: ImageForm | None) -> ImageForm:
    form = form or ImageForm()
    form.image.label.text = "Project image"
    return form


@bp.route(f"{BASE}/settings")
@project_required()
def index(workspace_id: str, project_id: str) -> Any:
    return _here(".general")


@bp.route(f"{BASE}/settings/general")
@project_required()
def general(workspace_id: str, project_id: str) -> Any:
    return _general_page()


@bp.route(f"{BASE}/settings/general", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def save_general(workspace_id: str, project_id: str) -> Any:
    form = _general_form(g.project)
    if form.validate_on_submit():
        try:
            settings.update_general(store(), acting(), project_id, form.data)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Settings saved.", "success")
            return _here(".general")
    return _general_page(form, status=422)


@bp.route(f"{BASE}/image")
@project_required()
def image(workspace_id: str, project_id: str) -> Any:
    file_id = g.project.get("image_file_id")
    if not file_id or not runtime().files.exists(BUCKET, file_id):
        abort(404)
    response = send_file(runtime().files.open(BUCKET, file_id), mimetype="image/png",
                         max_age=0)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route(f"{BASE}/settings/image", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def upload_image(workspace_id: str, project_id: str) -> Any:
    form = ImageForm()
    if not form.validate_on_submit():
        abort(400)
    old = g.project.get("image_file_id")
    if request.form.get("remove"):
        settings.set_image(store(), acting(), project_id, None)
        flash("Image removed.", "success")
    else:
        upload = form.image.data
        try:
            file_id = store_image(runtime().files, upload.read() if upload else b"")
        except FieldErrors as exc:
            attach_errors(form, exc)
            return _general_page(image_form=form, status=422)
        settings.set_image(store(), acting(), project_id, file_id)
        flash("Image updated.", "success")
    if old:
        runtime().files.delete(BUCKET, old)
    return _here(".general")


# -- work types, priorities, labels ---------------------------------------------------------
TITLES = {"types": "Work types", "priorities": "Priorities", "labels": "Labels"}


def _custom_page(kind: str, form: CustomForm | None = None, copy_form: CopyForm | None = None,
                 status: int = 200) -> Any:
    rows = {"types": helpers.item_types, "priorities": helpers.priorities,
            "labels": helpers.labels}[kind](g.project)
    copy_form = copy_form or CopyForm(formdata=None)
    sees_all = effective_project_role(g.access.complete()) is ProjectRole.PROJECT_OWNER
    others = service.list_projects(store(), g.workspace["$id"], g.user["$id"], sees_all=sees_all)
    copy_form.source_id.choices = options((p["$id"], f"{p['key']} · {p['name']}")
                                          for p in others if p["$id"] != g.project["$id"])
    return render("projects/settings/customs.html", "settings_customs", status=status,
                  workspace=g.workspace, project=g.project, kind=kind, title=TITLES[kind],
                  rows=rows, form=form or CustomForm(formdata=None), copy_form=copy_form,
                  can_edit=allowed(PP.EDIT_SETTINGS), stab=kind)


@bp.route(f"{BASE}/settings/types")
@project_required()
def types(workspace_id: str, project_id: str) -> Any:
    return _custom_page("types")


@bp.route(f"{BASE}/settings/priorities")
@project_required()
def priorities(workspace_id: str, project_id: str) -> Any:
    return _custom_page("priorities")


@bp.route(f"{BASE}/settings/labels")
@project_required()
def labels(workspace_id: str, project_id: str) -> Any:
    return _custom_page("labels")


@bp.route(f"{BASE}/settings/{KIND}", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def add_custom(workspace_id: str, project_id: str, kind: str) -> Any:
    form = CustomForm()
    if form.validate_on_submit():
        try:
            settings.add_custom(store(), acting(), project_id, kind, form.data)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash(f"{TITLES[kind]}: added.", "success")
            return _here(f".{kind}")
    return _custom_page(kind, form, status=422)


@bp.route(f"{BASE}/settings/{KIND}/remove", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def remove_custom(workspace_id: str, project_id: str, kind: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        settings.remove_custom(store(), acting(), project_id, kind, request.form.get("key", ""))
    except Refused as exc:
        return refused(exc)
    flash(f"{TITLES[kind]}: removed.", "success")
    return _here(f".{kind}")


@bp.route(f"{BASE}/settings/copy", methods=["POST"])
@project_required(PP.EDIT_SETTINGS)
def copy(workspace_id: str, project_id: str) -> Any:
    form = CopyForm()
    back = request.form.get("back") if request.form.get("back") in TITLES else "types"
    if form.validate_on_submit():
        source = store().find("projects", form.source_id.data or "")
        sees_all = effective_project_role(g.access.complete()) is ProjectRole.PROJECT_OWNER
        visible = {p["$id"] for p in service.list_projects(
            store(), workspace_id, g.user["$id"], sees_all=sees_all)}
        try:
            if source is None or source["$id"] not in visible:
                raise FieldErrors({"source_id": "Choose another project of this workspace."})
            settings.copy_settings(store(), acting(), project_id, source["$id"])
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Custom types, priorities and labels copied.", "success")
            return _here(f".{back}")
    return _custom_page(str(back), copy_form=form, status=422)


# -- danger zone ------------------------------------------------------------------------------
def _danger_page(key_form: KeyForm | None = None, delete_form: ConfirmDeleteForm | None = None,
                 status: int = 200) -> Any:
    items = store().count("work_items", [Query.equal("project_id", g.project["$id"])])
    return render("projects/settings/danger.html", status=status, workspace=g.workspace,
                  project=g.project, key_form=key_form or KeyForm(formdata=None),
                  delete_form=delete_form or ConfirmDeleteForm(formdata=None),
                  action_form=ActionForm(formdata=None), item_count=items)


@bp.route(f"{BASE}/settings/danger")
@project_required(PP.MANAGE_SETTINGS)
def danger_zone(workspace_id: str, project_id: str) -> Any:
    return _danger_page()


@bp.route(f"{BASE}/settings/archive", methods=["POST"])
@project_required(PP.MANAGE_SETTINGS)
def archive(workspace_id: str, project_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    archived = request.form.get("archived") == "1"
    danger.set_archived(store(), acting(), project_id, archived)
    flash("Project archived." if archived else "Project restored.", "success")
    return _here(".danger_zone")


@bp.route(f"{BASE}/settings/key", methods=["POST"])
@project_required(PP.MANAGE_SETTINGS)
def change_key(workspace_id: str, project_id: str) -> Any:
    form = KeyForm()
    if form.validate_on_submit():
        try:
            danger.change_key(store(), acting(), project_id, form.key.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            form.key.errors = [exc.message]
            return _danger_page(key_form=form, status=exc.status)
        else:
            flash("Project key changed.", "success")
            return _here(".danger_zone")
    return _danger_page(key_form=form, status=422)


@bp.route(f"{BASE}/settings/delete", methods=["POST"])
@project_required(PP.DELETE_PROJECT)
def delete(workspace_id: str, project_id: str) -> Any:
    form = ConfirmDeleteForm()
    if form.validate_on_submit():
        try:
            danger.delete_project(store(), acting(), project_id, confirm=form.confirm.data or "",
                                  files=runtime().files)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash(f"Project “{g.project['name']}” deleted.", "success")
            return redirect(url_for("projects.index", workspace_id=workspace_id), 303)
    if not allowed(PP.MANAGE_SETTINGS):
        abort(422, next(iter(form.errors.values()), ["Type the project key to confirm."])[0])
    return _danger_page(delete_form=form, status=422)
