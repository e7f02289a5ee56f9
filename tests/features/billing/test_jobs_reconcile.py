"""The billing jobs (inline, on the test's runtime), reconciliation and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jobs import billing as billing_jobs
from jobs.context import bound
from jobs.schedule import SCHEDULE
from webapp.features.billing import cycle, ledger, metering
from webapp.features.billing import wallet as w
from webapp.features.billing.reconcile import reconcile
from webapp.storage.mail import read_outbox
from webapp.storage.query import Query

from .conftest import wallet_id

NOV = datetime(2026, 11, 10, tzinfo=UTC)
DEC1 = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)


def test_every_billing_job_is_scheduled() -> None:
    ids = {job.id for job in SCHEDULE}
    assert {"keel-billing-metering-flush", "keel-billing-storage-snapshots",
            "keel-billing-cycle-close", "keel-billing-grace-enforce",
            "keel-billing-usage-aggregate", "keel-billing-grace-reminders",
            "keel-billing-fx-refresh"} <= ids
    close = next(job for job in SCHEDULE if job.id == "keel-billing-cycle-close")
    assert close.cron == "5 0 1 * *"


def test_jobs_close_remind_and_suspend(runtime: Any, store: Any, account: Any,
                                       alice_ws: Any) -> None:
    ledger.record_usage(store, account, resource="compute", quantity=2_000_000, key="c",
                        workspace_id=alice_ws["$id"], occurred_at=NOV)
    metering.note(runtime.redis, alice_ws["$id"], None, 4096, now=NOV)
    with bound(runtime):
        first = billing_jobs.close_billing_cycle(DEC1.isoformat())
        again = billing_jobs.close_billing_cycle(DEC1.isoformat())
        assert (first["invoices"], first["failed"], again["skipped"]) == (1, 1, True)
        # the Redis bytes of November were flushed into November before the close
        invoice = cycle.invoice_of(store, account["$id"], "2026-11")
        assert invoice["line_items"][0]["raw"]["bytes"] == 4096
        assert billing_jobs.send_grace_reminders((DEC1 + timedelta(days=1)).isoformat()) == 1
        assert billing_jobs.send_grace_reminders((DEC1 + timedelta(days=1)).isoformat()) == 0
        assert billing_jobs.enforce_grace((DEC1 + timedelta(days=10)).isoformat()) == []
        assert billing_jobs.enforce_grace((DEC1 + timedelta(days=14, hours=1)).isoformat()) == [
            account["$id"]]
        assert billing_jobs.aggregate_usage(NOV.date().isoformat()) == 1
        assert billing_jobs.snapshot_storage("2026-12-02") >= 1
        assert billing_jobs.refresh_exchange_rate() == "84.25 (live)"
    mails = read_outbox(runtime.settings.instance_path / "outbox")
    assert [m["Subject"] for m in mails] == [
        "Action Required: Payment Failed for Your Keel Account"]
    assert mails[0]["To"] == "alice@example.com"


def test_reconcile_finds_no_drift_then_finds_drift(runtime: Any, store: Any,
                                                   account: Any) -> None:
    wid = wallet_id(store, account)
    w.post(store, wid, type="TOPUP", amount=5000, key="t")
    w.hold(store, wid, 100, "h")
    ledger.record_usage(store, account, resource="traffic", quantity=7 * 1024 ** 3, key="x",
                        occurred_at=NOV)
    cycle.close_cycle(store, runtime.settings, DEC1)
    report = reconcile(store, runtime.settings)
    assert report.ok, report.problems
    assert (report.wallets, report.invoices) == (1, 1)
    store.update("wallets", wid, {"balance_cents": 999_999})  # someone edits the row
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    store.update("invoices", invoice["$id"], {"total_cents": 1})
    problems = reconcile(store, runtime.settings).problems
    assert any("ledger adds up to" in p for p in problems)
    assert any("≠ Σ lines" in p for p in problems)


def test_reconcile_cli_exit_codes(app: Any, store: Any, account: Any) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["billing", "reconcile"])
    assert ok.exit_code == 0 and "0 problem(s)" in ok.output
    store.update("wallets", wallet_id(store, account), {"balance_cents": 5})
    bad = runner.invoke(args=["billing", "reconcile"])
    assert bad.exit_code == 1 and "ledger adds up to" in bad.output


def test_simulation_reconciles(app: Any, store: Any) -> None:
    result = app.test_cli_runner().invoke(args=["billing", "simulate", "--accounts", "12",
                                                "--months", "3", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "reconcile: 0 problem(s)" in result.output
    assert store.count("invoices") == 36
    assert store.count("wallet_transactions", [Query.equal("type", "TOPUP")]) == store.count(
        "payments", [Query.equal("status", "PAID")])
