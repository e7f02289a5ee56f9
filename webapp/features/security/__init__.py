"""Two-factor authentication: TOTP, e-mail codes, recovery codes and the sign-in challenge."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
