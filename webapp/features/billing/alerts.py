"""Usage alerts: per workspace, a resource (traffic GB, storage GB, compute units), an
absolute threshold and a channel (in-app, e-mail, webhook). ``evaluate`` (hourly job)
compares each enabled alert with the workspace's usage in the current calendar month
(storage: the latest daily snapshot) and fires it when the threshold is exceeded and it
has not fired in the last 24 hours. Alerts only warn: they never throttle. Accounts that
are suspended are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .accounts import account_for_workspace
from .errors import FieldErrors
from .ledger import cycle_of
from .storage import GB

COOL_DOWN = timedelta(hours=24)
UNITS = {"traffic": "GB", "storage": "GB", "compute": "units"}


def create_alert(store: DocumentStore, acting: Acting, workspace: Document, *, resource: str,
                 threshold: int, channel: str = "in_app",
                 webhook_url: str | None = None) -> Document:
    errors = {}
    if resource not in UNITS:
        errors["resource"] = "Choose traffic, storage or compute."
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
        errors["threshold"] = "The threshold must be a whole number above zero."
    if channel not in ("in_app", "email", "webhook"):
        errors["channel"] = "Choose in-app, e-mail or webhook."
    if channel == "webhook" and not (webhook_url or "").startswith(("https://", "http://")):
        errors["webhook_url"] = "Enter the webhook's http(s) URL."
    if errors:
        raise FieldErrors(errors)
    account = account_for_workspace(store, workspace)
    with store.transaction():
        alert = store.create("usage_alerts", {
            "workspace_id": workspace["$id"], "billing_account_id": account["$id"],
            "resource": resource, "threshold": threshold, "channel": channel,
            "webhook_url": webhook_url if channel == "webhook" else None,
            "created_by": acting.user_id,
        })
        record(store, acting, "usage_alert_created", "usage_alert", alert["$id"],
               workspace_id=workspace["$id"],
               metadata={"resource": resource, "threshold": threshold, "channel": channel})
    return alert


def current_usage(store: DocumentStore, workspace_id: str, resource: str,
                  now: datetime) -> Decimal:
    """This month's usage of a workspace in the alert's unit."""
    if resource == "storage":
        snap = store.first("storage_snapshots", [Query.equal("workspace_id", workspace_id),
                                                 Query.order_desc("date")])
        return Decimal(int(snap["bytes"]) if snap else 0) / GB
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total, cursor = 0, None
    while True:
        page = list(store.list("usage_events", [
            Query.equal("workspace_id", workspace_id),
            Query.greater_than_equal("occurred_at", start), Query.order_asc("$id"),
            Query.limit(1000), *([Query.cursor_after(cursor)] if cursor else [])]))
        total += sum(int(e["quantity"]) for e in page if e["resource"] == resource)
        if len(page) < 1000:
            break
        cursor = page[-1]["$id"]
    return Decimal(total) / (GB if resource == "traffic" else 1000)


@dataclass(frozen=True)
class Fired:
    alert: Document
    usage: Decimal
    title: str


Sink = Callable[[Fired], None]


def evaluate(store: DocumentStore, now: datetime | None = None, *,
             sinks: dict[str, Sink] | None = None) -> list[Fired]:
    """Fire the alerts over their threshold (once per 24 h); ``sinks`` deliver per channel."""
    now = now or datetime.now(UTC)
    fired: list[Fired] = []
    for alert in store.list("usage_alerts", [Query.equal("enabled", True), Query.limit(5000)]):
        last = alert.get("last_triggered_at")
        if last is not None and now - last < COOL_DOWN:
            continue
        account = store.find("billing_accounts", alert["billing_account_id"])
        if account is None or account["status"] == "SUSPENDED":
            continue
        usage = current_usage(store, alert["workspace_id"], alert["resource"], now)
        if usage <= alert["threshold"]:
            continue
        title = f"Usage Alert: {alert['resource']} threshold exceeded"
        event = Fired(alert, usage, title)
        with store.transaction():
            updated = store.update_where("usage_alerts", [
                Query.equal("$id", alert["$id"]),
                *([Query.equal("last_triggered_at", last)] if last else
                  [Query.is_null("last_triggered_at")])], {"last_triggered_at": now})
            if updated != 1:
                continue  # another evaluator fired it
            record(store, Acting.system(), "usage_alert_triggered", "usage_alert",
                   alert["$id"], workspace_id=alert["workspace_id"],
                   metadata={"usage": f"{usage:.3f}", "threshold": alert["threshold"],
                             "cycle": cycle_of(now), "channel": alert["channel"]})
        sink = (sinks or {}).get(alert["channel"])
        if sink is not None:
            sink(event)
        fired.append(event)
    return fired


def account_alerts(store: DocumentStore, account_id: str) -> list[Document]:
    return list(store.list("usage_alerts", [Query.equal("billing_account_id", account_id),
                                            Query.order_asc("$createdAt"), Query.limit(200)]))


def delete_alert(store: DocumentStore, acting: Acting, account_id: str, alert_id: str) -> bool:
    alert = store.find("usage_alerts", alert_id)
    if alert is None or alert["billing_account_id"] != account_id:
        return False
    with store.transaction():
        store.delete("usage_alerts", alert_id)
        record(store, acting, "usage_alert_deleted", "usage_alert", alert_id,
               workspace_id=alert["workspace_id"])
    return True


def account_workspaces(store: DocumentStore, account: Document) -> list[Document]:
    """The workspaces whose usage bills to ``account`` now."""
    if account.get("organization_id"):
        queries = [Query.equal("organization_id", account["organization_id"])]
    else:
        queries = [Query.equal("owner_id", account["user_id"]),
                   Query.is_null("organization_id")]
    return list(store.list("workspaces", [*queries, Query.order_asc("name"), Query.limit(500)]))
