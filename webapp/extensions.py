"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sock import Sock
from flask_wtf.csrf import CSRFProtect

from webapp.runtime import Runtime

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
sock = Sock()


def runtime() -> Runtime:
    """The running app's Runtime (store, mailer, redis, queues)."""
    rt: Runtime = current_app.extensions["keel.runtime"]
    return rt
