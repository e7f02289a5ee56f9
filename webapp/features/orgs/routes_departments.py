"""Departments tab: the tree, create, edit (details, members, permission keys), delete."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from webapp.authz.guards import org_required
from webapp.authz.vocabulary import OrgPermission

from . import departments, members
from .errors import FieldErrors, Refused
from .forms import ActionForm, DepartmentForm, PermissionsForm, attach_errors, options
from .routes import acting, bp, page, store

P = OrgPermission


def _parent_choices(form: DepartmentForm, tree: list[dict[str, Any]],
                    exclude: str | None = None) -> None:
    choices = [("", "— top level —")]
    for dept in tree:
        if dept["$id"] != exclude:
            choices.append((dept["$id"], "\u2003" * dept["depth"] + dept["name"]))
    form.parent_department_id.choices = options(choices)


def _values(form: DepartmentForm) -> dict[str, Any]:
    return {"name": form.name.data or "", "description": form.description.data or "",
            "color": form.color.data or None,
            "parent_department_id": form.parent_department_id.data or None}


def _categories() -> list[tuple[str, list[OrgPermission]]]:
    grouped: dict[str, list[OrgPermission]] = {}
    for key in OrgPermission:
        grouped.setdefault(key.category.value, []).append(key)
    return list(grouped.items())


@bp.route("/organization/<org_id>/departments", methods=["GET", "POST"],
          endpoint="departments")
@org_required(P.DEPARTMENTS_MANAGE)
def departments_tab(org_id: str) -> Response:
    tree = departments.list_departments(store(), org_id)
    form = DepartmentForm()
    _parent_choices(form, tree)
    status = 200
    if form.validate_on_submit():
        try:
            dept = departments.create_department(store(), acting(), org_id, **_values(form))
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        except Refused as exc:
            abort(exc.status, exc.message)
        else:
            flash(f"Department {dept['name']} created.", "success")
            return redirect(url_for("orgs.department", org_id=org_id,
                                    department_id=dept["$id"]), 303)
    elif form.is_submitted():
        status = 422
    return page("orgs/departments.html", status=status, tab="orgs.departments", tree=tree,
                form=form)


def _department_page(org_id: str, dept: dict[str, Any], *, status: int = 200,
                     form: DepartmentForm | None = None,
                     perm_form: PermissionsForm | None = None,
                     error: str | None = None) -> Response:
    tree = departments.list_departments(store(), org_id)
    if form is None:
        form = DepartmentForm(data={"name": dept["name"],
                                    "description": dept.get("description") or "",
                                    "color": dept.get("color") or "",
                                    "parent_department_id": dept.get("parent_department_id")
                                    or ""})
    _parent_choices(form, tree, exclude=dept["$id"])
    if perm_form is None:
        perm_form = PermissionsForm(data={"permissions": dept.get("permissions") or []})
    perm_form.permissions.choices = options((p.value, p.label) for p in OrgPermission)
    in_dept = departments.department_members(store(), org_id, dept["$id"])
    inside = {m["$id"] for m in in_dept}
    everyone = members.list_members(store(), org_id, limit=500).documents
    return page("orgs/department.html", status=status, tab="orgs.departments", dept=dept,
                form=form, perm_form=perm_form, dept_members=in_dept,
                candidates=[m for m in everyone if m["$id"] not in inside],
                action_form=ActionForm(), categories=_categories(), error=error)


def _load(org_id: str, department_id: str) -> dict[str, Any]:
    try:
        return departments.get_department(store(), org_id, department_id)
    except Refused:
        abort(404)


@bp.route("/organization/<org_id>/departments/<department_id>", methods=["GET", "POST"])
@org_required(P.DEPARTMENTS_MANAGE)
def department(org_id: str, department_id: str) -> Response:
    dept = _load(org_id, department_id)
    if request.method == "GET":
        return _department_page(org_id, dept)
    form = DepartmentForm()
    form.parent_department_id.choices = options([("", "")])
    if form.validate_on_submit():
        try:
            departments.update_department(store(), acting(), org_id, department_id,
                                          **_values(form))
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Department saved.", "success")
            return redirect(url_for("orgs.department", org_id=org_id,
                                    department_id=department_id), 303)
    return _department_page(org_id, dept, status=422, form=form)


@bp.route("/organization/<org_id>/departments/<department_id>/permissions",
          methods=["POST"])
@org_required(P.DEPARTMENTS_MANAGE)
def department_permissions(org_id: str, department_id: str) -> Response:
    dept = _load(org_id, department_id)
    form = PermissionsForm()
    form.permissions.choices = options((p.value, p.label) for p in OrgPermission)
    if not form.validate_on_submit():
        return _department_page(org_id, dept, status=422, perm_form=form)
    try:
        departments.set_department_permissions(store(), acting(), org_id, department_id,
                                               form.permissions.data or [])
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _department_page(org_id, dept, status=422, perm_form=form)
    except Refused as exc:
        return _department_page(org_id, dept, status=exc.status, perm_form=form,
                                error=exc.message)
    flash("Permissions saved.", "success")
    return redirect(url_for("orgs.department", org_id=org_id, department_id=department_id),
                    303)


@bp.route("/organization/<org_id>/departments/<department_id>/members", methods=["POST"])
@org_required(P.DEPARTMENTS_MANAGE)
def department_add_member(org_id: str, department_id: str) -> Response:
    dept = _load(org_id, department_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        departments.add_department_member(store(), acting(), org_id, department_id,
                                          request.form.get("member_id", ""))
    except FieldErrors as exc:
        return _department_page(org_id, dept, status=422, error=" ".join(exc.errors.values()))
    except Refused as exc:
        if exc.status == 404:
            return _department_page(org_id, dept, status=422,
                                    error="Choose a member of this organization.")
        return _department_page(org_id, dept, status=exc.status, error=exc.message)
    flash("Member added to the department.", "success")
    return redirect(url_for("orgs.department", org_id=org_id, department_id=department_id),
                    303)


@bp.route("/organization/<org_id>/departments/<department_id>/members/<member_id>/remove",
          methods=["POST"])
@org_required(P.DEPARTMENTS_MANAGE)
def department_remove_member(org_id: str, department_id: str, member_id: str) -> Response:
    _load(org_id, department_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        departments.remove_department_member(store(), acting(), org_id, department_id,
                                             member_id)
    except Refused:
        abort(404)
    flash("Member removed from the department.", "success")
    return redirect(url_for("orgs.department", org_id=org_id, department_id=department_id),
                    303)


@bp.route("/organization/<org_id>/departments/<department_id>/delete", methods=["POST"])
@org_required(P.DEPARTMENTS_MANAGE)
def department_delete(org_id: str, department_id: str) -> Response:
    dept = _load(org_id, department_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    departments.delete_department(store(), acting(), org_id, department_id)
    flash(f"Department {dept['name']} deleted.", "success")
    return redirect(url_for("orgs.departments", org_id=org_id), 303)
