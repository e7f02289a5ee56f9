"""Matrix rows of the billing pages. Organization billing (``/billing/organization/<id>``)
needs ``org.billing.view`` (top-up, checkout and verify ``org.billing.manage``): only the
Acme OWNER holds them; other Acme members get 403, everyone else 404. Every actor of the
world is an organization account, so ``/billing`` sends them to their organization's page
and the personal pages answer 404. The webhook is public: an empty, unsigned body is
refused (400) for everyone. The lifecycle does not let organization MEMBERs (the org
member and every Core/RKT actor) into billing paths at all: they are redirected first.

``extras`` gives Acme a billing account with a top-up payment, an invoice and a usage
alert to address (an allowed delete is rolled back by the harness)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from matrix.rows import ALLOW, HIDDEN, OWNER, REDIRECT, Row, everyone, organization, row
from matrix.world import PROJECT_ROLES, WS_ROLES

ORDER = 90


ORG_MEMBERS = ("org_member", *WS_ROLES, *PROJECT_ROLES)  # lifecycle ORG_MEMBER_*


def members_redirected(values: Row) -> Row:
    return {**values, **dict.fromkeys(ORG_MEMBERS, REDIRECT)}


def personal() -> Row:
    return members_redirected(row(HIDDEN))


def org(allowed: tuple[str, ...] = OWNER) -> Row:
    return members_redirected(organization(allowed))


ROWS = {
    ("billing.billing", "GET"): members_redirected(row(ALLOW)),
    ("billing.usage", "GET"): personal(),
    ("billing.usage_csv", "GET"): personal(),
    ("billing.topup", "POST"): personal(),
    ("billing.checkout", "GET"): personal(),
    ("billing.verify", "POST"): personal(),
    ("billing.invoice", "GET"): personal(),
    ("billing.org_billing", "GET"): org(),
    ("billing.org_usage", "GET"): org(),
    ("billing.org_usage_csv", "GET"): org(),
    ("billing.org_topup", "POST"): org(),
    ("billing.org_checkout", "GET"): org(),
    ("billing.org_verify", "POST"): org(),
    ("billing.org_invoice", "GET"): org(),
    ("billing.alerts_create", "POST"): personal(),
    ("billing.alert_delete", "POST"): personal(),
    ("billing.org_alerts_create", "POST"): org(),
    ("billing.org_alert_delete", "POST"): org(),
    ("billing.razorpay_webhook", "POST"): members_redirected(everyone(frozenset({"invalid"}))),
}

FORMS: dict[str, dict[str, str]] = {}


def extras(store: Any, world: Any) -> None:
    from webapp.audit import Acting
    from webapp.features.billing.accounts import ensure_account
    from webapp.features.billing.alerts import create_alert
    from webapp.features.billing.cycle import issue_invoice

    account = ensure_account(store, organization_id=world.org["$id"])
    world.extras["billing_payment"] = store.create("payments", {
        "billing_account_id": account["$id"], "order_id": "order_matrix0000001",
        "amount_cents": 1000, "amount_paise": 84250, "exchange_rate": "84.25",
    })

    class _Rates:
        usage_rate_traffic_gb, usage_rate_storage_gb_month = "0.10", "0.05"
        usage_rate_compute_unit, invoice_due_days = "0.001", 7

    world.extras["billing_alert"] = create_alert(
        store, Acting.system(), world.workspace, resource="traffic", threshold=10)
    world.extras["billing_invoice"] = issue_invoice(
        store, _Rates(), account, "2026-10", datetime(2026, 11, 1, tzinfo=UTC))


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if not endpoint.startswith("billing."):
        return {}
    return {"payment_id": world.extras["billing_payment"]["$id"],
            "invoice_id": world.extras["billing_invoice"]["$id"],
            "alert_id": world.extras["billing_alert"]["$id"]}
