"""Cycle close, invoices, grace, suspension and restore.

On the 1st (UTC) ``close_cycle`` closes the previous calendar month for every account:
``closed_cycle`` moves first (so usage arriving from then on lands in the next cycle), then
one invoice per account and cycle is written (unique index on both; id
``INV-YYYYMM-XXXXXX``), with one line item per resource: quantity, unit, rate (USD per
unit, settings or the account's custom rates) and the amount in cents (rounded half-up per
line). The invoice is due in ``INVOICE_DUE_DAYS`` and is debited from the wallet at once
(idempotency key ``invoice:<invoice id>``): PAID, or FAILED with a 14-day grace (account
DUE). ``enforce_grace`` suspends DUE accounts whose grace has ended; ``settle`` (after a
top-up) pays failed invoices oldest first and restores ACTIVE once none is left unpaid.
Every step can run twice: the unique invoice, the wallet keys and the status checks make
the second run a no-op.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from redis import Redis

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from . import wallet as wallets
from .accounts import rates_for, set_status, wallet_of
from .errors import Refused
from .ledger import cycle_bounds, cycle_of, events_of_cycle
from .storage import GB, byte_days

REMINDER_DAYS = (1, 7, 13)
_ALPHABET = string.ascii_uppercase + string.digits


def cents(quantity: Decimal, rate: Decimal) -> int:
    """USD cents of ``quantity`` x ``rate`` (USD per unit), rounded half-up."""
    return int((quantity * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_items(store: DocumentStore, settings: Any, account: Document,
               cycle: str) -> list[dict[str, Any]]:
    traffic = compute = 0
    for event in events_of_cycle(store, account["$id"], cycle):
        if event["resource"] == "traffic":
            traffic += int(event["quantity"])
        elif event["resource"] == "compute":
            compute += int(event["quantity"])
    rates = rates_for(settings, account)
    traffic_gb = Decimal(traffic) / GB
    stored, snapshots, days = byte_days(store, account["$id"], cycle)
    storage_gbm = Decimal(stored) / GB / days
    units = Decimal(compute) / 1000
    return [
        {"resource": "traffic", "description": "Traffic (request + response)",
         "quantity": f"{traffic_gb:.6f}", "unit": "GB", "rate": str(rates["traffic_gb"]),
         "amount_cents": cents(traffic_gb, rates["traffic_gb"]), "raw": {"bytes": traffic}},
        {"resource": "storage", "description": "Storage (average over the month)",
         "quantity": f"{storage_gbm:.6f}", "unit": "GB-month",
         "rate": str(rates["storage_gb_month"]),
         "amount_cents": cents(storage_gbm, rates["storage_gb_month"]),
         "raw": {"snapshots": snapshots, "byte_days": stored, "days": days}},
        {"resource": "compute", "description": "Compute (weighted units)",
         "quantity": f"{units:.3f}", "unit": "units", "rate": str(rates["compute_unit"]),
         "amount_cents": cents(units, rates["compute_unit"]), "raw": {"milli_units": compute}},
    ]


def invoice_of(store: DocumentStore, account_id: str, cycle: str) -> Document | None:
    return store.first("invoices", [Query.equal("billing_account_id", account_id),
                                    Query.equal("cycle", cycle)])


def _number(cycle: str) -> str:
    return f"INV-{cycle.replace('-', '')}-" + "".join(secrets.choice(_ALPHABET)
                                                      for _ in range(6))


def issue_invoice(store: DocumentStore, settings: Any, account: Document, cycle: str,
                  now: datetime) -> Document:
    """The account's invoice for ``cycle`` (written once)."""
    existing = invoice_of(store, account["$id"], cycle)
    if existing is not None:
        return existing
    closed = account.get("closed_cycle")
    if not closed or closed < cycle:
        account = store.update("billing_accounts", account["$id"], {"closed_cycle": cycle})
    items = line_items(store, settings, account, cycle)
    total = sum(int(i["amount_cents"]) for i in items)
    start, end = cycle_bounds(cycle)
    for _attempt in range(5):
        try:
            with store.transaction():
                invoice = store.create("invoices", {
                    "number": _number(cycle), "billing_account_id": account["$id"],
                    "cycle": cycle, "cycle_start": start, "cycle_end": end,
                    "line_items": items, "total_cents": total,
                    "status": "PAID" if total == 0 else "DUE", "issued_at": now,
                    "due_at": now + timedelta(days=int(settings.invoice_due_days)),
                    "paid_at": now if total == 0 else None,
                })
                record(store, Acting.system(), "invoice_generated", "invoice", invoice["$id"],
                       resource_name=invoice["number"],
                       organization_id=account.get("organization_id"),
                       metadata={"total_cents": total, "cycle": cycle})
            return invoice
        except Conflict:
            existing = invoice_of(store, account["$id"], cycle)
            if existing is not None:
                return existing  # another run wrote it; a taken number retries
    raise Refused("BUSY", "Could not number the invoice; try again.", status=503)


