"""Profile pages: ``/account/profile`` (details, avatar, e-mail change), the avatar image
``/account/avatar/<user_id>`` and the e-mail change link ``/auth/email-change/<token>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, make_response, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField

from jobs.security_mail import send_email_change_link
from webapp.audit import Acting
from webapp.authz.guards import login_required, public
from webapp.extensions import runtime
from webapp.htmx import render
from webapp.identity.errors import FieldErrors, TokenError
from webapp.identity.forms import attach_errors
from webapp.identity.helpers import enqueue_mail
from webapp.identity.lifecycle import invalidate
from webapp.storage.errors import NotFound

from . import service
from .images import MAX_BYTES, AvatarRejected

bp = Blueprint("profile", __name__)
PAGE = "profile/profile.html"
AVATAR_MAX_AGE = 3600


class ProfileForm(FlaskForm):
    name = StringField("Name")
    job_role = StringField("Role")
    designation = StringField("Designation")
    working_domain = StringField("Working domain")
    phone = StringField("Phone")
    linkedin_url = StringField("LinkedIn profile")
    portfolio_url = StringField("Portfolio or website")
    tools = TextAreaField("Tools and technologies")
    time_zone = SelectField("Time zone", validate_choice=False)


class EmailChangeForm(FlaskForm):
    new_email = EmailField("New email address")
    password = PasswordField("Current password")


class ActionForm(FlaskForm):
    """A button or upload that posts: CSRF only."""


def _acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def _profile_form() -> ProfileForm:
    form = ProfileForm(data=None if request.method == "POST" else {
        field: g.user.get(field) for field in service.PROFILE_FIELDS})
    form.time_zone.choices = list(service.time_zones())
    return form


def _page(status: int = 200, *, form: ProfileForm | None = None,
          email_form: EmailChangeForm | None = None, avatar_error: str | None = None) -> Any:
    return render(PAGE, status=status, form=form or _profile_form(),
                  email_form=email_form or EmailChangeForm(), upload_form=ActionForm(),
                  avatar_error=avatar_error, has_password=bool(g.user.get("password_hash")),
                  max_mb=MAX_BYTES // (1024 * 1024))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit() -> BaseResponse:
    form = _profile_form()
    if form.validate_on_submit():
        values = {field: form[field].data for field in service.PROFILE_FIELDS}
        try:
            service.update_profile(runtime().store, _acting(), g.user["$id"], values)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for(".edit"))
    return _page(422 if form.is_submitted() else 200, form=form)


@bp.route("/account/profile/avatar", methods=["POST"])
@login_required
def upload_avatar() -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    upload = request.files.get("avatar")
    data = upload.stream.read(MAX_BYTES + 1) if upload else b""
    rt = runtime()
    try:
        service.set_avatar(rt.store, rt.files, _acting(), g.user["$id"], data)
    except AvatarRejected as exc:
        return _page(422, avatar_error=exc.message)
    flash("Your picture is updated.", "success")
    return redirect(url_for(".edit"))


@bp.route("/account/profile/avatar/remove", methods=["POST"])
@login_required
def remove_avatar() -> BaseResponse:
    if ActionForm().validate_on_submit():
        rt = runtime()
        service.remove_avatar(rt.store, rt.files, _acting(), g.user["$id"])
        flash("Your picture is removed.", "success")
    return redirect(url_for(".edit"))


@bp.route("/account/avatar/<user_id>")
@login_required
def avatar(user_id: str) -> BaseResponse:
    """A user's picture, for people who share an organization or workspace with them."""
    rt = runtime()
    owner = rt.store.find("users", user_id)
    if owner is None or not owner.get("avatar_file_id") or owner.get("status") == "deleted":
        abort(404)
    if not service.can_view_avatar(rt.store, g.user["$id"], user_id):
        abort(404)
    file_id = owner["avatar_file_id"]
    try:
        info = rt.files.info(service.BUCKET, file_id)
        if request.if_none_match.contains(info.sha256):
            response = make_response("", 304)
        else:
            with rt.files.open(service.BUCKET, file_id) as stream:
                response = make_response(stream.read())
            response.headers["Content-Type"] = info.content_type
    except NotFound:
        abort(404)
    response.set_etag(info.sha256)
    response.headers["Cache-Control"] = f"private, max-age={AVATAR_MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/account/profile/email", methods=["POST"])
@login_required
def change_email() -> BaseResponse:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            user = service.request_email_change(
                runtime().store, _acting(), g.user["$id"], form.new_email.data or "",
                form.password.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            if enqueue_mail(send_email_change_link, user["$id"]):
                flash(f"We sent a confirmation link to {user['pending_email']}. Your address "
                      "changes when you open it.", "success")
            else:
                flash("We couldn't send the email just now. Try again in a few minutes.",
                      "error")
            return redirect(url_for(".edit"))
    return _page(422, email_form=form)


@bp.route("/account/profile/email/cancel", methods=["POST"])
@login_required
def cancel_email_change() -> BaseResponse:
    if ActionForm().validate_on_submit():
        service.cancel_email_change(runtime().store, g.user["$id"])
        flash("The email change is cancelled.", "success")
    return redirect(url_for(".edit"))


@bp.route("/auth/email-change/<token>")
@public
def confirm_email(token: str) -> BaseResponse:
    try:
        user = service.confirm_email_change(runtime().store, token, ip=request.remote_addr)
    except TokenError as exc:
        page = render("profile/email_link_problem.html", status=exc.status,
                      message=exc.message)
    except FieldErrors as exc:
        page = render("profile/email_link_problem.html", status=409,
                      message=next(iter(exc.errors.values())))
    else:
        invalidate(user["$id"])
        flash(f"Your email address is now {user['email']}.", "success")
        signed_in = g.get("user") is not None and g.user["$id"] == user["$id"]
        page = redirect(url_for(".edit") if signed_in else url_for("identity.login"))
    page.headers["Referrer-Policy"] = "no-referrer"
    return page
