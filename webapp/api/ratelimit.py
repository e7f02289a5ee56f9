"""Per-token rate limits: a fixed window counted in Redis.

``hit(redis, key, limit, window)`` counts one request in the current window of ``window``
seconds and answers the numbers the ``X-RateLimit-*`` headers carry. Keys hold the token's
id, never its secret. When Redis is unreachable the limiter steps aside (every request
passes, without headers), like the login throttle.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)
PREFIX = "keel:api:rate"


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the window ends
    allowed: bool

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - int(time.time()))


def hit(redis: Redis, key: str, limit: int, window: int = 60,
        now: float | None = None) -> Window | None:
    """Count one request for ``key``; None when Redis is unavailable."""
    now = time.time() if now is None else now
    window = max(1, int(window))
    start = int(now) - int(now) % window
    name = f"{PREFIX}:{key}:{start}"
    try:
        pipe = redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count = int(pipe.execute()[0])
    except RedisError as exc:
        log.warning("API rate limit unavailable (Redis): %s", exc)
        return None
    return Window(limit=limit, remaining=max(0, limit - count), reset=start + window,
                  allowed=count <= limit)
