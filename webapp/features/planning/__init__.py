"""The planning area: sprints, the backlog, sprint charts, and the collaboration regions of
the work item page (comments, attachments, time logs)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the area's blueprints, template globals and hooks."""
    from webapp.features.planning import item_routes, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(item_routes.bp)
    app.add_template_global(item_routes.item_regions, "planning_item_regions")
    app.add_template_global(item_routes.board_sprint, "planning_board_sprint")
    try:
        from webapp.features.notifications import events
    except ImportError:  # without the notifications area, deleted items keep their extras
        return
    events.register_sink(item_routes.on_event)
