"""Sign-up, sign-in, sign-out, e-mail verification and password reset pages."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from jobs.identity_mail import send_password_reset_email, send_verification_email
from webapp import realtime
from webapp.authz.guards import anonymous_only, login_required, public
from webapp.extensions import limiter
from webapp.htmx import render, render_fragment

from . import service
from .errors import (
    AccountSuspended,
    FieldErrors,
    InvalidCredentials,
    LockedOut,
    TokenError,
)
from .forms import (
    ActionForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    attach_errors,
)
from .helpers import (
    enqueue_mail,
    home_url,
    login_rate_limit,
    login_throttle,
    safe_next,
    store,
    user_rate_key,
)
from .sessions import sign_in, sign_out

log = logging.getLogger(__name__)

bp = Blueprint("identity", __name__)

RESEND_LIMIT = "3 per hour"
INBOX = "identity/check_inbox.html"


def _no_referrer(response: BaseResponse) -> BaseResponse:
    """Pages whose URL holds a token must not leak it to other sites."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# -- sign-up / sign-in / sign-out ---------------------------------------------------------
@bp.route("/signup", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(login_rate_limit, methods=["POST"])
def signup() -> BaseResponse:
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = service.signup(
                store(),
                name=form.name.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
                accept_terms=bool(form.accept_terms.data),
                accept_dpa=bool(form.accept_dpa.data),
            )
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            sign_in(session, user["$id"])
            enqueue_mail(send_verification_email, user["$id"])
            return redirect(url_for(".check_inbox"))
    status = 422 if form.is_submitted() else 200
    return render("identity/signup.html", "identity_signup_form", status=status, form=form)


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(login_rate_limit, methods=["POST"])
def login() -> BaseResponse:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(
                store(), form.email.data or "", form.password.data or "",
                throttle=login_throttle(),
            )
        except LockedOut as exc:
            error, status = exc.message, 429
        except (InvalidCredentials, AccountSuspended) as exc:
            error, status = exc.message, 422
        else:
            from webapp.features.security.gate import challenge_or_none

            pending = challenge_or_none(user, safe_next(form.next.data))
            if pending is not None:  # two-factor: the second step signs in
                return pending
            sign_in(session, user["$id"])
            return redirect(safe_next(form.next.data) or home_url())
    elif form.is_submitted():
        status = 422
    return render("identity/login.html", "identity_login_form", status=status, form=form,
                  error=error)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> BaseResponse:
    sign_out(session)
    return redirect(url_for(".login"))


# -- e-mail verification -----------------------------------------------------------------
@bp.route("/verify-email")
@login_required
def check_inbox() -> BaseResponse:
    verified = g.user.get("email_verified_at") is not None
    return render(INBOX, "identity_verify_status", verified=verified, form=ActionForm())


@bp.route("/verify-email/resend", methods=["POST"])
@login_required
@limiter.limit(RESEND_LIMIT, key_func=user_rate_key, methods=["POST"])
def resend_verification() -> BaseResponse:
    if g.user.get("email_verified_at") is not None:
        return redirect(home_url())
    if enqueue_mail(send_verification_email, g.user["$id"]):
        flash(f"We sent a new link to {g.user['email']}.", "success")
    else:
        flash("We couldn't send the email just now. Try again in a few minutes.", "error")
    return redirect(url_for(".check_inbox"))


@bp.route("/verify-email/<token>")
@public
def verify_email(token: str) -> BaseResponse:
    try:
        user = service.verify_email(store(), token)
    except TokenError as exc:
        page = render("identity/link_problem.html", status=exc.status, problem=exc,
                      kind="verify", form=ActionForm())
        return _no_referrer(page)
    if session.get("user_id") != user["$id"]:
        sign_in(session, user["$id"])
    _push_verified(user["$id"])
    return _no_referrer(redirect(url_for(".check_inbox")))


def _push_verified(user_id: str) -> None:
    """Update the user's open "check your inbox" tabs (when the realtime hub is there)."""
    publish = getattr(realtime, "publish_to_user", None)
    if publish is None:
        return
    try:
        html = render_fragment(INBOX, "identity_verify_status", verified=True, oob=True)
        publish(user_id, html)
    except Exception:  # a failed push must never undo a verification
        log.warning("could not push the verified status to user %s", user_id, exc_info=True)


# -- password reset ----------------------------------------------------------------------
@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(login_rate_limit, methods=["POST"])
def forgot_password() -> BaseResponse:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user_id = service.request_password_reset(store(), form.email.data or "")
        if user_id is not None:
            enqueue_mail(send_password_reset_email, user_id)
        flash(
            "If an account exists for that address, we've sent it a link to reset the "
            "password. The link expires in 1 hour.",
            "success",
        )
        return redirect(url_for(".forgot_password"))
    status = 422 if form.is_submitted() else 200
    return render("identity/forgot_password.html", "identity_forgot_form", status=status,
                  form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(login_rate_limit, methods=["POST"])
def reset_password(token: str) -> BaseResponse:
    form = ResetPasswordForm()
    status = 200
    try:
        if form.validate_on_submit():
            try:
                service.reset_password(store(), token, form.password.data or "")
            except FieldErrors as exc:
                attach_errors(form, exc)
                status = 422
            else:
                sign_out(session)
                flash("Your password has been changed. Sign in with your new password.",
                      "success")
                return _no_referrer(redirect(url_for(".login")))
        else:
            service.reset_token_user(store(), token)
    except TokenError as exc:
        page = render("identity/link_problem.html", status=exc.status, problem=exc,
                      kind="reset", form=ActionForm())
        return _no_referrer(page)
    page = render("identity/reset_password.html", "identity_reset_form", status=status,
                  form=form, token=token)
    return _no_referrer(page)
