"""Organizations: the organization page (general settings, members, departments, security,
audit), admin-created accounts with the first-login magic link, and org deletion.

``init_app`` registers the ``orgs`` blueprint (``/organization/...``, ``/auth/first-login``
and ``/account/set-password``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp, init_routes

    init_routes()
    app.register_blueprint(bp)
