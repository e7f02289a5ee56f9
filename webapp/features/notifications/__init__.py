"""The notifications area: domain events (``events.py``), the dispatcher, the in-app inbox
with its bell, preferences, e-mail digests, live pushes to boards, and outgoing project
webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the area's blueprints, template globals and hooks."""
    from webapp.features.notifications import context, events, live, routes, routes_webhooks

    context.set_provider(live.runtime_provider)
    events.register_sink(live.sink)
    events.set_runner(live.runner)
    app.after_request(live.after_request)
    app.teardown_request(live.teardown)
    app.register_blueprint(routes.bp)
    app.register_blueprint(routes_webhooks.bp)
    app.add_template_global(routes.unread_for_template, "notification_unread")
