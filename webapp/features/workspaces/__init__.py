"""Workspaces: create, switch, settings, members, roles, invite codes and the activity feed."""

from __future__ import annotations

from typing import Any

from flask import Flask, g


def user_workspaces() -> list[dict[str, Any]]:
    """The signed-in user's workspaces (for the switcher), loaded once per request."""
    user = g.get("user")
    if user is None:
        return []
    cached = g.get("_keel_user_workspaces")
    if cached is None:
        from webapp.extensions import runtime
        from webapp.features.workspaces.service import list_user_workspaces

        cached = list_user_workspaces(runtime().store, user["$id"])
        g._keel_user_workspaces = cached
    return cached


def init_app(app: Flask) -> None:
    from webapp.authz.vocabulary import ProjectPermission, SpacePermission, WorkspacePermission
    from webapp.features.workspaces.member_routes import bp as members_bp
    from webapp.features.workspaces.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(members_bp)
    app.jinja_env.globals["user_workspaces"] = user_workspaces
    for name, value in (("WorkspacePermission", WorkspacePermission),
                        ("SpacePermission", SpacePermission),
                        ("ProjectPermission", ProjectPermission)):
        app.jinja_env.globals.setdefault(name, value)
