"""Job fixtures: real Redis queues (asynchronous, unlike the app's inline test queues) and
the environment a worker or scheduler subprocess needs to share the test's instance."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def process_env(settings: Any) -> dict[str, str]:
    """Environment for ``python -m jobs.*``: the test's instance, database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEEL_", "REDIS_"))}
    env.update(
        KEEL_ENV="test",
        KEEL_INSTANCE=str(settings.instance_path),
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url,
        SECRET_KEY=settings.secret_key,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def run_module(process_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_module("jobs.worker", "--burst")``: run a module to completion, capture output."""

    def run(module: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT, env=process_env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in UTC, as the scheduler process does (rq-scheduler reads cron in local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