def pay_invoice(store: DocumentStore, account: Document, invoice: Document, now: datetime,
                *, redis: Redis | None = None, limits: wallets.Limits | None = None,
                acting: Acting | None = None) -> Document:
    """Debit the wallet for a DUE or FAILED invoice: PAID, or FAILED when it cannot."""
    if invoice["status"] == "PAID":
        return invoice
    wallet = wallet_of(store, account["$id"])
    try:
        entry = wallets.post(store, wallet["$id"], type="USAGE",
                             amount=int(invoice["total_cents"]),
                             key=f"invoice:{invoice['$id']}",
                             description=f"Invoice {invoice['number']}",
                             reference_type="invoice", reference_id=invoice["$id"],
                             acting=acting, redis=redis, limits=limits, now=now)
    except Refused as exc:
        if invoice["status"] == "FAILED":
            return invoice
        with store.transaction():
            invoice = store.update("invoices", invoice["$id"], {
                "status": "FAILED", "failure_reason": exc.message[:255]})
            store.update("billing_accounts", account["$id"], {"last_payment_failed_at": now})
            record(store, Acting.system(), "payment_failed", "invoice", invoice["$id"],
                   resource_name=invoice["number"],
                   organization_id=account.get("organization_id"),
                   metadata={"code": exc.code})
        return invoice
    with store.transaction():
        invoice = store.update("invoices", invoice["$id"], {
            "status": "PAID", "paid_at": now, "failure_reason": None,
            "wallet_transaction_id": entry.txn["$id"]})
        store.update("billing_accounts", account["$id"], {"last_payment_at": now})
        record(store, acting or Acting.system(), "payment_succeeded", "invoice",
               invoice["$id"], resource_name=invoice["number"],
               organization_id=account.get("organization_id"),
               metadata={"wallet_transaction_id": entry.txn["$id"]})
    return invoice


def start_grace(store: DocumentStore, settings: Any, account: Document, invoice: Document,
                now: datetime) -> Document:
    if account["status"] != "ACTIVE":
        return account  # already in grace (or suspended): the first deadline stands
    ends = now + timedelta(days=int(settings.billing_grace_period_days))
    return set_status(store, Acting.system(), account, "DUE", action="grace_period_started",
                      changes={"grace_started_at": now, "grace_ends_at": ends,
                               "failed_invoice_id": invoice["$id"], "reminders_sent": []})


def close_account(store: DocumentStore, settings: Any, account: Document, cycle: str,
                  now: datetime, *, redis: Redis | None = None) -> Document:
    """Close one account's cycle: ``closed_cycle`` is committed first (usage arriving from
    then on goes to the next cycle), then invoice, debit and grace commit together."""
    closed = account.get("closed_cycle")
    if not closed or closed < cycle:
        account = store.update("billing_accounts", account["$id"], {"closed_cycle": cycle})
    with store.transaction():
        invoice = issue_invoice(store, settings, account, cycle, now)
        invoice = pay_invoice(store, account, invoice, now, redis=redis,
                              limits=wallets.Limits.of(settings))
        if invoice["status"] == "FAILED":
            start_grace(store, settings, account, invoice, now)
    return invoice


@dataclass
class CycleRun:
    cycle: str
    invoices: int = 0
    paid: int = 0
    failed: int = 0
    skipped: bool = False
    errors: list[str] = field(default_factory=list)


def previous_cycle(now: datetime) -> str:
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return cycle_of(first - timedelta(days=1))


