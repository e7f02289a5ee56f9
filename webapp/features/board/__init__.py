"""The project board: columns by status with paged cards, swimlanes, drag and drop moves
(SortableJS + htmx), quick create and WIP warnings."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.board.routes import bp

    app.register_blueprint(bp)
