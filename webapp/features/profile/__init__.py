"""Profile: personal details, the avatar, and changing the e-mail address."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
