"""Temporary lockout after repeated failed sign-ins for one e-mail address.

Counters live in Redis with an expiry: ``failures`` failures within ``minutes`` lock the
address for ``minutes``. Keys hold a hash of the address, never the address itself. When
Redis is unreachable the throttle steps aside: sign-in keeps working, without lockout.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(
        self, redis: Redis, failures: int, minutes: int, prefix: str = "keel:login"
    ) -> None:
        self.redis = redis
        self.failures = max(1, failures)
        self.seconds = max(1, minutes) * 60
        self.prefix = prefix
        self.available = True  # after one Redis error, stop trying for this throttle

    def _down(self, exc: RedisError) -> None:
        log.warning("login lockout unavailable (Redis): %s", exc)
        self.available = False

    def _keys(self, email: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
        return f"{self.prefix}:fail:{digest}", f"{self.prefix}:lock:{digest}"

    def locked_for(self, email: str) -> int:
        """Seconds until ``email`` may try again; 0 when it is not locked."""
        if not self.available:
            return 0
        _, lock = self._keys(email)
        try:
            ttl = int(self.redis.ttl(lock))
        except RedisError as exc:
            self._down(exc)
            return 0
        return ttl if ttl > 0 else 0

    def record_failure(self, email: str) -> int:
        """Count one failure; returns the lock's seconds when this failure locked the address."""
        if not self.available:
            return 0
        fail, lock = self._keys(email)
        try:
            count = int(self.redis.incr(fail))
            if count == 1:
                self.redis.expire(fail, self.seconds)
            if count >= self.failures:
                pipe = self.redis.pipeline()
                pipe.set(lock, "1", ex=self.seconds)
                pipe.delete(fail)
                pipe.execute()
                return self.seconds
        except RedisError as exc:
            self._down(exc)
        return 0

    def clear(self, email: str) -> None:
        """A successful sign-in forgets earlier failures."""
        if not self.available:
            return
        try:
            self.redis.delete(*self._keys(email))
        except RedisError as exc:
            self._down(exc)
