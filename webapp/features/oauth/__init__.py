"""Sign in with Google (OpenID Connect) and GitHub (OAuth 2.0) through Authlib, and the
linked-identities page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .clients import configured_providers, init_clients
    from .routes import bp

    init_clients(app)
    app.register_blueprint(bp)
    app.jinja_env.globals["oauth_providers"] = configured_providers
