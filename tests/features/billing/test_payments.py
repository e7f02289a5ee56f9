"""Razorpay top-ups through the real ``razorpay`` client against the local double."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webapp.audit import Acting
from webapp.features.billing import cycle, ledger, payments
from webapp.features.billing.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import wallet_id

ACT = Acting.system()


def _balance(store: Any, account: Any) -> int:
    return int(store.get("wallets", wallet_id(store, account))["balance_cents"])


def test_order_is_priced_in_paise_with_usd_in_notes(store: Any, runtime: Any, rzp: Any,
                                                    account: Any) -> None:
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 2550)
    order = rzp.orders[payment["order_id"]]
    assert order["amount"] == 214838  # 2550 cents x 84.25 INR/USD, half-up
    assert order["currency"] == "INR"
    assert order["notes"]["usd_cents"] == "2550"
    assert payment["status"] == "CREATED" and payment["exchange_rate"] == "84.25"


def test_rate_is_cached_and_falls_back(runtime: Any, rzp: Any) -> None:
    first = payments.current_rate(runtime.settings, runtime.redis)
    rzp.inr_rate = 90.0
    assert payments.current_rate(runtime.settings, runtime.redis).inr_per_usd == \
        first.inr_per_usd  # cached for an hour
    rzp.fx_down = True
    runtime.redis.delete(payments.RATE_KEY)
    fallback = payments.current_rate(runtime.settings, runtime.redis)
    assert (str(fallback.inr_per_usd), fallback.source) == ("83.50", "fallback")


@pytest.mark.parametrize("amount", [0, -100, 99, 100_000_001])
def test_amount_bounds(store: Any, runtime: Any, account: Any, amount: int) -> None:
    with pytest.raises(FieldErrors):
        payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, amount)


@pytest.mark.parametrize("text", ["abc", "1.234", "", "NaN"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(FieldErrors):
        payments.parse_amount(text)


def test_gateway_down(store: Any, runtime: Any, rzp: Any, account: Any) -> None:
    rzp.down = True
    with pytest.raises(Refused) as exc:
        payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    assert exc.value.code == "GATEWAY_UNAVAILABLE"
    assert store.count("payments") == 0


def test_checkout_credits_exactly_once(store: Any, runtime: Any, rzp: Any,
                                       account: Any) -> None:
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    paid = rzp.pay(payment["order_id"])
    kwargs = {"order_id": paid["razorpay_order_id"], "payment_id": paid["razorpay_payment_id"],
              "signature": paid["razorpay_signature"]}
    payments.verify_checkout(store, runtime.settings, ACT, **kwargs)
    payments.verify_checkout(store, runtime.settings, ACT, **kwargs)
    assert _balance(store, account) == 1000
    row = store.get("payments", payment["$id"])
    assert row["status"] == "PAID" and row["payment_id"] == paid["razorpay_payment_id"]
    # the webhook for the same payment adds nothing
    body, headers = rzp.webhook("payment.captured", paid["razorpay_payment_id"])
    got = _APP[0].test_client().post("/webhooks/razorpay", data=body, headers=headers)
    assert got.status_code == 200
    assert _balance(store, account) == 1000
    assert store.count("wallet_transactions") == 1


_APP: list[Any] = []


@pytest.fixture(autouse=True)
def _remember_app(app: Any) -> None:
    _APP[:] = [app]


def test_bad_signature_is_refused(store: Any, runtime: Any, rzp: Any, account: Any) -> None:
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    paid = rzp.pay(payment["order_id"])
    with pytest.raises(Refused) as exc:
        payments.verify_checkout(store, runtime.settings, ACT, order_id=payment["order_id"],
                                 payment_id=paid["razorpay_payment_id"], signature="0" * 64)
    assert exc.value.code == "BAD_SIGNATURE"
    assert _balance(store, account) == 0


def test_uncaptured_payment_is_not_credited(store: Any, runtime: Any, rzp: Any,
                                            account: Any) -> None:
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    paid = rzp.pay(payment["order_id"], status="authorized")
    with pytest.raises(Refused) as exc:
        payments.verify_checkout(store, runtime.settings, ACT, order_id=payment["order_id"],
                                 payment_id=paid["razorpay_payment_id"],
                                 signature=paid["razorpay_signature"])
    assert exc.value.code == "PAYMENT_NOT_CAPTURED"
    assert _balance(store, account) == 0


def test_webhook_double_delivery_and_forgery(app: Any, store: Any, runtime: Any, rzp: Any,
                                             account: Any) -> None:
    client = app.test_client()
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 2000)
    paid = rzp.pay(payment["order_id"])
    body, headers = rzp.webhook("payment.captured", paid["razorpay_payment_id"])
    first = client.post("/webhooks/razorpay", data=body, headers=headers)
    second = client.post("/webhooks/razorpay", data=body, headers=headers)
    assert first.get_json()["outcome"] == "applied"
    assert second.status_code == 200 and second.get_json()["outcome"] == "duplicate"
    # order.paid for the same payment (another event id): still one credit
    body2, headers2 = rzp.webhook("order.paid", paid["razorpay_payment_id"])
    assert client.post("/webhooks/razorpay", data=body2, headers=headers2).status_code == 200
    assert _balance(store, account) == 2000
    # forged: wrong secret, tampered body, missing header
    forged, fh = rzp.webhook("payment.captured", paid["razorpay_payment_id"], secret="nope")
    assert client.post("/webhooks/razorpay", data=forged, headers=fh).status_code == 400
    tampered = body.replace(b'"amount": ', b'"amount": 9')
    assert client.post("/webhooks/razorpay", data=tampered, headers=headers).status_code == 400
    assert client.post("/webhooks/razorpay", data=body).status_code == 400
    assert store.count("processed_events", [Query.equal("source", "razorpay")]) == 2


def test_webhook_failed_and_refund(app: Any, store: Any, runtime: Any, rzp: Any,
                                   account: Any) -> None:
    client = app.test_client()
    failed = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    bad = rzp.pay(failed["order_id"], status="failed")
    body, headers = rzp.webhook("payment.failed", bad["razorpay_payment_id"])
    assert client.post("/webhooks/razorpay", data=body, headers=headers).status_code == 200
    assert store.get("payments", failed["$id"])["status"] == "FAILED"
    ok = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 1000)
    good = rzp.pay(ok["order_id"])
    body, headers = rzp.webhook("payment.captured", good["razorpay_payment_id"])
    client.post("/webhooks/razorpay", data=body, headers=headers)
    half = rzp.payments[good["razorpay_payment_id"]]["amount"] // 2
    body, headers = rzp.webhook("refund.processed", good["razorpay_payment_id"],
                                refund_amount=half)
    got = client.post("/webhooks/razorpay", data=body, headers=headers)
    assert got.get_json()["outcome"] == "applied"
    assert _balance(store, account) == 500
    assert store.get("payments", ok["$id"])["refunded_cents"] == 500


def test_topup_restores_a_suspended_account(app: Any, store: Any, runtime: Any, rzp: Any,
                                            account: Any) -> None:
    ledger.record_usage(store, account, resource="compute", quantity=3_000_000, key="c",
                        occurred_at=datetime(2026, 11, 3, tzinfo=UTC))  # $3.00
    dec1 = datetime(2026, 12, 1, tzinfo=UTC)
    cycle.close_cycle(store, runtime.settings, dec1)
    cycle.enforce_grace(store, dec1 + timedelta(days=15))
    assert store.get("billing_accounts", account["$id"])["status"] == "SUSPENDED"
    payment = payments.create_topup(store, runtime.settings, runtime.redis, ACT, account, 500)
    paid = rzp.pay(payment["order_id"])
    body, headers = rzp.webhook("payment.captured", paid["razorpay_payment_id"])
    assert app.test_client().post("/webhooks/razorpay", data=body,
                                  headers=headers).status_code == 200
    assert store.get("billing_accounts", account["$id"])["status"] == "ACTIVE"
    assert _balance(store, account) == 200
    invoice = cycle.invoice_of(store, account["$id"], "2026-11")
    assert invoice["status"] == "PAID"


def test_webhook_unknown_event_is_recorded(app: Any, rzp: Any, store: Any) -> None:
    body = json.dumps({"event": "payment.dispute.created", "payload": {}}).encode()
    from doubles.razorpay_server import WEBHOOK_SECRET, sign
    got = app.test_client().post("/webhooks/razorpay", data=body,
                                 headers={"X-Razorpay-Signature": sign(WEBHOOK_SECRET,
                                                                        body.decode())})
    assert got.status_code == 200 and got.get_json()["outcome"] == "ignored"
    assert store.count("processed_events") == 1
