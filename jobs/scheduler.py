"""The scheduler: ``python -m jobs.scheduler [--burst] [--interval SECONDS]``.

First registers the cron table (``jobs/schedule.py``) idempotently, then moves due jobs to
their queues every ``--interval`` seconds. Several schedulers may run: rq-scheduler holds a
Redis lock per tick, so a due job is enqueued once. SIGTERM or SIGINT stops it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence

from redis.exceptions import RedisError
from rq_scheduler import Scheduler

from jobs.logs import configure_logging, redact_url
from jobs.schedule import register_schedule
from webapp.config import Settings
from webapp.runtime import Runtime

log = logging.getLogger("jobs.scheduler")

INTERVAL = 10  # seconds between two looks at the schedule


def use_utc() -> None:
    """Run this process in UTC: rq-scheduler computes cron times in local time."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.scheduler",
        description="Register the cron table, then run rq-scheduler.",
    )
    parser.add_argument("--interval", type=float, default=INTERVAL, help="seconds per tick")
    parser.add_argument("--burst", action="store_true", help="register, enqueue what is due, exit")
    parser.add_argument("--log-level", help="DEBUG, INFO (default), WARNING...")
    args = parser.parse_args(argv)
    if args.interval <= 0:
        parser.error("--interval must be positive")
    use_utc()
    warnings.filterwarnings("ignore", category=FutureWarning, module="rq_scheduler")
    configure_logging(args.log_level)
    runtime = Runtime(Settings())
    scheduler = Scheduler(queue_name="default", interval=args.interval, connection=runtime.redis)
    try:
        done = register_schedule(scheduler)
        log.info(
            "cron table: %d added, %d kept, %d replaced, %d removed; Redis %s",
            len(done.added), len(done.kept), len(done.replaced), len(done.removed),
            redact_url(runtime.redis_url),
        )
        scheduler.run(burst=args.burst)
    except RedisError as exc:
        log.error("Redis is unreachable at %s: %s", redact_url(runtime.redis_url), exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
