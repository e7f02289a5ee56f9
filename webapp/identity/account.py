"""Account pages of the signed-in user: change password, sessions (list, revoke)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from webapp.authz.guards import login_required
from webapp.htmx import is_htmx, render
from webapp.storage.errors import NotFound

from . import service
from .errors import FieldErrors
from .forms import ActionForm, ChangePasswordForm, attach_errors
from .helpers import store
from .routes import bp
from .sessions import sign_out

SESSIONS = "identity/sessions.html"


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> BaseResponse:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            revoked = service.change_password(
                store(),
                g.user["$id"],
                form.current_password.data or "",
                form.new_password.data or "",
                keep_session_id=session.sid,  # type: ignore[attr-defined]
            )
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        else:
            others = f" {revoked} other session{'s' if revoked != 1 else ''} signed out." if (
                revoked
            ) else ""
            flash(f"Your password has been changed.{others}", "success")
            return redirect(url_for(".change_password"))
    return render("identity/change_password.html", "identity_password_form", status=status,
                  form=form)


def _sessions_page() -> BaseResponse:
    rows = service.list_sessions(store(), g.user["$id"])
    current = session.sid  # type: ignore[attr-defined]
    rows.sort(key=lambda row: row["$id"] != current)  # the current one first
    return render(SESSIONS, "identity_sessions_list", sessions=rows, current_sid=current,
                  form=ActionForm())


@bp.route("/account/sessions")
@login_required
def sessions() -> BaseResponse:
    return _sessions_page()


@bp.route("/account/sessions/<session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: str) -> BaseResponse:
    try:
        service.revoke_session(store(), g.user["$id"], session_id)
    except NotFound:
        abort(404)
    if session_id == session.sid:  # type: ignore[attr-defined]
        sign_out(session)
        return redirect(url_for(".login"))
    if is_htmx():
        return _sessions_page()
    flash("The session was signed out.", "success")
    return redirect(url_for(".sessions"))


@bp.route("/account/sessions/revoke-others", methods=["POST"])
@login_required
def revoke_other_sessions() -> BaseResponse:
    revoked = service.revoke_other_sessions(
        store(), g.user["$id"], session.sid  # type: ignore[attr-defined]
    )
    if is_htmx():
        return _sessions_page()
    flash(f"{revoked} other session{'s' if revoked != 1 else ''} signed out.", "success")
    return redirect(url_for(".sessions"))
