"""The project table (filters, sort, pages, bulk edit) and workspace search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.table.routes import bp
    from webapp.features.table.search_routes import bp as search_bp

    app.register_blueprint(bp)
    app.register_blueprint(search_bp)
