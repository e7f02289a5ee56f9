"""Reconciliation: prove every cent from the ledgers (``flask --app wsgi billing reconcile``).

- every wallet: balance and held amount equal what its entries add up to, both ≥ 0, and each
  entry's after = before ± amount;
- every invoice: each line's raw quantity equals the usage events/snapshots of its account
  and cycle, its amount equals quantity x the line's own rate (half-up cents), the total is
  the sum of the lines; a PAID invoice with a total has exactly one wallet debit of it;
- every payment: a PAID payment has exactly one TOPUP entry of its USD amount, a payment id
  belongs to one payment, and no Razorpay top-up entry exists without its payment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .cycle import cents, line_items


@dataclass
class Report:
    wallets: int = 0
    invoices: int = 0
    payments: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _all(store: DocumentStore, collection: str,
         queries: list[Query] | None = None) -> Iterator[Document]:
    cursor: str | None = None
    while True:
        page = list(store.list(collection, [*(queries or []), Query.order_asc("$id"),
                                            Query.limit(500),
                                            *([Query.cursor_after(cursor)] if cursor else [])]))
        yield from page
        if len(page) < 500:
            return
        cursor = page[-1]["$id"]


def _wallet(store: DocumentStore, wallet: Document, report: Report) -> None:
    balance = locked = 0
    for t in _all(store, "wallet_transactions", [Query.equal("wallet_id", wallet["$id"])]):
        amount, kind = int(t["amount_cents"]), t["type"]
        sign = 1 if t["direction"] == "credit" else -1
        moved_locked = int(t["locked_after"]) - int(t["locked_before"])
        moved_balance = int(t["balance_after"]) - int(t["balance_before"])
        if kind == "HOLD":
            expect = (-amount, amount)
        elif kind == "RELEASE":
            expect = (amount, -amount)
        elif kind == "USAGE" and moved_locked:
            expect = (0, -amount)
        else:
            expect = (sign * amount, 0)
        if (moved_balance, moved_locked) != expect or amount <= 0:
            report.problems.append(f"wallet {wallet['$id']}: entry {t['$id']} ({kind}) moves "
                                   f"{(moved_balance, moved_locked)}, expected {expect}")
        balance += expect[0]
        locked += expect[1]
    if (balance, locked) != (int(wallet["balance_cents"]), int(wallet["locked_cents"])):
        report.problems.append(f"wallet {wallet['$id']}: balance/held "
                               f"{wallet['balance_cents']}/{wallet['locked_cents']} but the "
                               f"ledger adds up to {balance}/{locked}")
    if balance < 0 or locked < 0:
        report.problems.append(f"wallet {wallet['$id']}: negative balance")


def _invoice(store: DocumentStore, settings: Any, invoice: Document, report: Report) -> None:
    account = store.get("billing_accounts", invoice["billing_account_id"])
    fresh = {i["resource"]: i for i in line_items(store, settings, account, invoice["cycle"])}
    total = 0
    for line in invoice["line_items"]:
        name = f"invoice {invoice['number']} {line['resource']}"
        now = fresh.get(line["resource"])
        if now is None or now["raw"] != line["raw"]:
            report.problems.append(f"{name}: usage {line['raw']} is now "
                                   f"{now['raw'] if now else None}")
        if now is not None and now["quantity"] != line["quantity"]:
            report.problems.append(f"{name}: quantity changed")
        if now is not None and cents(_exact(now, line), Decimal(line["rate"])) != int(
                line["amount_cents"]):
            report.problems.append(f"{name}: {line['amount_cents']} ≠ quantity x rate")
        total += int(line["amount_cents"])
    if total != int(invoice["total_cents"]):
        report.problems.append(f"invoice {invoice['number']}: total {invoice['total_cents']} "
                               f"≠ Σ lines {total}")
    debits = [t for t in _all(store, "wallet_transactions", [
        Query.equal("idempotency_key", f"invoice:{invoice['$id']}")])]
    if invoice["status"] == "PAID" and int(invoice["total_cents"]) > 0:
        if len(debits) != 1 or int(debits[0]["amount_cents"]) != int(invoice["total_cents"]):
            report.problems.append(f"invoice {invoice['number']}: PAID without one debit of "
                                   "its total")
    elif debits:
        report.problems.append(f"invoice {invoice['number']}: {invoice['status']} but debited")


def _exact(fresh: dict[str, Any], line: dict[str, Any]) -> Decimal:
    """The unrounded quantity of a line, from its raw counters."""
    from .storage import GB

    raw = fresh["raw"]
    if line["resource"] == "traffic":
        return Decimal(raw["bytes"]) / GB
    if line["resource"] == "compute":
        return Decimal(raw["milli_units"]) / 1000
    return Decimal(raw["byte_days"]) / GB / raw["days"]


def reconcile(store: DocumentStore, settings: Any) -> Report:
    report = Report()
    for wallet in _all(store, "wallets"):
        report.wallets += 1
        _wallet(store, wallet, report)
    for invoice in _all(store, "invoices"):
        report.invoices += 1
        _invoice(store, settings, invoice, report)
    seen: Counter[str] = Counter()
    for payment in _all(store, "payments"):
        report.payments += 1
        if payment.get("payment_id"):
            seen[payment["payment_id"]] += 1
        if payment["status"] in ("PAID", "REFUNDED"):
            credits = list(_all(store, "wallet_transactions", [
                Query.equal("idempotency_key", f"razorpay:{payment['payment_id']}")]))
            if len(credits) != 1 or int(credits[0]["amount_cents"]) != int(
                    payment["amount_cents"]):
                report.problems.append(f"payment {payment['payment_id']}: not credited once")
    report.problems.extend(f"payment {pid}: on {n} payments" for pid, n in seen.items() if n > 1)
    for t in _all(store, "wallet_transactions", [Query.equal("type", "TOPUP")]):
        if str(t["idempotency_key"]).startswith("razorpay:") and not store.first(
                "payments", [Query.equal("payment_id", t["reference_id"] or "")]):
            report.problems.append(f"top-up {t['$id']}: no payment {t['reference_id']}")
    return report
