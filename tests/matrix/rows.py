"""Readable rows of the route x actor matrix (see ``tests/test_route_matrix.py``)."""

from __future__ import annotations

from matrix.world import ACTORS, ORG_ROLES, PROJECT_ROLES, WS_ROLES

Row = dict[str, frozenset[str] | str]

ALLOW = frozenset({"ok", "redirect", "invalid"})
LOGIN, FORBIDDEN, HIDDEN = "login", "403", "404"
REDIRECT = "redirect"
ALIAS = "alias"
SIGNED_IN = tuple(a for a in ACTORS if a != "anonymous")

# -- who is what in Core -------------------------------------------------------------------
ACME = (*ORG_ROLES, *WS_ROLES, *PROJECT_ROLES)  # everyone but the outsider
CORE_MEMBERS = ("org_owner", *WS_ROLES, *PROJECT_ROLES)  # org_owner created Core (WS_ADMIN)
CORE_ADMINS = ("org_owner", "ws_admin")
CORE_EDITORS = (*CORE_ADMINS, "ws_editor")
# org admin/moderator own every project of the org; workspace admins own every project
PROJECT_OVERRIDES = ("org_owner", "org_admin", "org_moderator", "ws_admin")

VIEW, EDIT, ADMIN, DELETE, MEMBER = "view", "edit", "admin", "delete", "member"


def row(default: frozenset[str] | str, anonymous: frozenset[str] | str = LOGIN,
        **actors: frozenset[str] | str) -> Row:
    """``default`` for every signed-in actor, overridden per actor."""
    values: Row = {actor: default for actor in SIGNED_IN}
    values["anonymous"] = anonymous
    values.update(actors)
    return values


def everyone(outcome: frozenset[str] | str = ALLOW) -> Row:
    """A public route: the same outcome for visitors and signed-in users."""
    return row(outcome, anonymous=outcome)


def signed_in(outcome: frozenset[str] | str = ALLOW) -> Row:
    """``login_required``: any signed-in user; visitors sign in first."""
    return row(outcome)


def anonymous_only(visitor: frozenset[str] | str = ALLOW) -> Row:
    """Pages for visitors; a signed-in user is sent to their home."""
    return row(REDIRECT, anonymous=visitor)


def platform_only() -> Row:
    """Operators only: no actor of the world is a platform admin."""
    return row(HIDDEN)


def canonical_alias() -> Row:
    """A rule that only redirects (308) to its canonical URL before any view runs (werkzeug
    does this for a rule whose defaults another rule of the endpoint spells out)."""
    return everyone(ALIAS)


def workspace(level: str) -> Row:
    """A Core route. VIEW: any member. EDIT: editors and admins. ADMIN/DELETE: admins.
    Members below the level get 403. Of the Acme members outside Core, the org admin has
    org access (a department), so Core is listed for it: 403; the moderator and member
    have none: 404, like the outsider."""
    allowed = {VIEW: CORE_MEMBERS, MEMBER: CORE_MEMBERS, EDIT: CORE_EDITORS,
               ADMIN: CORE_ADMINS, DELETE: CORE_ADMINS}[level]
    values = row(HIDDEN, org_admin=FORBIDDEN)
    for actor in CORE_MEMBERS:
        values[actor] = ALLOW if actor in allowed else FORBIDDEN
    return values


def private_space(level: str) -> Row:
    """A route of Core's private space: workspace admins are its Masters, the workspace
    viewer is its VIEWER member (403 on writes); other Core members, the project members
    inside it among them (space rights and project rights are apart), get 404."""
    values = row(HIDDEN)
    for actor in CORE_ADMINS:
        values[actor] = ALLOW
    values["ws_viewer"] = ALLOW if level == VIEW else FORBIDDEN
    return values


def project(level: str) -> Row:
    """A route of project RKT. VIEW: every project member and override; WRITE levels per
    the role tables (``webapp/authz/roles.py``); Core members outside it get 404."""
    allowed = {
        VIEW: (*PROJECT_OVERRIDES, *PROJECT_ROLES),
        EDIT: (*PROJECT_OVERRIDES, "p_owner", "p_admin", "p_member"),   # tasks.create/edit
        ADMIN: (*PROJECT_OVERRIDES, "p_owner", "p_admin"),              # members/teams manage
        DELETE: (*PROJECT_OVERRIDES, "p_owner"),                        # project.delete
    }[level]
    values = row(HIDDEN)
    for actor in (*PROJECT_OVERRIDES, *PROJECT_ROLES):
        values[actor] = ALLOW if actor in allowed else FORBIDDEN
    return values


OWNER = ("org_owner",)
MEMBER_MANAGERS = ("org_owner", "org_admin")


def organization(allowed: tuple[str, ...] = ACME) -> Row:
    """An Acme page. ``allowed`` (default: every member) may; other Acme members get 403
    (they know the organization), everyone else 404."""
    values = row(HIDDEN)
    for actor in ACME:
        values[actor] = ALLOW if actor in allowed else FORBIDDEN
    return values
