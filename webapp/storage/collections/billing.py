"""Collections of the billing area (schema v3).

Money is integer USD cents everywhere (``*_cents``); exchange-rate conversions keep the INR
paise beside the cents they came from. Usage quantities are integers in the resource's base
unit: traffic in bytes, storage in bytes (daily snapshots), compute in milli-units (a
compute weight of 0.5 is 500). A cycle is a calendar month named ``YYYY-MM`` (UTC).
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

ACCOUNT_STATUSES = ("ACTIVE", "DUE", "SUSPENDED")
TXN_TYPES = ("TOPUP", "USAGE", "REFUND", "ADJUSTMENT", "HOLD", "RELEASE", "REWARD_CREDIT")
RESOURCES = ("traffic", "storage", "compute")
INVOICE_STATUSES = ("DRAFT", "DUE", "PAID", "FAILED")

BILLING_ACCOUNTS = Collection(
    id="billing_accounts",
    name="Billing accounts",
    since=V,
    attributes=(
        A("type", T.STRING, 16, required=True, elements=("PERSONAL", "ORG"), since=V),
        A("owner_key", T.STRING, 48, required=True, since=V),  # user:<id> | org:<id>
        A("user_id", T.STRING, 36, since=V),
        A("organization_id", T.STRING, 36, since=V),
        A("status", T.STRING, 16, default="ACTIVE", elements=ACCOUNT_STATUSES, since=V),
        A("billing_email", T.STRING, 254, since=V),
        A("grace_started_at", T.DATETIME, since=V),
        A("grace_ends_at", T.DATETIME, since=V),
        A("failed_invoice_id", T.STRING, 36, since=V),
        A("closed_cycle", T.STRING, 7, since=V),  # last closed YYYY-MM
        A("last_payment_at", T.DATETIME, since=V),
        A("last_payment_failed_at", T.DATETIME, since=V),
        A("suspended_at", T.DATETIME, since=V),
        # {"traffic_gb": "0.08", "storage_gb_month": "0.04", "compute_unit": "0.0008"}
        A("custom_rates", T.JSON, default={}, since=V),
        A("reminders_sent", T.STRING, 16, array=True, default=[], since=V),
    ),
    indexes=(
        Index("billing_accounts_owner", I.UNIQUE, ("owner_key",), since=V),
        Index("billing_accounts_status", I.KEY, ("status",), since=V),
        Index("billing_accounts_org", I.KEY, ("organization_id",), since=V),
    ),
)

WALLETS = Collection(
    id="wallets",
    name="Wallets",
    since=V,
    attributes=(
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("currency", T.STRING, 3, default="USD", since=V),
        A("balance_cents", T.INTEGER, default=0, since=V),  # available
        A("locked_cents", T.INTEGER, default=0, since=V),  # held
        A("version", T.INTEGER, default=1, since=V),  # compare-and-set on every entry
        A("status", T.STRING, 16, default="active", elements=("active", "frozen", "closed"),
          since=V),
        A("lifetime_topup_cents", T.INTEGER, default=0, since=V),
        A("lifetime_debit_cents", T.INTEGER, default=0, since=V),
        A("daily_topup_cents", T.INTEGER, default=0, since=V),
        A("daily_topup_date", T.STRING, 10, since=V),
        A("last_topup_at", T.DATETIME, since=V),
        A("last_debit_at", T.DATETIME, since=V),
    ),
    indexes=(Index("wallets_account", I.UNIQUE, ("billing_account_id",), since=V),),
)

WALLET_TRANSACTIONS = Collection(
    id="wallet_transactions",
    name="Wallet transactions",
    since=V,
    attributes=(
        A("wallet_id", T.STRING, 36, required=True, since=V),
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("type", T.STRING, 16, required=True, elements=TXN_TYPES, since=V),
        A("direction", T.STRING, 8, required=True, elements=("credit", "debit"), since=V),
        A("amount_cents", T.INTEGER, required=True, since=V),
        A("balance_before", T.INTEGER, required=True, since=V),
        A("balance_after", T.INTEGER, required=True, since=V),
        A("locked_before", T.INTEGER, default=0, since=V),
        A("locked_after", T.INTEGER, default=0, since=V),
        A("idempotency_key", T.STRING, 128, required=True, since=V),
        A("description", T.STRING, 255, since=V),
        A("reference_type", T.STRING, 24, since=V),  # invoice | payment | hold | reward
        A("reference_id", T.STRING, 64, since=V),
        A("actor_id", T.STRING, 36, since=V),
        A("metadata", T.JSON, default={}, since=V),
    ),
    indexes=(
        Index("wallet_txn_key", I.UNIQUE, ("idempotency_key",), since=V),
        Index("wallet_txn_wallet", I.KEY, ("wallet_id", "$createdAt"), since=V),
    ),
)

USAGE_EVENTS = Collection(
    id="usage_events",
    name="Usage events",
    since=V,
    attributes=(
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("resource", T.STRING, 16, required=True, elements=RESOURCES, since=V),
        A("quantity", T.INTEGER, required=True, since=V),  # bytes | milli-units
        A("base_quantity", T.INTEGER, default=0, since=V),  # compute before weighting
        A("operation", T.STRING, 48, since=V),
        A("source", T.STRING, 16, default="api", elements=("api", "file", "job", "ai"),
          since=V),
        A("cycle", T.STRING, 7, required=True, since=V),
        A("occurred_at", T.DATETIME, required=True, since=V),
        A("idempotency_key", T.STRING, 160, required=True, since=V),
        A("metadata", T.JSON, default={}, since=V),
    ),
    indexes=(
        Index("usage_events_key", I.UNIQUE, ("idempotency_key",), since=V),
        Index("usage_events_cycle", I.KEY, ("billing_account_id", "cycle"), since=V),
        Index("usage_events_ws_time", I.KEY, ("workspace_id", "occurred_at"), since=V),
        Index("usage_events_time", I.KEY, ("occurred_at",), since=V),
    ),
)

STORAGE_SNAPSHOTS = Collection(
    id="storage_snapshots",
    name="Storage snapshots",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("date", T.STRING, 10, required=True, since=V),  # YYYY-MM-DD
        A("cycle", T.STRING, 7, required=True, since=V),
        A("bytes", T.INTEGER, default=0, since=V),
        A("files", T.INTEGER, default=0, since=V),
    ),
    indexes=(
        Index("storage_snapshots_day", I.UNIQUE, ("workspace_id", "date"), since=V),
        Index("storage_snapshots_cycle", I.KEY, ("billing_account_id", "cycle"), since=V),
    ),
)

USAGE_DAILY = Collection(
    id="usage_daily",
    name="Usage daily summaries",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("date", T.STRING, 10, required=True, since=V),
        A("cycle", T.STRING, 7, required=True, since=V),
        A("traffic_bytes", T.INTEGER, default=0, since=V),
        A("compute_milli", T.INTEGER, default=0, since=V),
        A("storage_bytes", T.INTEGER, default=0, since=V),
        A("storage_files", T.INTEGER, default=0, since=V),
        A("events", T.INTEGER, default=0, since=V),
    ),
    indexes=(
        Index("usage_daily_day", I.UNIQUE, ("workspace_id", "date"), since=V),
        Index("usage_daily_account", I.KEY, ("billing_account_id", "date"), since=V),
    ),
)

INVOICES = Collection(
    id="invoices",
    name="Invoices",
    since=V,
    attributes=(
        A("number", T.STRING, 20, required=True, since=V),  # INV-YYYYMM-XXXXXX
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("cycle", T.STRING, 7, required=True, since=V),
        A("cycle_start", T.DATETIME, required=True, since=V),
        A("cycle_end", T.DATETIME, required=True, since=V),
        A("currency", T.STRING, 3, default="USD", since=V),
        # [{"resource", "description", "quantity", "unit", "rate", "amount_cents"}]
        A("line_items", T.JSON, default=[], since=V),
        A("total_cents", T.INTEGER, default=0, since=V),
        A("status", T.STRING, 8, default="DUE", elements=INVOICE_STATUSES, since=V),
        A("issued_at", T.DATETIME, since=V),
        A("due_at", T.DATETIME, since=V),
        A("paid_at", T.DATETIME, since=V),
        A("wallet_transaction_id", T.STRING, 36, since=V),
        A("failure_reason", T.STRING, 255, since=V),
    ),
    indexes=(
        Index("invoices_number", I.UNIQUE, ("number",), since=V),
        Index("invoices_cycle", I.UNIQUE, ("billing_account_id", "cycle"), since=V),
        Index("invoices_status", I.KEY, ("status",), since=V),
    ),
)

PAYMENTS = Collection(
    id="payments",
    name="Payments",
    since=V,
    attributes=(
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("provider", T.STRING, 16, default="razorpay", since=V),
        A("order_id", T.STRING, 64, required=True, since=V),
        A("payment_id", T.STRING, 64, since=V),
        A("amount_cents", T.INTEGER, required=True, since=V),  # USD credited
        A("amount_paise", T.INTEGER, required=True, since=V),  # INR charged
        A("exchange_rate", T.STRING, 16, required=True, since=V),  # INR per USD
        A("status", T.STRING, 12, default="CREATED",
          elements=("CREATED", "PAID", "FAILED", "REFUNDED"), since=V),
        A("created_by", T.STRING, 36, since=V),
        A("wallet_transaction_id", T.STRING, 36, since=V),
        A("refunded_cents", T.INTEGER, default=0, since=V),
        A("failure_reason", T.STRING, 255, since=V),
    ),
    indexes=(
        Index("payments_order", I.UNIQUE, ("order_id",), since=V),
        Index("payments_payment", I.KEY, ("payment_id",), since=V),
        Index("payments_account", I.KEY, ("billing_account_id",), since=V),
    ),
)

PROCESSED_EVENTS = Collection(
    id="processed_events",
    name="Processed events",
    since=V,
    attributes=(
        A("event_id", T.STRING, 160, required=True, since=V),
        A("source", T.STRING, 24, required=True, since=V),  # razorpay | job
        A("event_type", T.STRING, 48, since=V),
        A("outcome", T.STRING, 255, since=V),
        A("payload", T.JSON, default={}, since=V),
    ),
    indexes=(Index("processed_events_id", I.UNIQUE, ("event_id",), since=V),),
)

USAGE_ALERTS = Collection(
    id="usage_alerts",
    name="Usage alerts",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("billing_account_id", T.STRING, 36, required=True, since=V),
        A("resource", T.STRING, 16, required=True, elements=RESOURCES, since=V),
        A("threshold", T.INTEGER, required=True, since=V),  # GB or compute units
        A("channel", T.STRING, 8, default="in_app", elements=("in_app", "email", "webhook"),
          since=V),
        A("webhook_url", T.STRING, 500, since=V),
        A("enabled", T.BOOLEAN, default=True, since=V),
        A("created_by", T.STRING, 36, since=V),
        A("last_triggered_at", T.DATETIME, since=V),
    ),
    indexes=(Index("usage_alerts_ws", I.KEY, ("workspace_id",), since=V),),
)

COLLECTIONS: tuple[Collection, ...] = (
    BILLING_ACCOUNTS, WALLETS, WALLET_TRANSACTIONS, USAGE_EVENTS, STORAGE_SNAPSHOTS,
    USAGE_DAILY, INVOICES, PAYMENTS, PROCESSED_EVENTS, USAGE_ALERTS,
)
