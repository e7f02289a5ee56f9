"""Cron registration is idempotent, replaces what changed, and drops what was removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rq import Queue
from rq_scheduler import Scheduler

from jobs import housekeeping
from jobs.schedule import SCHEDULE, CronJob, register_schedule


@pytest.fixture
def scheduler(redis_conn: Any, utc: None) -> Scheduler:
    return Scheduler(queue_name="default", interval=10, connection=redis_conn)


def _scheduled(scheduler: Scheduler) -> dict[str, tuple[str, str, float]]:
    """job id -> (function, cron string, next run as a timestamp)."""
    return {
        job.id: (job.func_name, job.meta.get("cron_string"), when.timestamp())
        for job, when in scheduler.get_jobs(with_times=True)
    }


def test_the_table_declares_the_purge_jobs() -> None:
    ids = {entry.id: entry for entry in SCHEDULE}
    assert ids["keel-sessions-purge"].func_name == "jobs.housekeeping.purge_sessions"
    assert ids["keel-sessions-purge"].cron.split()[1:] == ["*", "*", "*", "*"]  # hourly
    assert ids["keel-tokens-purge"].func_name == "jobs.housekeeping.purge_tokens"
    assert ids["keel-tokens-purge"].cron.split()[2:] == ["*", "*", "*"]  # daily


def test_registering_twice_keeps_the_same_jobs(scheduler: Scheduler) -> None:
    first = register_schedule(scheduler)
    assert sorted(first.added) == sorted(entry.id for entry in SCHEDULE)
    before = _scheduled(scheduler)

    second = register_schedule(scheduler)

    assert second.added == second.replaced == second.removed == []
    assert sorted(second.kept) == sorted(before)
    assert _scheduled(scheduler) == before  # same ids, same next run: nothing reset
    assert scheduler.count() == len(SCHEDULE)


def test_a_changed_cron_replaces_the_job(scheduler: Scheduler) -> None:
    entry = CronJob("keel-test-purge", "0 * * * *", housekeeping.purge_sessions)
    register_schedule(scheduler, [entry])

    changed = CronJob("keel-test-purge", "30 2 * * *", housekeeping.purge_sessions)
    result = register_schedule(scheduler, [changed])

    assert result.replaced == ["keel-test-purge"]
    jobs = _scheduled(scheduler)
    assert list(jobs) == ["keel-test-purge"]
    assert jobs["keel-test-purge"][1] == "30 2 * * *"
    next_run = datetime.fromtimestamp(jobs["keel-test-purge"][2], UTC)
    assert (next_run.hour, next_run.minute) == (2, 30)  # cron strings are UTC


def test_a_changed_function_or_queue_replaces_the_job(scheduler: Scheduler) -> None:
    register_schedule(scheduler, [CronJob("keel-x", "0 * * * *", housekeeping.purge_sessions)])
    result = register_schedule(
        scheduler, [CronJob("keel-x", "0 * * * *", housekeeping.purge_tokens, queue="default")]
    )
    assert result.replaced == ["keel-x"]
    job = next(iter(scheduler.get_jobs()))
    assert (job.func_name, job.origin) == ("jobs.housekeeping.purge_tokens", "default")


def test_removed_entries_are_cancelled_and_foreign_jobs_kept(
    scheduler: Scheduler, redis_conn: Any
) -> None:
    foreign = scheduler.enqueue_in(timedelta(hours=1), housekeeping.purge_tokens)
    register_schedule(scheduler, [
        CronJob("keel-a", "0 * * * *", housekeeping.purge_sessions),
        CronJob("keel-b", "5 * * * *", housekeeping.purge_tokens),
    ])
    result = register_schedule(
        scheduler, [CronJob("keel-a", "0 * * * *", housekeeping.purge_sessions)]
    )
    assert result.removed == ["keel-b"]
    assert set(_scheduled(scheduler)) == {"keel-a", foreign.id}
    assert not redis_conn.exists("rq:job:keel-b")


def test_duplicate_ids_are_refused(scheduler: Scheduler) -> None:
    entry = CronJob("keel-a", "0 * * * *", housekeeping.purge_sessions)
    with pytest.raises(ValueError, match="duplicate"):
        register_schedule(scheduler, [entry, entry])


def test_a_due_cron_job_is_queued_once_and_rescheduled(
    scheduler: Scheduler, redis_conn: Any
) -> None:
    register_schedule(scheduler)
    past = datetime.now(UTC) - timedelta(minutes=1)
    redis_conn.zadd(scheduler.scheduled_jobs_key, {"keel-sessions-purge": past.timestamp()})

    scheduler.enqueue_jobs()
    scheduler.enqueue_jobs()  # a second tick finds nothing due

    low = Queue("low", connection=redis_conn)
    assert low.job_ids == ["keel-sessions-purge"]
    next_run = _scheduled(scheduler)["keel-sessions-purge"][2]
    assert next_run > datetime.now(UTC).timestamp()
    assert register_schedule(scheduler).kept  # registration after a run keeps it


def test_scheduler_entry_point_registers_then_exits_in_burst(
    run_module: Any, redis_conn: Any, scheduler: Scheduler
) -> None:
    done = run_module("jobs.scheduler", "--burst")
    assert done.returncode == 0, done.stderr
    assert f"cron table: {len(SCHEDULE)} added" in done.stderr
    assert set(_scheduled(scheduler)) == {entry.id for entry in SCHEDULE}

    again = run_module("jobs.scheduler", "--burst")
    assert again.returncode == 0, again.stderr
    assert f"0 added, {len(SCHEDULE)} kept" in again.stderr
    assert scheduler.count() == len(SCHEDULE)


def test_cron_strings_are_utc_whatever_the_machine_zone(
    run_module: Any, process_env: Any, scheduler: Scheduler
) -> None:
    process_env["TZ"] = "Asia/Kolkata"  # UTC+05:30
    done = run_module("jobs.scheduler", "--burst")
    assert done.returncode == 0, done.stderr
    when = datetime.fromtimestamp(_scheduled(scheduler)["keel-tokens-purge"][2], UTC)
    assert (when.hour, when.minute) == (3, 17)
