"""The worker entry point runs real jobs from real Redis queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rq import Queue
from rq.job import JobStatus

from jobs import housekeeping
from jobs.context import bound
from jobs.worker import PRIORITY, build_worker


def _token(store: Any, user_id: str, expires_at: datetime, n: int) -> dict[str, Any]:
    return store.create("tokens", {
        "user_id": user_id, "token_hash": f"{n:064d}", "purpose": "email_verify",
        "expires_at": expires_at,
    })


def test_burst_worker_runs_a_queued_job_against_the_instance(
    runtime: Any, redis_conn: Any, run_module: Any
) -> None:
    store = runtime.store
    now = datetime.now(UTC)
    old = _token(store, "u1", now - timedelta(days=3), 1)
    fresh = _token(store, "u1", now + timedelta(hours=1), 2)
    job = Queue("low", connection=redis_conn).enqueue(housekeeping.purge_tokens)

    done = run_module("jobs.worker", "--burst")

    assert done.returncode == 0, done.stderr
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED, done.stderr
    assert job.return_value() == 1
    assert store.find("tokens", old["$id"]) is None
    assert store.find("tokens", fresh["$id"]) is not None
    assert "purge_tokens" in done.stderr  # readable log lines name the job


def test_worker_takes_mail_before_default_before_low(redis_conn: Any) -> None:
    worker = build_worker(connection=redis_conn)
    assert worker.queue_names() == list(PRIORITY) == ["mail", "default", "low"]
    assert build_worker(["low"], connection=redis_conn).queue_names() == ["low"]


def test_unknown_queue_is_refused(redis_conn: Any, run_module: Any) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        build_worker(["mail", "emails"], connection=redis_conn)
    done = run_module("jobs.worker", "--burst", "emails")
    assert done.returncode == 2
    assert "unknown queue(s): emails" in done.stderr


def test_worker_exits_non_zero_when_redis_is_down(run_module: Any, process_env: Any) -> None:
    process_env["REDIS_URL"] = "redis://127.0.0.1:1/0"
    done = run_module("jobs.worker", "--burst", timeout=30)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr


def test_housekeeping_jobs_inline(runtime: Any) -> None:
    store = runtime.store
    now = datetime.now(UTC)
    store.create("sessions", {"token_hash": "a" * 64, "user_id": "u1",
                              "expires_at": now - timedelta(minutes=1)})
    live = store.create("sessions", {"token_hash": "b" * 64, "user_id": "u1",
                                     "expires_at": now + timedelta(days=1)})
    _token(store, "u1", now - timedelta(days=2), 3)
    with bound(runtime):
        assert housekeeping.purge_sessions() == 1
        assert housekeeping.purge_sessions() == 0  # idempotent
        assert housekeeping.purge_tokens() == 1
        assert housekeeping.purge_tokens() == 0
    assert [s["$id"] for s in store.list("sessions")] == [live["$id"]]
