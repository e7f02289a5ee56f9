"""Members tab: list and search, add (admin-created accounts), role changes, removal,
resend welcome, bulk operations, CSV import and direct grants."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from jobs.orgs import send_welcome_email
from webapp.authz.guards import org_required
from webapp.authz.roles import OrgRole
from webapp.authz.vocabulary import OrgPermission
from webapp.identity.helpers import enqueue_mail

from . import accounts, departments, imports, members
from .errors import FieldErrors, Refused
from .forms import (
    ActionForm,
    AddMemberForm,
    BulkForm,
    ImportForm,
    PermissionsForm,
    RoleForm,
    attach_errors,
    options,
)
from .routes import acting, bp, page, store
from .service import active_owner_ids

P = OrgPermission
LIST = "orgs/members.html"


def _my_role() -> OrgRole:
    return OrgRole.parse(g.org_member["role"])


def _members_page(status: int = 200, *, add_form: AddMemberForm | None = None,
                  error: str | None = None, block: str | None = "orgs_members_list") -> Response:
    query = (request.args.get("q") or "").strip()
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    result = members.list_members(store(), g.org["$id"], search=query,
                                  limit=members.PAGE_SIZE,
                                  offset=(page_no - 1) * members.PAGE_SIZE)
    options = members.role_options(_my_role())
    return page(LIST, block if status == 200 else None, status=status, tab="orgs.members",
                members=result.documents, total=result.total, q=query, page_no=page_no,
                pages=max(1, -(-result.total // members.PAGE_SIZE)),
                role_options=options, assignable={o["value"] for o in options},
                my_role=_my_role(), add_form=add_form or AddMemberForm(),
                bulk_form=BulkForm(), action_form=ActionForm(), error=error,
                owner_count=len(active_owner_ids(store(), g.org["$id"])))


def _refused(exc: Refused) -> Response:
    return _members_page(exc.status, error=exc.message)


@bp.route("/organization/<org_id>/members", endpoint="members")
@org_required(P.MEMBERS_VIEW)
def members_tab(org_id: str) -> Response:
    return _members_page()


@bp.route("/organization/<org_id>/members/add", methods=["POST"])
@org_required(P.MEMBERS_MANAGE)
def add_member(org_id: str) -> Response:
    form = AddMemberForm()
    if not form.validate_on_submit():
        return _members_page(422, add_form=form)
    try:
        added = accounts.add_member_account(store(), acting(), org_id, name=form.name.data or "",
                                            email=form.email.data or "",
                                            role=form.role.data or "")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _members_page(422, add_form=form)
    except Refused as exc:
        return _members_page(exc.status, add_form=form, error=exc.message)
    who = added.member.get("name") or added.member["email"]
    if enqueue_mail(send_welcome_email, added.member["$id"]):
        flash(f"{who} was added. We sent a welcome e-mail to {added.member['email']}.",
              "success")
    else:
        flash(f"{who} was added, but the welcome e-mail could not be queued. Use "
              "\u201cResend welcome\u201d in a few minutes.", "warning")
    return redirect(url_for("orgs.members", org_id=org_id), 303)


@bp.route("/organization/<org_id>/members/<member_id>/role", methods=["POST"])
@org_required(P.MEMBERS_MANAGE)
def change_role(org_id: str, member_id: str) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        return _members_page(422, error="Choose a role.")
    try:
        member = members.change_role(store(), acting(), org_id, member_id, form.role.data or "")
    except FieldErrors as exc:
        return _members_page(422, error=" ".join(exc.errors.values()))
    except Refused as exc:
        return _refused(exc)
    flash(f"{member.get('name') or member['email']} is now "
          f"{OrgRole.parse(member['role']).label}.", "success")
    return redirect(url_for("orgs.members", org_id=org_id, q=request.args.get("q") or None), 303)


@bp.route("/organization/<org_id>/members/<member_id>/remove", methods=["POST"])
@org_required(P.MEMBERS_MANAGE)
def remove_member(org_id: str, member_id: str) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        member = members.get_member(store(), org_id, member_id)
        members.remove_member(store(), acting(), org_id, member_id)
    except Refused as exc:
        return _refused(exc)
    flash(f"{member.get('name') or member['email']} was removed from the organization.",
          "success")
    if member["user_id"] == g.user["$id"]:
        return redirect(url_for("web.home"), 303)
    return redirect(url_for("orgs.members", org_id=org_id), 303)


@bp.route("/organization/<org_id>/members/<member_id>/resend", methods=["POST"])
@org_required(P.MEMBERS_MANAGE)
def resend_welcome(org_id: str, member_id: str) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        member = accounts.resend_welcome(store(), acting(), org_id, member_id)
    except Refused as exc:
        return _refused(exc)
    if enqueue_mail(send_welcome_email, member_id):
        flash(f"We sent a new welcome e-mail to {member['email']}. Earlier links no longer "
              "work.", "success")
    else:
        flash("The e-mail could not be queued just now. Try again in a few minutes.", "error")
    return redirect(url_for("orgs.members", org_id=org_id), 303)


# -- bulk ----------------------------------------------------------------------------------
@bp.route("/organization/<org_id>/members/bulk", methods=["POST"])
@org_required(P.MEMBERS_MANAGE)
def bulk(org_id: str) -> Response:
    form = BulkForm()
    if not form.validate_on_submit():
        return _members_page(422, error="Choose what to do with the selected members.")
    ids = [i for i in (form.member_ids.data or []) if i]
    if not ids:
        return _members_page(422, error="Select at least one member.")
    found = store().get_many("organization_members", ids[:members.MAX_BULK])
    chosen = [found[i] for i in ids if i in found and found[i].get("organization_id") == org_id]
    context: dict[str, Any] = {"form": form, "chosen": chosen,
                               "new_role": OrgRole.parse_or_none(form.role.data)}
    if form.confirm.data != "yes":
        return page("orgs/bulk.html", tab="orgs.members", step="confirm", **context)
    try:
        if form.action.data == "remove":
            results = members.bulk_remove(store(), acting(), org_id, ids)
        else:
            results = members.bulk_change_role(store(), acting(), org_id, ids,
                                               form.role.data or "")
    except FieldErrors as exc:
        return _members_page(422, error=" ".join(exc.errors.values()))
    return page("orgs/bulk.html", tab="orgs.members", step="done", results=results, **context)


# -- CSV import ----------------------------------------------------------------------------
@bp.route("/organization/<org_id>/members/import", methods=["GET", "POST"])
@org_required(P.MEMBERS_MANAGE)
def import_members(org_id: str) -> Response:
    form = ImportForm()
    report, text, status = None, "", 200
    if form.validate_on_submit():
        upload = form.file.data
        text = form.csv_text.data or ""
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(imports.MAX_BYTES + 1)
            text = raw.decode("utf-8", errors="replace")
        apply = request.form.get("apply") == "yes"
        try:
            if apply:
                report = imports.apply_import(store(), acting(), org_id, text)
            else:
                report = imports.preview_import(store(), acting(), org_id, text)
        except FieldErrors as exc:
            attach_errors(form, FieldErrors({("csv_text" if k == "file" else k): v
                                             for k, v in exc.errors.items()}))
            status, report = 422, None
        except Refused as exc:
            abort(exc.status, exc.message)
        else:
            if apply:
                for row in report.rows:
                    if row.member_id:
                        enqueue_mail(send_welcome_email, row.member_id)
            form.csv_text.data = text
            return page("orgs/import.html", tab="orgs.members", form=form, report=report,
                        applied=apply, text=text, labels=imports.OUTCOME_LABELS)
    elif form.is_submitted():
        status = 422
    return page("orgs/import.html", status=status, tab="orgs.members", form=form,
                report=report, applied=False, text=text, labels=imports.OUTCOME_LABELS)


# -- direct grants (OWNER only) --------------------------------------------------------------
@bp.route("/organization/<org_id>/members/<member_id>/permissions", methods=["GET", "POST"])
@org_required(P.MEMBERS_MANAGE)
def member_permissions(org_id: str, member_id: str) -> Response:
    try:
        member = members.get_member(store(), org_id, member_id)
    except Refused:
        abort(404)
    if g.org_member.get("role") != "OWNER":
        abort(403, "Only an owner of the organization can grant permissions directly.")
    form = PermissionsForm()
    form.permissions.choices = options((p.value, p.label) for p in OrgPermission)
    status = 200
    if form.validate_on_submit():
        try:
            departments.set_member_permissions(store(), acting(), org_id, member_id,
                                               form.permissions.data or [])
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        except Refused as exc:
            abort(exc.status, exc.message)
        else:
            flash(f"Direct permissions of {member.get('name')} saved.", "success")
            return redirect(url_for("orgs.members", org_id=org_id), 303)
    elif request.method == "GET":
        form.permissions.data = departments.direct_grants(store(), member_id)
    return page("orgs/member_permissions.html", status=status, tab="orgs.members",
                member=member, form=form, categories=_categories())


def _categories() -> list[tuple[str, list[OrgPermission]]]:
    grouped: dict[str, list[OrgPermission]] = {}
    for key in OrgPermission:
        grouped.setdefault(key.category.value, []).append(key)
    return list(grouped.items())
