"""Two-factor pages: set-up under ``/account/security``, the sign-in challenge at ``/auth/2fa``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from jobs.security_mail import send_two_factor_code
from webapp.audit import Acting
from webapp.authz.guards import anonymous_only, login_required
from webapp.extensions import limiter, runtime
from webapp.htmx import render
from webapp.identity.errors import FieldErrors, TokenError
from webapp.identity.forms import attach_errors
from webapp.identity.helpers import enqueue_mail, home_url, safe_next, user_rate_key
from webapp.identity.sessions import sign_in
from webapp.storage.base import Document

from . import challenge, gate, service
from .forms import ActionForm, ChallengeForm, CodeForm, DisableForm

bp = Blueprint("security", __name__)

CHALLENGE_LIMIT = "10 per minute"
SEND_LIMIT = "5 per 10 minutes"
METHODS = ("totp", "email", "recovery")
CODE_LABELS = {"totp": "Authenticator code", "email": "Email code", "recovery": "Recovery code"}


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def _challenge_rate_key() -> str:
    return f"2fa:{session.get(gate.SESSION_TOKEN, '')[:16]}:{request.remote_addr}"


# -- the settings page --------------------------------------------------------------------
@bp.route("/account/security")
@login_required
def overview() -> BaseResponse:
    return _overview(DisableForm())


def _overview(disable_form: DisableForm, status: int = 200) -> BaseResponse:
    has_password = bool(g.user.get("password_hash"))
    if not has_password:
        disable_form.credential.label.text = "Authentication code"
    return render(
        "security/overview.html", status=status,
        enabled=service.methods(g.user),
        recovery_left=service.remaining_recovery_codes(runtime().store, g.user["$id"]),
        has_password=has_password, form=ActionForm(), disable_form=disable_form,
    )


@bp.route("/account/security/totp", methods=["GET", "POST"])
@login_required
def totp() -> BaseResponse:
    """GET shows the QR code of the seed being set up (starting one if needed); POST
    confirms it with a code."""
    store = runtime().store
    if service.TOTP in service.methods(g.user):
        return redirect(url_for(".overview"))
    secret = service.totp_secret(_secret_key(), g.user)
    if secret is None:
        secret = service.begin_totp_setup(store, _secret_key(), g.user)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = service.enable_totp(store, _acting(), _secret_key(), g.user["$id"],
                                        form.code.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Two-factor authentication is on: your authenticator app is set up.",
                  "success")
            return _after_enable(codes)
    if form.is_submitted():
        status = 422
    uri = service.provisioning_uri(secret, g.user["email"])
    return render("security/totp.html", "security_totp_form", status=status, form=form,
                  secret=secret, qr=service.qr_svg(uri), uri=uri)


@bp.route("/account/security/totp/restart", methods=["POST"])
@login_required
def totp_restart() -> BaseResponse:
    """A new seed (e.g. the old QR code was scanned into the wrong app)."""
    if ActionForm().validate_on_submit() and service.TOTP not in service.methods(g.user):
        service.begin_totp_setup(runtime().store, _secret_key(), g.user)
    return redirect(url_for(".totp"))


@bp.route("/account/security/email", methods=["GET", "POST"])
@login_required
def email_codes() -> BaseResponse:
    if service.EMAIL in service.methods(g.user):
        return redirect(url_for(".overview"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = service.enable_email_codes(runtime().store, _acting(), g.user["$id"],
                                               form.code.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Two-factor authentication is on: we'll email you sign-in codes.", "success")
            return _after_enable(codes)
    if form.is_submitted():
        status = 422
    return render("security/email.html", "security_email_form", status=status, form=form,
                  send_form=ActionForm())


@bp.route("/account/security/email/send", methods=["POST"])
@login_required
@limiter.limit(SEND_LIMIT, key_func=user_rate_key, methods=["POST"])
def email_send() -> BaseResponse:
    if ActionForm().validate_on_submit():
        if enqueue_mail(send_two_factor_code, g.user["$id"], "setup"):
            flash(f"We sent a 6-digit code to {g.user['email']}.", "success")
        else:
            flash("We couldn't send the email just now. Try again in a few minutes.", "error")
    return redirect(url_for(".email_codes"))


def _after_enable(codes: list[str]) -> BaseResponse:
    if codes:
        return render("security/recovery_codes.html", codes=codes, fresh=True)
    return redirect(url_for(".overview"))


@bp.route("/account/security/recovery-codes", methods=["POST"])
@login_required
def recovery_codes() -> BaseResponse:
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".overview"))
    try:
        codes = service.regenerate_recovery_codes(runtime().store, _acting(), g.user["$id"])
    except service.CodeRejected as exc:
        flash(exc.message, "error")
        return redirect(url_for(".overview"))
    return render("security/recovery_codes.html", codes=codes, fresh=False)


@bp.route("/account/security/disable", methods=["POST"])
@login_required
def disable() -> BaseResponse:
    store = runtime().store
    form = DisableForm()
    if form.validate_on_submit():
        try:
            service.disable(store, _acting(), _secret_key(), g.user["$id"],
                            form.credential.data or "", redis=runtime().redis)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Two-factor authentication is off.", "success")
            return redirect(url_for(".overview"))
    return _overview(form, 422)


# -- the sign-in challenge ----------------------------------------------------------------
def _pending_user() -> Document | None:
    raw = session.get(gate.SESSION_TOKEN)
    if not raw:
        return None
    try:
        return challenge.user_of(runtime().store, raw)
    except TokenError:
        gate.clear()
        return None


def _restart(message: str) -> BaseResponse:
    gate.clear()
    flash(message, "error")
    return redirect(url_for("identity.login"))


@bp.route("/auth/2fa", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(CHALLENGE_LIMIT, key_func=_challenge_rate_key, methods=["POST"])
def challenge_page() -> BaseResponse:
    user = _pending_user()
    if user is None:
        return _restart("Your sign-in expired. Sign in again.")
    enabled = service.methods(user)
    form = ChallengeForm()
    method = form.method.data if form.is_submitted() else request.args.get("method")
    if method not in METHODS:
        method = "totp" if service.TOTP in enabled else "email"
    if method == "totp" and service.TOTP not in enabled:
        method = "email"
    if method == "email" and service.EMAIL not in enabled:
        method = "totp"
    status, error = 200, None
    if form.validate_on_submit():
        store = runtime().store
        try:
            service.verify_second_factor(
                store, Acting.of(user, request.remote_addr), str(current_app.config[
                    "SECRET_KEY"]), user, method, form.code.data or "", redis=runtime().redis)
            challenge.finish(store, session[gate.SESSION_TOKEN])
        except (service.CodeRejected, TokenError) as exc:
            failures = int(session.get(gate.SESSION_FAILURES) or 0) + 1
            session[gate.SESSION_FAILURES] = failures
            if failures >= challenge.MAX_FAILURES:
                return _restart("Too many wrong codes. Sign in again.")
            error = getattr(exc, "message", "That code didn't work.")
            status = 422
        else:
            target = safe_next(session.get(gate.SESSION_NEXT)) or home_url()
            sign_in(session, user["$id"])
            return redirect(target)
    elif form.is_submitted():
        status = 422
    form.method.data = method
    form.code.label.text = CODE_LABELS[method]
    return render("security/challenge.html", "security_challenge_form", status=status,
                  form=form, method=method, enabled=enabled, error=error,
                  send_form=ActionForm(), email=_masked(user["email"]))


@bp.route("/auth/2fa/email", methods=["POST"])
@anonymous_only
@limiter.limit(SEND_LIMIT, key_func=_challenge_rate_key, methods=["POST"])
def challenge_send_email() -> BaseResponse:
    user = _pending_user()
    if user is None:
        return _restart("Your sign-in expired. Sign in again.")
    if service.EMAIL not in service.methods(user):
        abort(404)
    if ActionForm().validate_on_submit():
        if enqueue_mail(send_two_factor_code, user["$id"], "login"):
            flash(f"We sent a 6-digit code to {_masked(user['email'])}.", "success")
        else:
            flash("We couldn't send the email just now. Try again in a few minutes.", "error")
    return redirect(url_for(".challenge_page", method="email"))


@bp.route("/auth/2fa/cancel", methods=["POST"])
@anonymous_only
def challenge_cancel() -> BaseResponse:
    if ActionForm().validate_on_submit():
        gate.clear()
    return redirect(url_for("identity.login"))


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:2]}{'•' * max(1, len(local) - 2)}@{domain}"
