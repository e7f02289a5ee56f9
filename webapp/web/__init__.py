"""Keel's web shell: layout helpers, security headers, fingerprinted assets, error pages,
the home page and ``/healthz``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import assets, errors, flashes, routes, security, templating

    app.register_blueprint(routes.bp)
    templating.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    flashes.init_app(app)
    security.init_app(app)
