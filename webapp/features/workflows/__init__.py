"""Workflows: statuses, transitions, approvals, templates, the engine that checks moves and
runs auto-transitions, board columns and WIP limits, and their pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.workflows import routes_project  # noqa: F401  (adds its routes)
    from webapp.features.workflows.routes import bp

    app.register_blueprint(bp)
