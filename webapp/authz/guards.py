"""Route guards: every route declares one, and a test walks ``app.url_map`` to prove it.

A guard loads first and authorizes second (404 for what you may not know exists, 403 for
what you may see but not do). The identity package sets ``g.user`` (a user document or
None) before any guard runs.

The layered guards read the resource id from the URL and authorize one permission key::

    @bp.get("/w/<workspace_id>/settings")
    @workspace_required(WorkspacePermission.MANAGE_SETTINGS)
    def settings(workspace_id: str) -> ResponseReturnValue: ...

``org_required`` (``org_id`` -> ``g.org``, ``g.org_member``), ``workspace_required``
(``workspace_id`` -> ``g.workspace``, ``g.workspace_member``), ``space_required``
(``space_id`` -> ``g.space``, ``g.workspace``) and ``project_required`` (``project_id`` ->
``g.project``, ``g.workspace``). Each also sets ``g.access`` (the ``Scope``; templates ask
it through ``can()``). ``None`` as the permission means any access: an active org
membership, or the layer's view key (``workspace.view``, ``space.view``, ``project.view``).
Anonymous visitors go to the login page (401 for htmx and JSON), a resource that is
missing or hidden from the actor is 404, a refused key on a visible resource is 403. A
URL naming several ids must name a chain that belongs together (else 404). The load is
cached per request per resource, so fragments, ``can()`` and ``authorize()`` reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, has_app_context, redirect, request, url_for

from webapp.authz.context import Decision, Reason
from webapp.authz.loader import NotVisible, Scope, load_scope
from webapp.authz.vocabulary import (
    OrgPermission,
    Permission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)

F = TypeVar("F", bound=Callable[..., Any])
GUARD_ATTR = "_keel_guard"


def guard_of(view: Callable[..., Any]) -> str | None:
    """The guard a view declared (its name, without the permission), or None."""
    name = getattr(view, GUARD_ATTR, None)
    return name.partition(":")[0] if isinstance(name, str) else None


def guard_permission_of(view: Callable[..., Any]) -> str | None:
    """The permission key a layered guard checks (``org_required(KEY)``), or None."""
    name = getattr(view, GUARD_ATTR, None)
    return (name.partition(":")[2] or None) if isinstance(name, str) else None


def _mark(view: Callable[..., Any], name: str) -> None:
    setattr(view, GUARD_ATTR, name)


def public(view: F) -> F:
    """Anyone, signed in or not."""
    _mark(view, "public")
    return view


def anonymous_only(view: F) -> F:
    """Pages for signed-out visitors (login, sign-up); signed-in users go home."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is not None:
            return redirect(url_for("web.home"))
        return view(*args, **kwargs)

    _mark(wrapper, "anonymous_only")
    return wrapper  # type: ignore[return-value]


def login_refusal() -> Any:
    """None for a signed-in user; else the login redirect (401 for htmx/JSON requests)."""
    if g.get("user") is not None:
        return None
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.headers.get("HX-Request") or wants_json:
        abort(401)
    return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    """A signed-in user; others are sent to the login page (401 for htmx/JSON)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refusal = login_refusal()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    _mark(wrapper, "login_required")
    return wrapper  # type: ignore[return-value]


def platform_admin(view: F) -> F:
    """Platform operators only (``flask --app wsgi make-admin EMAIL``); others get 404."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refusal = require_platform_admin()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    _mark(wrapper, "platform_admin")
    return wrapper  # type: ignore[return-value]


def require_platform_admin() -> Any:
    """The ``platform_admin`` check on its own, for a blueprint's ``before_request``:
    None for a platform admin, a redirect to the login page for visitors, 404 otherwise."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))
    if not user.get("is_platform_admin"):
        abort(404)
    return None


def socket_user(view: F) -> F:
    """A websocket handler for a signed-in user (``g.user``).

    A websocket cannot be redirected, and flask-sock completes the upgrade before it calls
    the handler: the blueprint owning the route refuses anonymous handshakes with 401
    before the upgrade (see ``webapp/realtime/routes.py``), and this wrapper closes any
    socket that still arrives without a user with 1008 (policy violation). Identify the
    user only from the session, never from anything the client sends.
    """

    @wraps(view)
    def wrapper(ws: Any, *args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            ws.close(1008, "sign in required")
            return None
        return view(ws, *args, **kwargs)

    _mark(wrapper, "socket_user")
    return wrapper  # type: ignore[return-value]


def is_same_origin() -> bool:
    """True unless the request names another origin (``Origin``, else ``Referer``).

    Browsers send ``Origin`` on websocket handshakes and on every cross-site POST; a
    request without either header is not from another site's page.
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()


