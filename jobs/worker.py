"""The RQ worker: ``python -m jobs.worker [--burst] [queue ...]``.

Listens on ``mail``, ``default`` and ``low`` (in that priority order) unless queues are
named. SIGTERM or SIGINT lets the running job finish, then exits (a second signal stops
at once); ``--burst`` exits when the queues are empty.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker

from jobs.logs import configure_logging, redact_url
from webapp.config import Settings
from webapp.runtime import QUEUES, Runtime

log = logging.getLogger("jobs.worker")

PRIORITY = ("mail", "default", "low")
# RQ refreshes an idle worker's heartbeat once per dequeue wait (worker_ttl - 15 s): with
# 60 s a live worker is never more than ~45 s stale, which the /healthz check relies on.
WORKER_TTL = 60

assert set(PRIORITY) == set(QUEUES)


def build_worker(
    queue_names: Sequence[str] = (), *, connection: Redis | None = None, name: str | None = None
) -> Worker:
    """A worker on ``queue_names`` (default: every queue, by priority)."""
    names = list(queue_names) or list(PRIORITY)
    unknown = [q for q in names if q not in QUEUES]
    if unknown:
        raise ValueError(f"unknown queue(s): {', '.join(unknown)} (known: {', '.join(PRIORITY)})")
    if connection is None:
        connection = Runtime(Settings()).redis
    queues = [Queue(q, connection=connection) for q in dict.fromkeys(names)]
    return Worker(queues, connection=connection, name=name, worker_ttl=WORKER_TTL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.worker", description="Run an RQ worker on Keel's queues."
    )
    parser.add_argument(
        "queues", nargs="*", help=f"queues to work on (default: {' '.join(PRIORITY)})"
    )
    parser.add_argument("--burst", action="store_true", help="exit once the queues are empty")
    parser.add_argument("--name", help="worker name (default: RQ's own)")
    parser.add_argument("--log-level", help="DEBUG, INFO (default), WARNING...")
    args = parser.parse_args(argv)
    level = configure_logging(args.log_level)
    runtime = Runtime(Settings())
    url = redact_url(runtime.redis_url)
    try:
        worker = build_worker(args.queues, connection=runtime.redis, name=args.name)
    except ValueError as exc:
        parser.error(str(exc))
    except RedisError as exc:
        log.error("Redis is unreachable at %s: %s", url, exc)
        return 1
    log.info("worker on %s, Redis %s", ", ".join(worker.queue_names()), url)
    try:
        worker.work(burst=args.burst, logging_level=level)
    except RedisError as exc:
        log.error("Redis is unreachable at %s: %s", url, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
