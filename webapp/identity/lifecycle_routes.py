"""The lifecycle guard: applies the routing table (``lifecycle_table``) on every request.

For a signed-in user, once per request (after ``load_user``):

- ALWAYS paths (static, /healthz, /ws, /logout, /legal, /admin) pass untouched;
- DELETED: the session ends and the user goes to the sign-in page;
- MUST_RESET_PASSWORD: only the token pages (PUBLIC) pass; the rest goes to the forced reset page;
- EMAIL_UNVERIFIED: PUBLIC and PROFILE pass; the rest goes to "check your inbox";
- legal acceptance due (or held until the organization accepts): everything but PUBLIC token
  pages goes to /legal, which replaces the app;
- PUBLIC token pages (/verify-email…, /password/reset/…, /auth/…) serve every state, but
  the sign-in/sign-up/forgot pages bounce a signed-in user to the state's landing page;
- a path whose group the state reaches passes; any other goes to the state's ``redirect_to``
  group, else /welcome when reachable, else the first reachable group that exists.

Visitors are left to each route's own guard (``login_required`` sends them to /login?next=).
htmx requests get ``HX-Redirect`` instead of a 302, so the whole page moves.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, make_response, redirect, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.extensions import runtime

from .lifecycle import Resolution, resolve
from .lifecycle_table import (
    FORCED_RESET_PAGES,
    LANDINGS,
    SIGNED_OUT_PAGES,
    VERIFY_EMAIL_PAGE,
    LifecycleState,
    PathGroup,
    group_of,
)

log = logging.getLogger(__name__)
S = LifecycleState
G = PathGroup
LEGAL_PAGE = "/legal"
# Fallback order when a state has neither a redirect nor /welcome.
FALLBACK_ORDER = (G.HOME, G.WELCOME, G.ORGANIZATION, G.BILLING, G.PROFILE)


def current_resolution() -> Resolution:
    """The signed-in user's resolution, computed once per request (``g.lifecycle``)."""
    cached: Resolution | None = g.get("lifecycle")
    if cached is None:
        rt = runtime()
        cached = resolve(rt.store, g.get("user"), redis=rt.redis)
        g.lifecycle = cached
    return cached


def path_exists(path: str) -> bool:
    """Whether a GET to ``path`` matches a route of this app (answers cached per app)."""
    known: dict[str, bool] = current_app.extensions.setdefault("keel.lifecycle.paths", {})
    if path not in known:
        adapter = current_app.url_map.bind("localhost")
        try:
            adapter.match(path, method="GET")
            known[path] = True
        except HTTPException as exc:
            # a redirect (e.g. a missing trailing slash) still means the page exists
            known[path] = getattr(exc, "code", 404) in (301, 302, 308)
    return known[path]


def landing(group: PathGroup) -> str | None:
    for path in LANDINGS.get(group, ()):
        if path_exists(path):
            return path
    return None


def target_for(resolution: Resolution) -> str:
    """Where a user in this state is sent from a path it may not reach."""
    state = resolution.state
    if state is S.EMAIL_UNVERIFIED:
        return VERIFY_EMAIL_PAGE
    if state is S.MUST_RESET_PASSWORD:
        return next((p for p in FORCED_RESET_PAGES if path_exists(p)), "/login")
    if state in (S.DELETED, S.UNAUTHENTICATED):
        return "/login"
    if resolution.needs_legal:
        return LEGAL_PAGE
    if resolution.redirect_to is not None:
        path = landing(resolution.redirect_to)
        if path:
            return path
    for group in FALLBACK_ORDER:
        if resolution.reaches(group):
            path = landing(group)
            if path:
                return path
    return "/account/sessions"


def home_for(resolution: Resolution) -> str:
    """A state's landing page: its redirect, else home when reachable, else the fallback."""
    if resolution.redirect_to is None and resolution.reaches(G.HOME) and not (
        resolution.needs_legal
    ):
        return "/"
    return target_for(resolution)


def _go(target: str) -> Response:
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def decide(resolution: Resolution, path: str) -> str | None:
    """Where the guard sends a signed-in user asking for ``path`` (None = let it through)."""
    group = group_of(path)
    if group is G.ALWAYS:
        return None
    state = resolution.state
    if state in (S.DELETED, S.UNAUTHENTICATED):
        return "/login"
    if group is G.PUBLIC:
        # token pages (verification, reset, first login, OAuth callbacks) serve every state
        return home_for(resolution) if path in SIGNED_OUT_PAGES else None
    if state in (S.MUST_RESET_PASSWORD, S.EMAIL_UNVERIFIED) or resolution.needs_legal:
        if state is S.EMAIL_UNVERIFIED and resolution.reaches(group):
            return None
        return target_for(resolution)
    if resolution.reaches(group):
        return None
    target = target_for(resolution)
    return None if target == path else target


def lifecycle_guard() -> Response | None:
    """``before_request``: apply the routing table to the signed-in user."""
    user = g.get("user")
    if user is None or request.endpoint == "static":
        return None
    if group_of(request.path) is G.ALWAYS:
        return None
    resolution = current_resolution()
    target = decide(resolution, request.path)
    if target is None:
        return None
    if resolution.state is S.DELETED:
        session.clear()
        g.user = None
    return _go(target)


def _template_context() -> dict[str, object]:
    """``lifecycle`` in templates: the signed-in user's Resolution (None for visitors, and
    when it cannot be computed, e.g. on an error page while the database is down)."""
    if g.get("user") is None:
        return {"lifecycle": None}
    try:
        return {"lifecycle": current_resolution()}
    except Exception:  # an error page must still render
        log.warning("lifecycle unavailable for the template", exc_info=True)
        return {"lifecycle": None}


def init_app(app: Flask) -> None:
    app.before_request(lifecycle_guard)
    app.context_processor(_template_context)
