"""Cycle close, invoices, grace, reminders, suspension and restore."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webapp.audit import Acting
from webapp.features.billing import cycle, ledger
from webapp.features.billing import wallet as w
from webapp.features.billing.accounts import set_custom_rates, set_status, status_provider
from webapp.features.billing.errors import Refused
from webapp.identity.lifecycle import LifecycleState, compute
from webapp.storage.query import Query

from .conftest import wallet_id

GB = 1024 ** 3
NOV = datetime(2026, 11, 10, tzinfo=UTC)
DEC1 = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)


def _usage(store: Any, account: Any, ws_id: str | None = None) -> None:
    """100 GB traffic + 1000 compute units in November (= $10.00 + $1.00)."""
    ledger.record_usage(store, account, resource="traffic", quantity=100 * GB, key="t",
                        workspace_id=ws_id, occurred_at=NOV)
    ledger.record_usage(store, account, resource="compute", quantity=1000 * 1000, key="c",
                        workspace_id=ws_id, occurred_at=NOV)


def test_cost_math_matches_the_reference() -> None:
    from decimal import Decimal
    assert cycle.cents(Decimal(100), Decimal("0.10")) == 1000
    assert cycle.cents(Decimal(50), Decimal("0.05")) == 250
    assert cycle.cents(Decimal(1000), Decimal("0.001")) == 100
    assert cycle.cents(Decimal("0.05"), Decimal("0.10")) == 1  # half a cent rounds up


def test_close_pays_from_the_wallet(store: Any, runtime: Any, account: Any) -> None:
    _usage(store, account)
    w.post(store, wallet_id(store, account), type="TOPUP", amount=5000, key="top")
    run = cycle.close_cycle(store, runtime.settings, DEC1)
    assert (run.cycle, run.invoices, run.paid, run.failed) == ("2026-11", 1, 1, 0)
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    assert re.fullmatch(r"INV-202611-[A-Z0-9]{6}", invoice["number"])
    assert invoice["total_cents"] == 1100 and invoice["status"] == "PAID"
    assert invoice["due_at"] == DEC1 + timedelta(days=7)
    lines = {i["resource"]: i for i in invoice["line_items"]}
    assert lines["traffic"]["amount_cents"] == 1000 and lines["traffic"]["rate"] == "0.10"
    assert lines["traffic"]["quantity"] == "100.000000"
    assert lines["compute"]["amount_cents"] == 100 and lines["storage"]["amount_cents"] == 0
    txn = store.get("wallet_transactions", invoice["wallet_transaction_id"])
    assert (txn["type"], txn["amount_cents"], txn["balance_after"]) == ("USAGE", 1100, 3900)
    assert store.get("billing_accounts", account["$id"])["closed_cycle"] == "2026-11"


def test_close_twice_changes_nothing(store: Any, runtime: Any, account: Any) -> None:
    _usage(store, account)
    w.post(store, wallet_id(store, account), type="TOPUP", amount=5000, key="top")
    cycle.close_cycle(store, runtime.settings, DEC1)
    assert cycle.close_cycle(store, runtime.settings, DEC1).skipped
    # even without the job marker, the unique invoice and the wallet key hold
    cycle.close_account(store, runtime.settings, store.get("billing_accounts", account["$id"]),
                        "2026-11", DEC1)
    assert store.count("invoices") == 1
    assert store.get("wallets", wallet_id(store, account))["balance_cents"] == 3900


def test_custom_rates(store: Any, runtime: Any, account: Any) -> None:
    account = set_custom_rates(store, Acting.system(), account, {"traffic_gb": "0.05"})
    _usage(store, account)
    w.post(store, wallet_id(store, account), type="TOPUP", amount=5000, key="top")
    cycle.close_cycle(store, runtime.settings, DEC1)
    assert cycle.invoice_of(store, account["$id"], "2026-11")["total_cents"] == 600
    with pytest.raises(Refused):
        set_custom_rates(store, Acting.system(), account, {"traffic_gb": "-1"})


def test_insufficient_balance_fails_and_starts_grace(store: Any, runtime: Any, account: Any,
                                                     alice: Any) -> None:
    _usage(store, account)
    w.post(store, wallet_id(store, account), type="TOPUP", amount=500, key="top")
    run = cycle.close_cycle(store, runtime.settings, DEC1)
    assert run.failed == 1
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    assert invoice["status"] == "FAILED" and invoice["failure_reason"]
    acct = store.get("billing_accounts", account["$id"])
    assert acct["status"] == "DUE" and acct["grace_ends_at"] == DEC1 + timedelta(days=14)
    assert store.get("wallets", wallet_id(store, account))["balance_cents"] == 500  # untouched
    # reminders on grace days 1, 7, 13 — once each
    assert cycle.reminders_due(store, DEC1) == []
    day1 = DEC1 + timedelta(days=1)
    due = cycle.reminders_due(store, day1)
    assert [d for _a, d in due] == [1]
    cycle.mark_reminded(store, due[0][0], 1)
    assert cycle.reminders_due(store, day1) == []
    assert [d for _a, d in cycle.reminders_due(store, DEC1 + timedelta(days=7))] == [7]
    # not yet past the grace: nothing; after: SUSPENDED, and the lifecycle follows
    assert cycle.enforce_grace(store, DEC1 + timedelta(days=13)) == []
    assert cycle.enforce_grace(store, DEC1 + timedelta(days=14, minutes=1)) == [account["$id"]]
    assert store.get("billing_accounts", account["$id"])["status"] == "SUSPENDED"
    assert status_provider(store, alice, None) == "SUSPENDED"
    assert compute(store, store.get("users", alice["$id"])).state is LifecycleState.SUSPENDED
    # a top-up that covers the invoice pays it and restores ACTIVE
    w.post(store, wallet_id(store, account), type="TOPUP", amount=300, key="top2")
    assert cycle.settle(store, account["$id"])["status"] == "SUSPENDED"  # 800 < 1100
    w.post(store, wallet_id(store, account), type="TOPUP", amount=300, key="top3")
    restored = cycle.settle(store, account["$id"])
    assert restored["status"] == "ACTIVE" and restored["grace_ends_at"] is None
    assert cycle.invoice_of(store, account["$id"], "2026-11")["status"] == "PAID"
    assert store.get("wallets", wallet_id(store, account))["balance_cents"] == 0
    assert compute(store, store.get("users", alice["$id"])).state is not LifecycleState.SUSPENDED


def test_status_transitions_are_checked(store: Any, account: Any) -> None:
    with pytest.raises(Refused):
        set_status(store, Acting.system(), account, "SUSPENDED")  # ACTIVE → SUSPENDED skips DUE
    due = set_status(store, Acting.system(), account, "DUE")
    assert set_status(store, Acting.system(), due, "ACTIVE")["status"] == "ACTIVE"
    audit = list(store.list("audit_logs", [Query.equal("resource_id", account["$id"])]))
    assert {a["action"] for a in audit} >= {"billing_status_due", "billing_status_active"}


def test_zero_usage_invoice_is_paid_without_a_debit(store: Any, runtime: Any,
                                                    account: Any) -> None:
    cycle.close_cycle(store, runtime.settings, DEC1)
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    assert invoice["total_cents"] == 0 and invoice["status"] == "PAID"
    assert store.count("wallet_transactions") == 0


def test_org_suspension_reaches_its_members(store: Any, runtime: Any, org: Any, org_ws: Any,
                                            owner: Any) -> None:
    from webapp.features.billing.accounts import ensure_account

    acct = ensure_account(store, organization_id=org["$id"])
    ledger.record_usage(store, acct, resource="compute", quantity=5000, key="x",
                        workspace_id=org_ws["$id"], occurred_at=NOV)
    cycle.close_cycle(store, runtime.settings, DEC1)
    cycle.enforce_grace(store, DEC1 + timedelta(days=15))
    assert compute(store, store.get("users", owner["$id"])).state is LifecycleState.SUSPENDED
