"""Spaces: keys, visibility, templates, Master/Member/Viewer membership, archive, delete."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.spaces.routes import bp

    app.register_blueprint(bp)