def close_cycle(store: DocumentStore, settings: Any, now: datetime | None = None, *,
                cycle: str | None = None, redis: Redis | None = None) -> CycleRun:
    """Close ``cycle`` (default: last month) for every billing account."""
    now = now or datetime.now(UTC)
    cycle = cycle or previous_cycle(now)
    run = CycleRun(cycle)
    marker = f"job:cycle-close:{cycle}"
    if store.first("processed_events", [Query.equal("event_id", marker)]):
        run.skipped = True
        return run
    cursor: str | None = None
    while True:
        queries = [Query.order_asc("$id"), Query.limit(500)]
        if cursor:
            queries.append(Query.cursor_after(cursor))
        page = list(store.list("billing_accounts", queries))
        for account in page:
            try:
                invoice = close_account(store, settings, account, cycle, now, redis=redis)
            except Exception as exc:  # one account's trouble must not stop the others
                run.errors.append(f"{account['$id']}: {exc}")
                continue
            run.invoices += 1
            run.paid += invoice["status"] == "PAID"
            run.failed += invoice["status"] == "FAILED"
        if len(page) < 500:
            break
        cursor = page[-1]["$id"]
    if not run.errors:
        mark_done(store, marker, "job", f"{run.invoices} invoices")
    return run


def mark_done(store: DocumentStore, event_id: str, source: str, outcome: str = "",
              event_type: str | None = None, payload: dict[str, Any] | None = None) -> bool:
    """Record a processed event; False when it was already recorded."""
    try:
        store.create("processed_events", {"event_id": event_id, "source": source,
                                          "event_type": event_type, "outcome": outcome[:255],
                                          "payload": payload or {}})
    except Conflict:
        return False
    return True


def enforce_grace(store: DocumentStore, now: datetime | None = None) -> list[str]:
    """Suspend DUE accounts whose grace has ended; returns their ids."""
    now = now or datetime.now(UTC)
    suspended = []
    for account in list(store.list("billing_accounts", [
            Query.equal("status", "DUE"), Query.less_than("grace_ends_at", now),
            Query.limit(5000)])):
        set_status(store, Acting.system(), account, "SUSPENDED", action="account_suspended",
                   changes={"suspended_at": now})
        suspended.append(account["$id"])
    return suspended


def reminders_due(store: DocumentStore, now: datetime | None = None) -> list[tuple[Document, int]]:
    """DUE accounts on grace day 1, 7 or 13 that have not had that day's reminder."""
    now = now or datetime.now(UTC)
    out = []
    for account in store.list("billing_accounts", [Query.equal("status", "DUE"),
                                                   Query.limit(5000)]):
        started = account.get("grace_started_at")
        if started is None:
            continue
        day = (now.date() - started.astimezone(UTC).date()).days
        if day in REMINDER_DAYS and str(day) not in (account.get("reminders_sent") or []):
            out.append((account, day))
    return out


def mark_reminded(store: DocumentStore, account: Document, day: int) -> None:
    with store.transaction():
        store.update("billing_accounts", account["$id"], {
            "reminders_sent": [*(account.get("reminders_sent") or []), str(day)]})
        record(store, Acting.system(), "grace_period_reminder_sent", "billing_account",
               account["$id"], organization_id=account.get("organization_id"),
               metadata={"day": day})


def settle(store: DocumentStore, account_id: str, now: datetime | None = None, *,
           acting: Acting | None = None, redis: Redis | None = None) -> Document:
    """Pay failed invoices from the wallet (oldest first); ACTIVE again when none is left."""
    now = now or datetime.now(UTC)
    account = store.get("billing_accounts", account_id)
    failed = list(store.list("invoices", [Query.equal("billing_account_id", account_id),
                                          Query.equal("status", "FAILED"),
                                          Query.order_asc("cycle"), Query.limit(100)]))
    for invoice in failed:
        if pay_invoice(store, account, invoice, now, acting=acting)["status"] != "PAID":
            return store.get("billing_accounts", account_id)
    account = store.get("billing_accounts", account_id)
    if account["status"] in ("DUE", "SUSPENDED"):
        account = set_status(store, acting or Acting.system(), account, "ACTIVE",
                             action="account_restored",
                             changes={"grace_started_at": None, "grace_ends_at": None,
                                      "failed_invoice_id": None, "suspended_at": None,
                                      "reminders_sent": []})
    return account
