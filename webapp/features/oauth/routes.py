"""Sign in with Google/GitHub (``/auth/oauth/...``) and the sign-in methods page
(``/account/identities``)."""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_wtf import FlaskForm
from requests import RequestException
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, StringField

from jobs.identity_mail import send_verification_email
from webapp.audit import Acting
from webapp.authz.guards import anonymous_only, login_required, public
from webapp.extensions import runtime
from webapp.features.security.gate import challenge_or_none
from webapp.htmx import render
from webapp.identity.errors import FieldErrors
from webapp.identity.forms import attach_errors
from webapp.identity.helpers import enqueue_mail, home_url, safe_next
from webapp.identity.lifecycle import invalidate
from webapp.identity.sessions import sign_in
from webapp.storage.errors import NotFound

from . import service
from .clients import client, configured_providers, fetch_profile
from .service import LABELS, OAuthRefused, ProviderProfile

log = logging.getLogger(__name__)
bp = Blueprint("oauth", __name__)

PENDING = "oauth_pending"
NEXT = "oauth_next"


class CompleteForm(FlaskForm):
    name = StringField("Your name")
    accept_terms = BooleanField("I accept the Terms of Service (version v1)")
    accept_dpa = BooleanField("I accept the Data Processing Agreement (version v1)")


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""


def _remote(provider: str) -> Any:
    remote = client(provider)
    if remote is None:
        abort(404)
    return remote


@bp.route("/auth/oauth/<provider>")
@public
def start(provider: str) -> BaseResponse:
    remote = _remote(provider)
    session[NEXT] = safe_next(request.args.get("next")) or ""
    redirect_uri = url_for(".callback", provider=provider, _external=True)
    try:
        return remote.authorize_redirect(redirect_uri)  # type: ignore[no-any-return]
    except (RequestException, OAuthError, RuntimeError, ValueError):
        log.warning("could not start %s sign-in", provider, exc_info=True)
        return _failed(f"{LABELS[provider]} is not answering. Try again in a moment.")


def _failed(message: str) -> BaseResponse:
    flash(message, "error")
    target = "oauth.identities" if g.get("user") is not None else "identity.login"
    return redirect(url_for(target))


@bp.route("/auth/oauth/<provider>/callback")
@public
def callback(provider: str) -> BaseResponse:
    remote = _remote(provider)
    label = LABELS[provider]
    try:
        token = remote.authorize_access_token()
        profile = fetch_profile(provider, remote, token)
    except OAuthError as exc:
        if exc.error == "access_denied":
            return _failed(f"You cancelled signing in with {label}.")
        log.info("%s sign-in refused: %s", provider, exc)
        return _failed(f"Signing in with {label} didn't work. Try again.")
    except (RequestException, ValueError, KeyError):
        log.warning("%s sign-in failed", provider, exc_info=True)
        return _failed(f"{label} is not answering. Try again in a moment.")
    store = runtime().store
    if g.get("user") is not None:
        try:
            service.link_identity(store, Acting.of(g.user, request.remote_addr),
                                  g.user["$id"], profile)
        except OAuthRefused as exc:
            flash(exc.message, "error")
        else:
            flash(f"{label} is linked: you can sign in with it.", "success")
        return redirect(url_for(".identities"))
    try:
        found = service.resolve_sign_in(store, profile, ip=request.remote_addr)
    except OAuthRefused as exc:
        return _failed(exc.message)
    if found.user is None:
        next_url = session.get(NEXT) or ""
        session[PENDING] = profile.to_dict()
        session[NEXT] = next_url
        return redirect(url_for(".complete"))
    if found.linked:  # linking by a verified address may verify the account
        invalidate(found.user["$id"])
        flash(f"{label} is now linked to your account.", "success")
    return _sign_in(found.user)


def _sign_in(user: dict[str, Any]) -> BaseResponse:
    next_url = safe_next(session.get(NEXT))
    pending = challenge_or_none(user, next_url)
    if pending is not None:
        return pending
    sign_in(session, user["$id"])
    return redirect(next_url or home_url())


@bp.route("/auth/oauth/complete", methods=["GET", "POST"])
@anonymous_only
def complete() -> BaseResponse:
    """New to Keel through a provider: accept the Terms and the DPA, then the account exists."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return redirect(url_for("identity.login"))
    profile = ProviderProfile.from_dict(data)
    form = CompleteForm()
    if request.method == "GET":
        form.name.data = service.name_or_default(profile)
    status = 200
    if form.validate_on_submit():
        try:
            user = service.create_account(
                runtime().store, profile, name=form.name.data or "",
                accept_terms=bool(form.accept_terms.data),
                accept_dpa=bool(form.accept_dpa.data), ip=request.remote_addr,
            )
        except FieldErrors as exc:
            attach_errors(form, exc)
        except OAuthRefused as exc:
            session.pop(PENDING, None)
            return _failed(exc.message)
        else:
            next_url = safe_next(session.get(NEXT))
            sign_in(session, user["$id"])
            if user.get("email_verified_at") is None:
                enqueue_mail(send_verification_email, user["$id"])
            return redirect(next_url or home_url())
    if form.is_submitted():
        status = 422
    return render("oauth/complete.html", "oauth_complete_form", status=status, form=form,
                  profile=profile, label=LABELS[profile.provider])


@bp.route("/auth/oauth/cancel", methods=["POST"])
@anonymous_only
def cancel() -> BaseResponse:
    if ActionForm().validate_on_submit():
        session.pop(PENDING, None)
    return redirect(url_for("identity.login"))


# -- the sign-in methods page -------------------------------------------------------------
def _identities_page(status: int = 200, error: str | None = None) -> BaseResponse:
    store = runtime().store
    rows = service.list_identities(store, g.user["$id"])
    linked = {row["provider"] for row in rows}
    return render(
        "oauth/identities.html", "oauth_identities_list", status=status,
        identities=rows, has_password=bool(g.user.get("password_hash")),
        can_unlink=service.can_unlink(g.user, rows), labels=LABELS, error=error,
        available=[p for p in configured_providers() if p not in linked], form=ActionForm(),
    )


@bp.route("/account/identities")
@login_required
def identities() -> BaseResponse:
    return _identities_page()


@bp.route("/account/identities/<identity_id>/unlink", methods=["POST"])
@login_required
def unlink(identity_id: str) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        identity = service.unlink_identity(
            runtime().store, Acting.of(g.user, request.remote_addr), g.user["$id"], identity_id)
    except NotFound:
        abort(404)
    except OAuthRefused as exc:
        return _identities_page(status=409, error=exc.message)
    flash(f"{LABELS[identity['provider']]} is unlinked.", "success")
    return redirect(url_for(".identities"))
