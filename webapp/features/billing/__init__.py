"""The billing area: accounts, wallet, usage metering, invoices, Razorpay top-ups."""

from __future__ import annotations

from flask import Flask


def usd(cents: int | None) -> str:
    """Cents as dollars: 123456 → "$1,234.56" (negative with a minus sign)."""
    value = int(cents or 0)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value) // 100:,}.{abs(value) % 100:02d}"


def gigabytes(nbytes: int | None) -> str:
    return f"{int(nbytes or 0) / 1024 ** 3:,.3f} GB"


def init_app(app: Flask) -> None:
    """Register the area's blueprints, template globals and hooks."""
    from . import routes, web

    app.register_blueprint(routes.bp)
    app.add_template_filter(usd, "usd")
    app.add_template_filter(gigabytes, "gb")
    web.init_app(app)
    from .cli import billing_cli

    app.cli.add_command(billing_cli)
