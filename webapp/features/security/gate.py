"""Where a sign-in that proved the first factor turns into a challenge for the second.

``challenge_or_none(user, next_url)`` is called by the password login and the Google/GitHub
callbacks right before they would sign in: for a user with two-factor turned on it stores
the pending challenge in the session (no ``user_id``) and returns the redirect to
``/auth/2fa``; otherwise it returns None and the caller signs in as before.
"""

from __future__ import annotations

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

from jobs.security_mail import send_two_factor_code
from webapp.extensions import runtime
from webapp.identity.helpers import enqueue_mail
from webapp.identity.sessions import ServerSession
from webapp.storage.base import Document

from . import challenge, service

SESSION_TOKEN = "2fa_challenge"  # noqa: S105 (a session key name)
SESSION_NEXT = "2fa_next"
SESSION_FAILURES = "2fa_failures"


def challenge_or_none(user: Document, next_url: str | None) -> Response | None:
    enabled = service.methods(user)
    if not enabled:
        return None
    raw = challenge.start(runtime().store, user["$id"], ip_address=request.remote_addr)
    session.clear()
    session[SESSION_TOKEN] = raw
    session[SESSION_NEXT] = next_url or ""
    session[SESSION_FAILURES] = 0
    if isinstance(session, ServerSession):
        session.rotate()
    method = "totp"
    if service.TOTP not in enabled:
        method = "email"
        enqueue_mail(send_two_factor_code, user["$id"], "login")
    return redirect(url_for("security.challenge_page", method=method))


def clear() -> None:
    for key in (SESSION_TOKEN, SESSION_NEXT, SESSION_FAILURES):
        session.pop(key, None)
