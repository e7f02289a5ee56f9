"""Billing pages through the real app: forms, checkout, invoices, usage, the write guard
and traffic metering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.features.billing import cycle, ledger, metering
from webapp.features.billing import wallet as w
from webapp.storage.query import Query

from ..orgs.web import client_for, csrf, post, text
from .conftest import wallet_id

NOV = datetime(2026, 11, 10, tzinfo=UTC)


def _suspend(store: Any, runtime: Any, account: Any) -> None:
    ledger.record_usage(store, account, resource="compute", quantity=2_000_000, key="c",
                        occurred_at=NOV)
    dec1 = datetime(2026, 12, 1, tzinfo=UTC)
    cycle.close_cycle(store, runtime.settings, dec1)
    cycle.enforce_grace(store, dec1 + timedelta(days=15))


def test_personal_billing_page(app: Any, store: Any, alice: Any, account: Any) -> None:
    w.post(store, wallet_id(store, account), type="TOPUP", amount=12345, key="t")
    got = client_for(app, alice).get("/billing")
    body = text(got)
    assert got.status_code == 200
    assert "$123.45" in body and "Add credits" in body and "Wallet transactions" in body
    assert "84.25 INR/USD" in body  # the live rate from the exchange-rate double


def test_topup_to_checkout_to_wallet(app: Any, store: Any, rzp: Any, alice: Any,
                                     account: Any) -> None:
    client = client_for(app, alice)
    bad = post(client, "/billing", "/billing/topup", {"amount": "0"})
    assert bad.status_code == 422 and "Top up between" in text(bad)
    junk = post(client, "/billing", "/billing/topup", {"amount": "ten"})
    assert junk.status_code == 422 and "Enter an amount" in text(junk)
    got = post(client, "/billing", "/billing/topup", {"amount": "25.00"})
    assert got.status_code == 303
    page = client.get(got.headers["Location"])
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {rzp.url};" in csp  # only this page widens the CSP
    assert "₹2106.25" in text(page)
    assert "script-src 'self';" in client.get("/billing").headers["Content-Security-Policy"]
    payment = store.first("payments", [])
    paid = rzp.pay(payment["order_id"])
    verify = client.post(f"/billing/checkout/{payment['$id']}/verify", data={
        "csrf_token": csrf(client, got.headers["Location"]), **paid})
    assert verify.status_code == 303
    assert store.get("wallets", wallet_id(store, account))["balance_cents"] == 2500
    assert "$25.00 was added" in text(client.get("/billing"))
    forged = client.post(f"/billing/checkout/{payment['$id']}/verify", data={
        "csrf_token": csrf(client, "/billing"), **paid, "razorpay_signature": "f" * 64})
    assert forged.status_code == 303
    assert store.get("wallets", wallet_id(store, account))["balance_cents"] == 2500


def test_other_peoples_payments_and_invoices_are_404(app: Any, store: Any, runtime: Any,
                                                     alice: Any, account: Any) -> None:
    from webapp.features.workspaces.service import create_workspace

    from ..workspaces.helpers import acting, make_user
    bob = make_user(store, "bob@example.com", "Bob", account_type="PERSONAL")
    create_workspace(store, acting(bob), owner_id=bob["$id"], name="Bob Space")
    cycle.close_cycle(store, runtime.settings, datetime(2026, 12, 1, tzinfo=UTC))
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    assert client_for(app, alice).get(f"/billing/invoices/{invoice['$id']}").status_code == 200
    assert client_for(app, bob).get(f"/billing/invoices/{invoice['$id']}").status_code == 404


def test_invoice_page_is_a_document(app: Any, store: Any, runtime: Any, alice: Any,
                                    account: Any) -> None:
    ledger.record_usage(store, account, resource="traffic", quantity=3 * 1024 ** 3, key="t",
                        occurred_at=NOV)
    cycle.close_cycle(store, runtime.settings, datetime(2026, 12, 1, tzinfo=UTC))
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    body = text(client_for(app, alice).get(f"/billing/invoices/{invoice['$id']}"))
    assert invoice["number"] in body and "3.000000 GB" in body and "$0.30" in body
    assert "Payment failed" in body  # an empty wallet could not pay it


def test_usage_dashboard_and_csv(app: Any, store: Any, alice: Any, alice_ws: Any,
                                 account: Any) -> None:
    now = datetime.now(UTC)
    ledger.record_usage(store, account, resource="traffic", quantity=5 * 1024 ** 3, key="t",
                        workspace_id=alice_ws["$id"], occurred_at=now)
    ledger.record_compute(store, account, "ai_summary", key="c", workspace_id=alice_ws["$id"],
                          occurred_at=now)
    client = client_for(app, alice)
    body = text(client.get("/billing/usage"))
    assert body.count('<svg class="chart') == 3 and "Alice Space" in body and "5.000 GB" in body
    csv = client.get(f"/billing/usage.csv?cycle={now:%Y-%m}")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("occurred_at,")


def test_suspended_account_reads_but_cannot_write(app: Any, store: Any, runtime: Any,
                                                  alice: Any, alice_ws: Any,
                                                  account: Any) -> None:
    _suspend(store, runtime, account)
    client = client_for(app, alice)
    page = client.get("/billing")
    assert page.status_code == 200 and "Account suspended" in text(page)
    token = csrf(client, "/billing")
    refused = client.post(f"/w/{alice_ws['$id']}/settings", data={"csrf_token": token,
                                                                   "name": "Renamed"})
    assert refused.status_code == 403
    assert "suspended due to an unpaid invoice" in text(refused)
    as_json = client.post(f"/w/{alice_ws['$id']}/settings", data={"csrf_token": token},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 403
    assert as_json.get_json()["error"]["code"] == "BILLING_SUSPENDED"
    assert store.get("workspaces", alice_ws["$id"])["name"] == "Alice Space"
    # top-up stays open for a suspended account
    assert post(client, "/billing", "/billing/topup", {"amount": "5"}).status_code == 303


def test_due_banner_shows_days_left(app: Any, store: Any, runtime: Any, alice: Any,
                                    account: Any) -> None:
    ledger.record_usage(store, account, resource="compute", quantity=2_000_000, key="c",
                        occurred_at=NOV)
    cycle.close_cycle(store, runtime.settings, datetime.now(UTC), cycle="2026-11")
    body = text(client_for(app, alice).get("/billing"))
    assert re.search(r"1[34] days left before the account is suspended", body)


def test_org_tabs_for_the_owner(app: Any, store: Any, org: Any, org_ws: Any,
                                owner: Any) -> None:
    client = client_for(app, owner)
    assert client.get("/billing").headers["Location"].endswith(
        f"/billing/organization/{org['$id']}")
    page = client.get(f"/billing/organization/{org['$id']}")
    body = text(page)
    assert page.status_code == 200 and "Add credits" in body
    assert f'href="/billing/organization/{org["$id"]}/usage"' in body  # the Usage tab
    general = text(client.get(f"/organization/{org['$id']}/general"))
    assert f'href="/billing/organization/{org["$id"]}"' in general  # the Billing tab


def test_metering_counts_workspace_requests(app: Any, store: Any, runtime: Any, alice: Any,
                                            alice_ws: Any) -> None:
    client = client_for(app, alice)
    page = client.get(f"/w/{alice_ws['$id']}")
    assert page.status_code == 200
    client.get("/billing")  # not workspace-scoped: not metered
    metering.flush(store, runtime.redis, everything=True)
    events = list(store.list("usage_events", [Query.equal("resource", "traffic")]))
    assert len(events) == 1 and events[0]["workspace_id"] == alice_ws["$id"]
    assert events[0]["quantity"] == len(page.get_data())
    compute = list(store.list("usage_events", [Query.equal("resource", "compute")]))
    assert [e["quantity"] for e in compute] == [500]  # one read: 0.5 units
    assert metering.operation_for("table.bulk_edit", "POST") == "task_bulk_update"
    assert metering.operation_for("integrations_ai.run", "POST") == "ai_suggestion"


def test_alerts_manager(app: Any, store: Any, alice: Any, alice_ws: Any) -> None:
    client = client_for(app, alice)
    page = text(client.get("/billing/usage"))
    assert "Usage alerts" in page and "Alice Space" in page
    bad = post(client, "/billing/usage", "/billing/alerts", {
        "workspace_id": alice_ws["$id"], "resource": "traffic", "threshold": "0",
        "channel": "in_app"})
    assert bad.status_code == 422 and "above zero" in text(bad)
    foreign = post(client, "/billing/usage", "/billing/alerts", {
        "workspace_id": "someone-else", "resource": "traffic", "threshold": "5",
        "channel": "in_app"})
    assert foreign.status_code == 422
    ok = post(client, "/billing/usage", "/billing/alerts", {
        "workspace_id": alice_ws["$id"], "resource": "compute", "threshold": "25",
        "channel": "email"})
    assert ok.status_code == 303
    alert = store.first("usage_alerts", [])
    assert (alert["resource"], alert["threshold"], alert["channel"]) == ("compute", 25, "email")
    assert "25 units" in text(client.get("/billing/usage"))
    gone = post(client, "/billing/usage", f"/billing/alerts/{alert['$id']}/delete")
    assert gone.status_code == 303 and store.count("usage_alerts") == 0
    again = post(client, "/billing/usage", f"/billing/alerts/{alert['$id']}/delete")
    assert again.status_code == 404
