"""Shared fixtures: a real app on a temporary instance, real Redis, real SQLite.

Redis: 127.0.0.1:6379 (``TEST_REDIS_URL`` overrides); each xdist worker uses its own
database number and it is flushed before every test that asks for ``redis_url``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from webapp import create_app
from webapp.config import Settings

REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _redis_db(worker_id: str) -> int:
    match = re.search(r"(\d+)$", worker_id)
    return 1 + (int(match.group(1)) if match else 0)


@pytest.fixture
def redis_url(worker_id: str) -> Iterator[str]:
    url = f"{REDIS_BASE.rstrip('/')}/{_redis_db(worker_id)}"
    conn = Redis.from_url(url)
    conn.flushdb()
    yield url
    conn.close()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Redis]:
    conn = Redis.from_url(redis_url)
    yield conn
    conn.close()


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        KEEL_ENV="test",
        KEEL_TESTING=True,
        KEEL_INSTANCE=tmp_path / "instance",
        SECRET_KEY="test-secret-key-not-for-production",
        REDIS_URL=redis_url,
        BASE_URL="http://localhost",
        RQ_ASYNC=False,
    )


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    yield application
    application.extensions["keel.runtime"].close()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runtime(app):  # type: ignore[no-untyped-def]
    return app.extensions["keel.runtime"]


def unavailable(what: str, env_flag: str) -> None:
    """Skip on a development machine; fail in CI, where ``env_flag`` says it must be there."""
    if os.environ.get(env_flag):
        pytest.fail(f"{what} is required here ({env_flag} is set) but is not available")
    pytest.skip(f"{what} is not available on this machine")
