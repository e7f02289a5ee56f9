"""Request-side helpers of the integrations area."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from jobs import context as job_context
from webapp.extensions import runtime

log = logging.getLogger(__name__)


def secret_key() -> str:
    return str(runtime().settings.secret_key)


def enqueue(func: Callable[..., Any], *args: Any) -> bool:
    """Queue an integration job on ``default``; False (logged) when Redis is unreachable."""
    rt = runtime()
    try:
        with job_context.bound(rt):
            rt.enqueue("default", func, *args, job_timeout=600)
    except RedisError:
        log.exception("could not queue %s", getattr(func, "__name__", func))
        return False
    return True


def failure(exc: Exception) -> tuple[str, int]:
    """The message and status of a degraded AI answer: the AI being unavailable (not set up,
    rate-limited, down) is shown in place with 200; a refusal (billing) keeps its status."""
    from webapp.features.integrations.ai.gemini import AIUnavailable

    if isinstance(exc, AIUnavailable):
        return exc.message, 200
    return str(getattr(exc, "message", exc)), int(getattr(exc, "status", 409))
