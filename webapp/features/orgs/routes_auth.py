"""First sign-in of admin-created members: the magic link and the forced password choice.

``GET /auth/first-login/<token>`` only checks the link and shows a "Continue" button (mail
scanners that prefetch links must not burn a single-use token); the POST uses it. A new
account is signed in and sent to ``/auth/set-password``, which the lifecycle guard also
uses for every MUST_RESET_PASSWORD user. Both pages sit in the PUBLIC ``/auth`` group.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from webapp.audit import Acting
from webapp.authz.guards import login_required, public
from webapp.extensions import limiter
from webapp.htmx import render
from webapp.identity.errors import TokenError
from webapp.identity.helpers import login_rate_limit
from webapp.identity.sessions import sign_in
from webapp.identity.tokens import find_token

from . import accounts
from .errors import FieldErrors, Refused
from .forms import ActionForm, SetPasswordForm, attach_errors
from .routes import bp, store


def _no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _problem(exc: TokenError) -> Response:
    return _no_referrer(render("orgs/first_login.html", status=exc.status, problem=exc,
                               form=ActionForm(), token=""))


@bp.route("/auth/first-login/<token>", methods=["GET", "POST"])
@public
@limiter.limit(login_rate_limit, methods=["POST"])
def first_login(token: str) -> Response:
    form = ActionForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST":
            abort(400)
        try:
            find_token(store(), token, accounts.FIRST_LOGIN)
        except TokenError as exc:
            return _problem(exc)
        return _no_referrer(render("orgs/first_login.html", problem=None, form=form,
                                   token=token))
    try:
        result = accounts.complete_first_login(store(), token, ip=request.remote_addr)
    except TokenError as exc:
        return _problem(exc)
    user = result.user
    if result.needs_password:
        sign_in(session, user["$id"])
        return _no_referrer(redirect(url_for("orgs.set_password"), 303))
    message = ("You joined the organization." if result.activated
               else "Your invitation is accepted.")
    if g.get("user") is not None and g.user["$id"] == user["$id"]:
        flash(message, "success")
        return _no_referrer(redirect(url_for("orgs.index"), 303))
    flash(f"{message} Sign in as {user['email']} to continue.", "success")
    return _no_referrer(redirect(url_for("identity.login"), 303))


@bp.route("/auth/set-password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_rate_limit, methods=["POST"])
def set_password() -> Response:
    if not g.user.get("must_reset_password"):
        return redirect(url_for("web.home"))
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.set_initial_password(store(), Acting.of(g.user, request.remote_addr),
                                          g.user["$id"], form.password.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        except Refused:
            return redirect(url_for("web.home"))
        else:
            flash("Your password is set. Welcome to Keel!", "success")
            return redirect(url_for("web.home"), 303)
    elif form.is_submitted():
        status = 422
    return render("orgs/set_password.html", "orgs_set_password_form", status=status,
                  form=form)
