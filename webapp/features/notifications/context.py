"""The Runtime the notification services queue jobs on (no Flask).

The web app registers a provider in ``init_app`` (its own Runtime inside an app context);
jobs and the CLI fall back to ``jobs.context.runtime()``. ``enqueue`` binds the runtime so
inline queues (``RQ_ASYNC=false``) run the job on the same store, mailer and Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from webapp.runtime import Runtime

log = logging.getLogger(__name__)

_provider: Callable[[], Runtime | None] | None = None


def set_provider(provider: Callable[[], Runtime | None]) -> None:
    global _provider
    _provider = provider


def runtime() -> Runtime:
    found = _provider() if _provider is not None else None
    if found is not None:
        return found
    from jobs.context import runtime as job_runtime

    return job_runtime()


def enqueue(queue: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Queue ``func``; False (logged) when Redis is unreachable — the persisted state
    (pending rows) lets the scheduled jobs pick the work up later."""
    from jobs.context import bound

    rt = runtime()
    try:
        with bound(rt):
            rt.enqueue(queue, func, *args, **kwargs)
    except RedisError:
        log.warning("could not queue %s: Redis unavailable", getattr(func, "__name__", func))
        return False
    return True
