"""The account lifecycle: the legal gate (/legal), personal → organization conversion
(/account/convert) and account deletion (/account/delete)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
