"""Authorization in templates and on the websocket.

``can(permission)`` answers for the request's loaded resource (the ``Scope`` the route's
guard put in ``g.access``): templates hide the controls the actor may not use::

    {% if can("workspace.settings.manage") %}<a href="...">Settings</a>{% endif %}

It takes a permission enum member or its dotted key; an unknown key, a page without a
layered guard, or an anonymous visitor is always False. It never loads anything but the
lazy grants of the request's scope (cached for the request), so a page with many checks
costs no more store calls than its guard did. The server still authorizes every action:
``can()`` only decides what is shown.

``init_app`` registers ``can`` and the ``project`` websocket room kind (joined with the same
policy as the project pages: ``project.view``).
"""

from __future__ import annotations

from flask import Flask

from webapp.authz.guards import can_view_project, current_access
from webapp.authz.vocabulary import (
    OrgPermission,
    Permission,
    ProgramPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)

_KINDS: tuple[type[Permission], ...] = (
    OrgPermission, WorkspacePermission, SpacePermission, ProjectPermission, ProgramPermission,
)


def parse_permission(value: object) -> Permission | None:
    """The permission named by an enum member or a dotted key; None when unknown."""
    if isinstance(value, _KINDS):
        return value
    if not isinstance(value, str):
        return None
    for kind in _KINDS:
        try:
            return kind(value)
        except ValueError:
            continue
    return None


def can(permission: Permission | str) -> bool:
    """Whether the signed-in actor holds ``permission`` on the request's resource."""
    key = parse_permission(permission)
    scope = current_access()
    if key is None or scope is None:
        return False
    return scope.allows(key)


def init_app(app: Flask) -> None:
    from webapp.realtime import register_room_kind

    app.add_template_global(can, "can")
    register_room_kind("project", can_view_project)
