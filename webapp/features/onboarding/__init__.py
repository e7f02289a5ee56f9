"""Onboarding: the /onboarding stepper (account type → organization → first workspace) and
the /welcome page for organization users without a workspace."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
