"""Identity e-mails (verification, password reset) rendered outside any Flask app.

Jobs render these with a standalone Jinja2 environment over ``templates/emails``; links
are absolute, built from ``Settings.base_url``. Each e-mail has an HTML and a plain-text
part. The link paths here match the routes in ``routes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "emails"
VERIFY_PATH = "/verify-email/{token}"
RESET_PATH = "/password/reset/{token}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(EMAIL_TEMPLATES)),
        autoescape=select_autoescape(("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def absolute_link(base_url: str, path: str, token: str) -> str:
    return base_url.rstrip("/") + path.format(token=quote(token, safe=""))


def render_email(template: str, subject: str, **context: object) -> RenderedEmail:
    """Render ``<template>.txt`` and ``<template>.html`` with the same context."""
    env = environment()
    context = {"subject": subject, **context}
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{template}.txt").render(context),
        html=env.get_template(f"{template}.html").render(context),
    )


def verification_email(name: str, base_url: str, token: str, hours: int) -> RenderedEmail:
    return render_email(
        "verify_email",
        "Confirm your email address for Keel",
        name=name,
        link=absolute_link(base_url, VERIFY_PATH, token),
        hours=hours,
        base_url=base_url.rstrip("/"),
    )


def password_reset_email(name: str, base_url: str, token: str, minutes: int) -> RenderedEmail:
    return render_email(
        "reset_password",
        "Reset your Keel password",
        name=name,
        link=absolute_link(base_url, RESET_PATH, token),
        minutes=minutes,
        base_url=base_url.rstrip("/"),
    )