KNOWN_GUARDS = frozenset({
    "public", "anonymous_only", "login_required", "platform_admin", "socket_user",
    "org_required", "workspace_required", "space_required", "project_required",
})
"""Every guard name a view may carry (``guard_of`` returns one of these)."""

__all__ = [
    "KNOWN_GUARDS", "anonymous_only", "guard_blueprint", "guard_of", "guarded_blueprint",
    "is_same_origin", "login_refusal", "login_required", "org_required", "platform_admin",
    "project_required", "public", "require_platform_admin", "socket_user", "space_required",
    "workspace_required",
]

# Blueprints whose every view is guarded by the blueprint itself (a ``before_request``
# that loads and authorizes), e.g. a third-party blueprint such as the RQ dashboard.
GUARDED_BLUEPRINTS: dict[str, str] = {}


def guard_blueprint(name: str, guard: str) -> None:
    """Record that blueprint ``name`` guards all its views with ``guard``."""
    GUARDED_BLUEPRINTS[name] = guard


def guarded_blueprint(name: str) -> str | None:
    return GUARDED_BLUEPRINTS.get(name)


# --- layered guards ------------------------------------------------------------------------

_SCOPE_CACHE = "_keel_access_scopes"
_LAYER_KWARGS = ("org_id", "workspace_id", "space_id", "project_id")
_VIEW_KEYS: dict[str, Permission] = {
    "workspace": WorkspacePermission.VIEW_ALL,
    "space": SpacePermission.VIEW_SPACE,
    "project": ProjectPermission.VIEW_PROJECT,
}


def scope_for(**ids: str | None) -> Scope:
    """The signed-in user's ``Scope`` for the named resource, loaded once per request.

    Raises ``NotVisible`` for a missing resource or ids that do not belong together, or
    a workspace closed to the actor.
    """
    scope = _cached_scope(ids)
    scope.load_workspace()
    return scope


def _cached_scope(ids: dict[str, str | None]) -> Scope:
    """``scope_for`` without the workspace document (the guards read it after deciding)."""
    user = g.get("user")
    if user is None:
        raise NotVisible("anonymous")
    key = tuple(ids.get(name) for name in _LAYER_KWARGS)
    cache: dict[tuple[str | None, ...], Scope] | None = g.get(_SCOPE_CACHE)
    if cache is None:
        cache = {}
        setattr(g, _SCOPE_CACHE, cache)
    scope = cache.get(key)
    if scope is None:
        store = current_app.extensions["keel.runtime"].store
        org_id, workspace_id, space_id, project_id = key
        scope = load_scope(store, user, org_id=org_id, workspace_id=workspace_id,
                           space_id=space_id, project_id=project_id, defer_workspace=True)
        cache[key] = scope
    return scope


def current_access() -> Scope | None:
    """The scope the request's guard loaded (``g.access``), or None."""
    scope = g.get("access")
    return scope if isinstance(scope, Scope) else None


def any_access(scope: Scope, layer: str) -> Decision | None:
    """None when the actor has any access to the scope's ``layer`` resource; else the
    refusing decision (``refusal_status`` 404 or 403)."""
    if layer != "org":
        decision = scope.decide(_VIEW_KEYS[layer])
        return None if decision.allowed else decision
    grant = scope.context.org
    if grant is None:
        return Decision(False, False, Reason.NOT_ORG_MEMBER, OrgPermission.MEMBERS_VIEW)
    if not grant.is_active:
        return Decision(False, True, Reason.ORG_MEMBERSHIP_INACTIVE, OrgPermission.MEMBERS_VIEW)
    return None


def authorize(permission: Permission, scope: Scope | None = None) -> Scope:
    """Inside a guarded view: abort 404/403 unless the actor holds ``permission`` on the
    request's resource (or ``scope``); returns the scope."""
    target = scope or current_access()
    if target is None:
        abort(404)
    decision = target.decide(permission)
    if not decision.allowed:
        abort(decision.refusal_status or 403)
    return target


def _expose(scope: Scope, layer: str) -> None:
    g.access = scope
    g.org_member = scope.org_member
    g.workspace_member = scope.workspace_member
    if layer == "org":
        g.org = scope.organization
    if scope.workspace is not None:
        g.workspace = scope.workspace
    if scope.space is not None:
        g.space = scope.space
    if scope.project is not None:
        g.project = scope.project
        g.project_member = scope.project_member


