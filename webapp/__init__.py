"""Keel: agile project management, rendered on the server.

``create_app`` runs the init checklist in a fixed order; the request pipeline it builds is
described in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from flask import Flask

from webapp.config import Settings
from webapp.runtime import Runtime

__version__ = "0.1.0"


def _limiter_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    runtime = Runtime(settings)
    app.extensions["keel.runtime"] = runtime
    app.config.update(
        KEEL_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_NAME="keel_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=settings.session_days * 86400,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        RATELIMIT_STORAGE_URI=_limiter_uri(runtime.redis_url),
        RATELIMIT_KEY_PREFIX="keel-limits",
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        SOCK_SERVER_OPTIONS={"ping_interval": 25},
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
    )
    if 3 in runtime.store.migrate():
        from webapp.authz.mirrors import backfill

        backfill(runtime.store)  # the v3 access copies for rows written before it

    from webapp import admin, cli, identity, realtime, web
    from webapp.authz import templating as authz_templating
    from webapp.extensions import csrf, limiter

    # 1. security headers, CSRF, rate limits
    csrf.init_app(app)
    limiter.init_app(app)
    # The limiter is one object per process: a new app starts with its storage assumed alive.
    limiter._storage_dead = False
    web.init_app(app)
    _pin_reads(app)
    # 3. server-side sessions and the signed-in user
    identity.init_app(app)
    authz_templating.init_app(app)  # can() in templates, project websocket rooms
    realtime.init_app(app)
    admin.init_app(app)
    from webapp.features.registry import init_features

    init_features(app)
    cli.init_app(app)
    return app


def _pin_reads(app: Flask) -> None:
    """A request's reads share one database connection (``DocumentStore.reads_pinned``);
    a websocket, which lives as long as the socket, does not hold one."""
    from contextlib import ExitStack

    from flask import g, request

    from webapp.extensions import runtime

    def pin() -> None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return
        stack = ExitStack()
        stack.enter_context(runtime().store.reads_pinned())
        g._keel_reads = stack

    def unpin(_exc: BaseException | None) -> None:
        stack = g.pop("_keel_reads", None)
        if stack is not None:
            stack.close()

    app.before_request(pin)
    app.teardown_request(unpin)
