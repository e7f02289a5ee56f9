"""What the billing pages show, read from the store (no Flask here)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from redis import Redis

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from . import wallet as wallets
from .accounts import rates_for, wallet_of
from .cycle import line_items
from .ledger import cycle_bounds, cycle_of, events_of_cycle
from .payments import current_rate
from .storage import GB


def overview(store: DocumentStore, settings: Any, redis: Redis | None,
             account: Document, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    wallet = wallet_of(store, account["$id"])
    cycle = cycle_of(now)
    items = line_items(store, settings, account, cycle)
    days_left = None
    if account["status"] == "DUE" and account.get("grace_ends_at"):
        days_left = max(0, (account["grace_ends_at"] - now).days + 1)
    return {
        "account": account, "wallet": wallet, "cycle": cycle, "estimate": items,
        "estimate_total": sum(i["amount_cents"] for i in items),
        "transactions": wallets.transactions(store, wallet["$id"], limit=25),
        "invoices": list(store.list("invoices", [
            Query.equal("billing_account_id", account["$id"]), Query.order_desc("cycle"),
            Query.limit(24)])),
        "rate": current_rate(settings, redis), "rates": rates_for(settings, account),
        "days_left": days_left, "settings": settings,
    }


def usage(store: DocumentStore, settings: Any, account: Document, cycle: str) -> dict[str, Any]:
    """Totals by resource, by workspace and by day of an account's cycle."""
    start, end = cycle_bounds(cycle)
    days = [(start.replace(day=d)).date().isoformat()
            for d in range(1, (end - start).days + 1)]
    per_day: dict[str, dict[str, int]] = {d: {"traffic": 0, "compute": 0, "storage": 0}
                                          for d in days}
    per_ws: dict[str, dict[str, int]] = defaultdict(lambda: {"traffic": 0, "compute": 0,
                                                             "storage": 0})
    for event in events_of_cycle(store, account["$id"], cycle):
        day = event["occurred_at"].astimezone(UTC).date().isoformat()
        if day in per_day and event["resource"] in ("traffic", "compute"):
            per_day[day][event["resource"]] += int(event["quantity"])
        per_ws[event.get("workspace_id") or ""][event["resource"]] += int(event["quantity"])
    for snap in store.list("storage_snapshots", [
            Query.equal("billing_account_id", account["$id"]), Query.equal("cycle", cycle),
            Query.limit(5000)]):
        if snap["date"] in per_day:
            per_day[snap["date"]]["storage"] += int(snap["bytes"])
        per_ws[snap["workspace_id"]]["storage"] += int(snap["bytes"])
    names = {ws_id: doc.get("name", ws_id) for ws_id, doc in
             store.get_many("workspaces", [w for w in per_ws if w]).items()}
    rates = rates_for(settings, account)
    n_days = Decimal(len(days))
    workspaces = []
    for ws_id, sums in sorted(per_ws.items(), key=lambda kv: names.get(kv[0], kv[0])):
        cost = (Decimal(sums["traffic"]) / GB * rates["traffic_gb"]
                + Decimal(sums["storage"]) / GB / n_days * rates["storage_gb_month"]
                + Decimal(sums["compute"]) / 1000 * rates["compute_unit"])
        workspaces.append({"id": ws_id, "name": names.get(ws_id, "(no workspace)"),
                           **sums, "cost_cents": int((cost * 100).to_integral_value())})
    return {"cycle": cycle, "days": days, "per_day": per_day, "workspaces": workspaces,
            "items": line_items(store, settings, account, cycle)}


def usage_csv(store: DocumentStore, account: Document, cycle: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["occurred_at", "cycle", "workspace_id", "project_id", "resource",
                     "quantity", "unit", "operation", "source", "idempotency_key"])
    for e in sorted(events_of_cycle(store, account["$id"], cycle),
                    key=lambda e: e["occurred_at"]):
        unit = "milli_units" if e["resource"] == "compute" else "bytes"
        writer.writerow([e["occurred_at"].isoformat(), e["cycle"], e.get("workspace_id") or "",
                         e.get("project_id") or "", e["resource"], e["quantity"], unit,
                         e.get("operation") or "", e.get("source") or "",
                         e["idempotency_key"]])
    return out.getvalue()


def invoice_for(store: DocumentStore, account: Document, invoice_id: str) -> Document | None:
    invoice = store.find("invoices", invoice_id)
    if invoice is None or invoice["billing_account_id"] != account["$id"]:
        return None
    return invoice
