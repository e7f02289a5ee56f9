"""Billing jobs (cron entries in ``jobs/schedule.py``); each calls the billing services and
is idempotent by period: a duplicate or late run changes nothing it already did.

- ``flush_metering`` (every minute): Redis traffic counters → usage events.
- ``snapshot_storage`` (daily 00:30): one storage snapshot per workspace and day.
- ``aggregate_usage`` (daily 02:00): yesterday's per-workspace daily summaries.
- ``close_billing_cycle`` (00:05 on the 1st): last month's invoices, wallet debits, grace.
- ``enforce_grace`` (daily 01:00): expired grace → SUSPENDED.
- ``send_grace_reminders`` (daily 09:00): grace days 1, 7 and 13, once each.
- ``refresh_exchange_rate`` (hourly): the USD → INR rate cache.
- ``evaluate_usage_alerts`` (hourly at :30): usage alerts, 24-hour cool-down.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jobs.context import runtime
from webapp.features.billing import cycle, metering, payments, storage
from webapp.features.billing.accounts import on_status_change
from webapp.identity.lifecycle import invalidate_many
from webapp.storage.mail import Message

log = logging.getLogger(__name__)


def _forget_lifecycles(user_ids: list[str]) -> None:
    invalidate_many(user_ids, redis=runtime().redis)


on_status_change(_forget_lifecycles)

SUBJECTS = {
    1: "Action Required: Payment Failed for Your Keel Account",
    7: "Reminder: Add Credits to Your Keel Wallet - 7 Days Remaining",
    13: "URGENT: Your Keel Account Will Be Suspended Tomorrow",
}


def _now(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else datetime.now(UTC)


def flush_metering() -> dict[str, int]:
    rt = runtime()
    result = metering.flush(rt.store, rt.redis)
    return {"events": result.events, "bytes": result.bytes, "dropped": result.dropped}


def snapshot_storage(day: str | None = None) -> int:
    rt = runtime()
    target = date.fromisoformat(day) if day else datetime.now(UTC).date()
    return storage.snapshot_all(rt.store, rt.files, target)


def aggregate_usage(day: str | None = None) -> int:
    rt = runtime()
    target = date.fromisoformat(day) if day else datetime.now(UTC).date() - timedelta(days=1)
    return storage.aggregate_day(rt.store, target)


def close_billing_cycle(now: str | None = None) -> dict[str, Any]:
    rt = runtime()
    metering.flush(rt.store, rt.redis)  # last month's final minutes first
    run = cycle.close_cycle(rt.store, rt.settings, _now(now), redis=rt.redis)
    if run.errors:
        log.error("billing cycle %s: %d accounts failed: %s", run.cycle, len(run.errors),
                  run.errors[:5])
    return {"cycle": run.cycle, "invoices": run.invoices, "paid": run.paid,
            "failed": run.failed, "skipped": run.skipped, "errors": len(run.errors)}


def enforce_grace(now: str | None = None) -> list[str]:
    return cycle.enforce_grace(runtime().store, _now(now))


def send_grace_reminders(now: str | None = None) -> int:
    rt = runtime()
    sent = 0
    for account, day in cycle.reminders_due(rt.store, _now(now)):
        if not account.get("billing_email"):
            continue
        ends = account["grace_ends_at"].strftime("%Y-%m-%d")
        text = (f"We could not take the payment for your latest Keel invoice from your "
                f"wallet.\n\nAdd credits before {ends} (UTC) to keep your account active; "
                f"the open invoice is paid as soon as the balance covers it.\n\n"
                f"{rt.settings.base_url}/billing\n")
        rt.mailer.send(Message(to=account["billing_email"], subject=SUBJECTS[day], text=text))
        cycle.mark_reminded(rt.store, account, day)
        sent += 1
    return sent


def refresh_exchange_rate() -> str:
    rt = runtime()
    rate = payments.refresh_rate(rt.settings, rt.redis)
    return f"{rate.inr_per_usd} ({rate.source})"


def evaluate_usage_alerts(now: str | None = None) -> int:
    """Hourly: fire usage alerts (e-mail to the workspace owner, webhook POST; in-app
    alerts are recorded in the workspace's activity)."""
    import requests

    from webapp.features.billing import alerts

    rt = runtime()

    def email(fired: alerts.Fired) -> None:
        ws = rt.store.find("workspaces", fired.alert["workspace_id"])
        owner = rt.store.find("users", ws["owner_id"]) if ws else None
        if owner and owner.get("email"):
            unit = alerts.UNITS[fired.alert["resource"]]
            rt.mailer.send(Message(
                to=owner["email"], subject=fired.title,
                text=(f"{ws['name']} has used {fired.usage:,.3f} {unit} of "
                      f"{fired.alert['resource']} this month (alert threshold "
                      f"{fired.alert['threshold']} {unit}).\n\n"
                      f"{rt.settings.base_url}/billing\n")))

    def webhook(fired: alerts.Fired) -> None:
        try:
            requests.post(str(fired.alert["webhook_url"]), timeout=5, json={
                "event": "usage.alert", "title": fired.title,
                "workspace_id": fired.alert["workspace_id"],
                "resource": fired.alert["resource"], "threshold": fired.alert["threshold"],
                "usage": f"{fired.usage:.3f}"})
        except requests.RequestException:
            log.warning("usage alert webhook %s failed", fired.alert["$id"])

    return len(alerts.evaluate(rt.store, _now(now), sinks={"email": email, "webhook": webhook}))
