"""The cron table: every periodic job, with a fixed id, registered idempotently.

``register_schedule(scheduler)`` runs each time ``python -m jobs.scheduler`` starts. A job
already scheduled with the same id, function, cron string, queue, arguments and timeout is
left alone (restarts never duplicate or reset it); one that differs is replaced; a job this
table scheduled earlier but no longer lists is cancelled. Job ids are RQ ids (letters,
digits, ``-`` and ``_``), prefixed ``keel-``.

Cron strings are UTC. rq-scheduler reads them in the process's local time, so the
scheduler process runs with ``TZ=UTC`` (``jobs/scheduler.py`` sets it).

rq-scheduler does not catch up missed ticks, so every job here must be idempotent by
period: running late, or twice, must do no harm.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq_scheduler import Scheduler

from jobs import billing as billing_jobs
from jobs import housekeeping, orgs
from jobs import notifications as notification_jobs
from jobs import planning as planning_jobs

log = logging.getLogger(__name__)

MARKER = "keel_schedule"  # job.meta flag: scheduled by this table


@dataclass(frozen=True)
class CronJob:
    id: str  # fixed RQ job id: [A-Za-z0-9_-]
    cron: str  # UTC
    func: Callable[..., Any]
    queue: str = "low"
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    timeout: int = 600  # seconds
    description: str = ""

    @property
    def func_name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


SCHEDULE: tuple[CronJob, ...] = (
    CronJob(
        "keel-sessions-purge", "7 * * * *", housekeeping.purge_sessions,
        description="Delete expired sessions (hourly)",
    ),
    CronJob(
        "keel-tokens-purge", "17 3 * * *", housekeeping.purge_tokens,
        description="Delete expired single-use tokens (daily, 03:17 UTC)",
    ),
    CronJob("keel-orgs-purge", "37 3 * * *", orgs.purge_deleted_organizations, description="Purge organizations deleted more than 30 days ago (daily, 03:37 UTC)"),  # noqa: E501
    # billing (jobs/billing.py): every job idempotent by period
    CronJob("keel-billing-metering-flush", "* * * * *", billing_jobs.flush_metering, queue="default", timeout=120, description="Flush traffic metering counters into usage events (every minute)"),  # noqa: E501
    CronJob("keel-billing-storage-snapshots", "30 0 * * *", billing_jobs.snapshot_storage, description="Storage snapshot per workspace (daily, 00:30 UTC)"),  # noqa: E501
    CronJob("keel-billing-cycle-close", "5 0 1 * *", billing_jobs.close_billing_cycle, queue="default", timeout=3600, description="Close last month's billing cycle: invoices and wallet debits (1st, 00:05 UTC)"),  # noqa: E501
    CronJob("keel-billing-grace-enforce", "0 1 * * *", billing_jobs.enforce_grace, queue="default", description="Suspend accounts whose grace period ended (daily, 01:00 UTC)"),  # noqa: E501
    CronJob("keel-billing-usage-aggregate", "0 2 * * *", billing_jobs.aggregate_usage, description="Daily usage summaries per workspace (daily, 02:00 UTC)"),  # noqa: E501
    CronJob("keel-billing-grace-reminders", "0 9 * * *", billing_jobs.send_grace_reminders, queue="mail", description="Grace reminders on days 1, 7 and 13 (daily, 09:00 UTC)"),  # noqa: E501
    CronJob("keel-billing-usage-alerts", "30 * * * *", billing_jobs.evaluate_usage_alerts, description="Evaluate usage alerts (hourly at :30)"),  # noqa: E501
    CronJob("keel-billing-fx-refresh", "11 * * * *", billing_jobs.refresh_exchange_rate, description="Refresh the USD to INR exchange rate (hourly)"),  # noqa: E501
    CronJob("keel-notifications-mail", "* * * * *", notification_jobs.send_notification_mail, queue="mail", timeout=300, description="Send notification e-mails whose digest window ended (every minute)"),  # noqa: E501
    CronJob("keel-webhooks-retry", "* * * * *", notification_jobs.retry_webhooks, queue="default", timeout=300, description="Attempt due webhook deliveries and retries (every minute)"),  # noqa: E501
    CronJob("keel-due-reminders", "*/10 * * * *", notification_jobs.due_reminders, queue="default", timeout=300, description="Due-soon (24 h) and overdue reminders, once per item (every 10 minutes)"),  # noqa: E501
    CronJob("keel-sprint-snapshots", "55 23 * * *", planning_jobs.snapshot_sprints, description="Record the day of every active sprint for burndown and flow charts (daily, 23:55 UTC)"),  # noqa: E501
)


@dataclass
class Registration:
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def register_schedule(
    scheduler: Scheduler, table: Iterable[CronJob] = SCHEDULE
) -> Registration:
    """Make the scheduler's cron jobs match ``table`` (see the module docstring)."""
    entries = list(table)
    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate job id in the cron table")
    result = Registration()
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    for entry in entries:
        current = scheduled.get(entry.id)
        if current is not None and _same(current, entry):
            result.kept.append(entry.id)
            continue
        if current is not None:
            _cancel(scheduler, current)
            result.replaced.append(entry.id)
        else:
            result.added.append(entry.id)
        scheduler.cron(
            entry.cron,
            entry.func,
            args=list(entry.args),
            kwargs=dict(entry.kwargs),
            queue_name=entry.queue,
            id=entry.id,
            timeout=entry.timeout,
            description=entry.description or entry.id,
            meta={MARKER: True},
        )
    for job_id, job in scheduled.items():
        if job.meta.get(MARKER) and job_id not in ids:
            _cancel(scheduler, job)
            result.removed.append(job_id)
    for action in ("added", "replaced", "removed"):
        for job_id in getattr(result, action):
            log.info("schedule: %s %s", action, job_id)
    return result


def _same(job: Job, entry: CronJob) -> bool:
    return (
        job.func_name == entry.func_name
        and job.meta.get("cron_string") == entry.cron
        and not job.meta.get("use_local_timezone")
        and job.origin == entry.queue
        and tuple(job.args) == tuple(entry.args)
        and dict(job.kwargs) == dict(entry.kwargs)
        and job.timeout == entry.timeout
        and (job.description or "") == (entry.description or entry.id)
    )


def _cancel(scheduler: Scheduler, job: Job) -> None:
    scheduler.cancel(job)
    with contextlib.suppress(NoSuchJobError):
        job.delete()
