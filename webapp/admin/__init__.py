"""Operator tools for platform admins: the RQ dashboard at ``/admin/jobs``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import dashboard

    dashboard.init_app(app)
