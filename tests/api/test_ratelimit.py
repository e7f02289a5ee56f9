"""Per-token rate limits counted in Redis, with X-RateLimit-* and Retry-After."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webapp.api import ratelimit


@pytest.fixture
def settings(settings: Any) -> Any:
    return settings.model_copy(update={"api_rate_limit": 3, "api_rate_window": 60})


def test_the_fourth_call_in_a_window_is_429(owner: Any, token_for: Any, call: Any,
                                            redis_conn: Any) -> None:
    token, other = token_for(owner), token_for(owner)
    remaining = []
    for _ in range(3):
        got = call("GET", "/me", token)
        assert got.status_code == 200
        assert got.headers["X-RateLimit-Limit"] == "3"
        remaining.append(got.headers["X-RateLimit-Remaining"])
        reset = int(got.headers["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + 61
    assert remaining == ["2", "1", "0"]
    limited = call("GET", "/me", token)
    assert limited.status_code == 429
    body = limited.get_json()
    assert body["code"] == "rate_limited" and "3 requests" in body["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # writes count too, and the refusal comes before anything is done
    assert call("POST", "/workspaces/x/projects", token, json={}).status_code == 429
    # another token of the same user has its own budget; the counter key holds no secret
    assert call("GET", "/me", other).status_code == 200
    keys = [k.decode() for k in redis_conn.keys("keel:api:rate:*")]
    assert len(keys) == 2 and not any("keel_" in k for k in keys)


def test_windows_reset_and_redis_outages_fail_open(redis_conn: Any) -> None:
    start = 1_000_000_020.0
    for _ in range(2):
        window = ratelimit.hit(redis_conn, "t1", 2, 60, now=start)
    assert window is not None and window.remaining == 0 and window.allowed
    over = ratelimit.hit(redis_conn, "t1", 2, 60, now=start + 1)
    assert over is not None and not over.allowed and over.reset == 1_000_000_080
    fresh = ratelimit.hit(redis_conn, "t1", 2, 60, now=start + 60)
    assert fresh is not None and fresh.allowed and fresh.remaining == 1
    from redis import Redis

    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.1)
    assert ratelimit.hit(down, "t1", 2, 60) is None
