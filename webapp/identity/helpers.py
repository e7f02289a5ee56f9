"""Small request-side helpers shared by the identity routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, session, url_for
from flask_limiter.util import get_remote_address
from redis.exceptions import RedisError
from rq import Retry

from jobs import context as job_context
from webapp.config import Settings
from webapp.extensions import runtime
from webapp.storage.base import DocumentStore

from .lockout import LoginThrottle

log = logging.getLogger(__name__)


def settings() -> Settings:
    value: Settings = current_app.config["KEEL_SETTINGS"]
    return value


def store() -> DocumentStore:
    return runtime().store


def login_throttle() -> LoginThrottle:
    s = settings()
    return LoginThrottle(runtime().redis, s.lockout_failures, s.lockout_minutes)


def login_rate_limit() -> str:
    """Flask-Limiter limit string for sign-in, sign-up and forgot-password posts."""
    return settings().login_rate_limit


def user_rate_key() -> str:
    """Rate-limit key per signed-in user (limits run before ``g.user`` is loaded)."""
    user_id = session.get("user_id")
    return f"user:{user_id}" if user_id else f"ip:{get_remote_address()}"


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a local path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_url() -> str:
    return url_for("web.home")


MAIL_RETRY = Retry(max=3, interval=[30, 120, 600])


def enqueue_mail(func: Callable[..., Any], *args: Any) -> bool:
    """Queue a mail job on the ``mail`` queue; False (logged) when Redis is unreachable."""
    rt = runtime()
    try:
        with job_context.bound(rt):
            rt.enqueue("mail", func, *args, retry=MAIL_RETRY)
    except RedisError:
        log.exception("could not queue %s", getattr(func, "__name__", func))
        return False
    return True
