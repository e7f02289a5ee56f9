"""The Runtime a job runs on.

In a worker process, one Runtime built from ``Settings()`` and kept for the process. When a
queue runs jobs inline (``RQ_ASYNC=false``: tests, local debugging), the enqueuing code
binds its own Runtime with ``bound(runtime)`` so the job sees the same store, mailer and
Redis as the request that queued it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from webapp.config import Settings
from webapp.runtime import Runtime

_bound: ContextVar[Runtime | None] = ContextVar("keel_job_runtime", default=None)


@cache
def _process_runtime() -> Runtime:
    return Runtime(Settings())


def runtime() -> Runtime:
    """The Runtime bound by an inline caller, else this process's own."""
    current = _bound.get()
    return current if current is not None else _process_runtime()


@contextmanager
def bound(rt: Runtime) -> Iterator[Runtime]:
    """Run the jobs started inside this block (inline queues) on ``rt``."""
    token = _bound.set(rt)
    try:
        yield rt
    finally:
        _bound.reset(token)
