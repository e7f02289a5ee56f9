"""Billing in a real browser: a personal account whose unpaid invoice got it suspended
tops up through Razorpay Checkout (the local double's checkout.js and REST API, with the
real ``razorpay`` client on the server) and is ACTIVE again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


@pytest.fixture
def razorpay(live_server: LiveServer) -> Iterator[Any]:
    from doubles.razorpay_server import RazorpayDouble

    double = RazorpayDouble().start()
    settings = live_server.settings
    names = {"RAZORPAY_KEY_ID": "razorpay_key_id", "RAZORPAY_KEY_SECRET": "razorpay_key_secret",
             "RAZORPAY_WEBHOOK_SECRET": "razorpay_webhook_secret",
             "RAZORPAY_API_URL": "razorpay_api_url", "RAZORPAY_CHECKOUT_JS":
             "razorpay_checkout_js", "EXCHANGE_RATE_URL": "exchange_rate_url",
             "EXCHANGE_RATE_API_KEY": "exchange_rate_api_key"}
    before = {attr: getattr(settings, attr) for attr in names.values()}
    for env, value in double.env().items():
        setattr(settings, names[env], value)
    yield double
    for attr, value in before.items():
        setattr(settings, attr, value)
    double.stop()


def test_suspended_account_tops_up_and_is_restored(live_server: LiveServer, razorpay: Any,
                                                   page: Any, console: ConsoleLog,
                                                   snap: Any) -> None:
    from webapp.features.billing import cycle, ledger
    from webapp.features.billing.accounts import ensure_account
    from webapp.storage.query import Query

    store = live_server.app.extensions["keel.runtime"].store
    user = live_server.make_user("payer@example.com", PASSWORD, name="Pat Payer",
                                 workspace="Pat's space")
    account = ensure_account(store, user_id=user["$id"])
    ledger.record_usage(store, account, resource="compute", quantity=3_000_000, key="e2e-c",
                        occurred_at=datetime(2026, 10, 9, tzinfo=UTC))
    ws = store.first("workspaces", [Query.equal("owner_id", user["$id"])])
    today = datetime.now(UTC)
    for day in range(1, today.day + 1):
        at = today.replace(day=day, hour=12)
        ledger.record_usage(store, account, resource="traffic", quantity=day * 40_000_000,
                            key=f"e2e-t{day}", workspace_id=ws["$id"], occurred_at=at)
        ledger.record_compute(store, account, "task_update", count=day % 4 + 1,
                              key=f"e2e-u{day}", workspace_id=ws["$id"], occurred_at=at)
    cycle.close_cycle(store, live_server.settings, datetime(2026, 11, 1, tzinfo=UTC),
                      cycle="2026-10")
    cycle.enforce_grace(store, datetime.now(UTC) + timedelta(days=15))

    page.goto("/login")
    page.get_by_label("Email").fill("payer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/billing")
    expect(page.locator("#billing-banner")).to_contain_text("Account suspended")
    snap(page, "billing-suspended")

    page.get_by_label("Amount (USD)").fill("5")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", name="Add $5.00 to the wallet")).to_be_visible()
    snap(page, "billing-checkout")
    page.get_by_role("button", name="Pay with Razorpay").click()
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/billing"))
    expect(page.get_by_text("$5.00 was added to your wallet.")).to_be_visible()
    expect(page.locator("#billing-banner")).to_have_count(0)
    expect(page.locator("#billing-balance")).to_have_text("$2.00")
    snap(page, "billing-restored")
    assert store.get("billing_accounts", account["$id"])["status"] == "ACTIVE"
    invoice = cycle.invoice_of(store, account["$id"], "2026-10")
    assert invoice["status"] == "PAID"
    page.goto(f"/billing/invoices/{invoice['$id']}")
    expect(page.get_by_text(invoice["number"])).to_be_visible()
    page.emulate_media(media="print")
    snap(page, "billing-invoice-print")
    page.emulate_media(media="screen")
    page.goto("/billing/usage")
    expect(page.get_by_role("cell", name="Pat's space")).to_be_visible()
    snap(page, "billing-usage")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/billing")
    snap(page, "billing-narrow")
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)