_ASK = {"org": "an owner of the organization", "workspace": "a workspace admin",
        "space": "a space master or workspace admin", "project": "a project owner or admin"}


def refusal_text(permission: Permission | None, layer: str) -> str | None:
    """The 403 page's explanation: which permission is missing and whom to ask."""
    if permission is None:
        return None
    label = getattr(permission, "label", None) or permission.value
    return (f"This needs the “{label}” permission ({permission.value}), which your role "
            f"here does not include. Ask {_ASK.get(layer, 'an owner')} if you need it.")


def _authorize(scope: Scope, layer: str, permission: Permission | None) -> None:
    refused = any_access(scope, layer) if permission is None else scope.decide(permission)
    if refused is not None and not refused.allowed:
        status = refused.refusal_status or 403
        if status == 403 and refusal_text(permission, layer):
            abort(403, refusal_text(permission, layer))
        abort(status)


def _closed_workspace_page(scope: Scope) -> Any:
    """The org OWNER's view of a workspace whose organization awaits deletion: a notice
    with the restore button (403; everyone else got 404)."""
    from webapp.features.orgs.deletion import purge_due_at
    from webapp.htmx import render

    store = current_app.extensions["keel.runtime"].store
    org = store.find("organizations", scope.org_id) if scope.org_id else None
    purge_at = purge_due_at(org) if org else None
    return render("orgs/closed_workspace.html", status=403, org=org,
                  workspace=scope.workspace, purge_at=purge_at)


def _layered(layer: str, permission: Permission | None) -> Callable[[F], F]:
    id_kwarg = f"{layer}_id"

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refusal = login_refusal()
            if refusal is not None:
                return refusal
            ids = {name: kwargs.get(name) for name in _LAYER_KWARGS if name in kwargs}
            if ids.get(id_kwarg) is None and layer == "org":
                # ``/organization/...``: the signed-in user's own organization
                ids["org_id"] = g.user.get("primary_organization_id") or None
                if ids["org_id"] is None:
                    abort(404)
            elif ids.get(id_kwarg) is None:
                raise LookupError(f"{view.__name__}: the URL has no <{id_kwarg}>")
            try:
                scope = _cached_scope(ids)
                _authorize(scope, layer, permission)
                # the page's workspace document, read after the decision (not part of
                # authorization); it cross-checks the copies the decision relied on
                scope.load_workspace()
            except NotVisible:
                abort(404)
            _authorize(scope, layer, permission)  # again: a failed cross-check reloads
            if scope.org_closed_at is not None:
                return _closed_workspace_page(scope)
            _expose(scope, layer)
            return view(*args, **kwargs)

        _mark(wrapper, f"{layer}_required:{permission.value if permission else ''}")
        return wrapper  # type: ignore[return-value]

    return decorate


def org_required(permission: OrgPermission | None = None) -> Callable[[F], F]:
    """``<org_id>``: an org member holding ``permission`` (None: any active membership).

    A URL without ``<org_id>`` (``/organization``) means the user's primary organization
    (``users.primary_organization_id``); none is a 404."""
    return _layered("org", permission)


def workspace_required(permission: WorkspacePermission | None = None) -> Callable[[F], F]:
    """``<workspace_id>``: ``permission`` in the workspace (None: ``workspace.view``)."""
    return _layered("workspace", permission)


def space_required(permission: SpacePermission | None = None) -> Callable[[F], F]:
    """``<space_id>``: ``permission`` in the space (None: ``space.view``)."""
    return _layered("space", permission)


def project_required(permission: ProjectPermission | None = None) -> Callable[[F], F]:
    """``<project_id>``: ``permission`` in the project (None: ``project.view``)."""
    return _layered("project", permission)


def can_view_project(user: dict[str, Any], project_id: str) -> bool:
    """The websocket authorizer for ``project:<id>`` rooms (``project.view``).

    Never cached: the socket's re-check runs in one long-lived request context and must
    see revoked memberships.
    """
    if not has_app_context():
        return False
    try:
        scope = load_scope(current_app.extensions["keel.runtime"].store, user,
                           project_id=project_id)
    except NotVisible:
        return False
    return scope.org_closed_at is None and scope.allows(ProjectPermission.VIEW_PROJECT)
