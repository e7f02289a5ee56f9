"""Work items: the item service (keys, fields, optimistic concurrency, transitions through
the workflow engine), Markdown descriptions with @mentions, links, checklists, split, clone,
move between projects, and the work item pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.features.items import routes_parts  # noqa: F401  (registers its routes)
    from webapp.features.items.routes import bp

    app.register_blueprint(bp)
