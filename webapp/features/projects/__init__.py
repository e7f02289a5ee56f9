"""Projects (minimal create/list) and project membership: roles, permission matrix, teams,
explicit grants and the project activity feed."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.projects.access_routes import bp as access_bp
    from webapp.features.projects.routes import bp
    from webapp.features.projects.settings_routes import bp as settings_bp

    app.register_blueprint(bp)
    app.register_blueprint(access_bp)
    app.register_blueprint(settings_bp)
