"""Custom fields: definitions (workspace, space, project scope), value validation and
display, and their management pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.fields.routes import bp
    from webapp.features.fields.values import display

    app.register_blueprint(bp)
    app.add_template_global(display, "field_display")
