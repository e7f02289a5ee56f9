"""Wallet top-ups through Razorpay, and the exchange rate they are priced with.

Usage and the wallet are in USD cents; Razorpay charges INR paise. ``create_topup`` turns
the cents into paise at the current rate (``paise = cents x INR per USD``, rounded
half-up), creates a Razorpay order carrying the USD cents, the account and the rate in its
``notes``, and stores a ``payments`` row (``CREATED``). Two ways credit the wallet, both
through ``credit_payment`` and exactly once per Razorpay payment id (wallet key
``razorpay:<payment id>``): the Checkout handler (``verify_checkout``: the payment
signature is checked with ``razorpay.Client.utility.verify_payment_signature``, then the
payment is fetched server-side and must be captured, for this order and this amount) and
the webhook (``handle_webhook``: ``X-Razorpay-Signature`` over the raw body, every event
recorded in ``processed_events``; ``payment.captured``/``order.paid`` credit,
``payment.failed`` marks the payment, ``refund.processed`` takes the refunded USD back out
of the wallet). After a credit, failed invoices are paid (``cycle.settle``), which restores
an account in grace or suspended.

Exchange rate: exchangerate-api v6 (``EXCHANGE_RATE_URL``), cached one hour in Redis;
without a key or when unreachable the fallback ``EXCHANGE_RATE_FALLBACK`` (83.50) is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import razorpay
import requests
from razorpay.errors import SignatureVerificationError
from redis import Redis
from redis.exceptions import RedisError

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from . import wallet as wallets
from .accounts import wallet_of
from .cycle import mark_done, settle
from .errors import FieldErrors, Refused

log = logging.getLogger(__name__)
RATE_KEY = "keel:billing:fx:USD:INR"
RATE_TTL = 3600


@dataclass(frozen=True)
class Rate:
    inr_per_usd: Decimal
    fetched_at: datetime
    source: str  # "live" | "fallback"

    @property
    def age_seconds(self) -> int:
        return max(0, int((datetime.now(UTC) - self.fetched_at).total_seconds()))


def current_rate(settings: Any, redis: Redis | None) -> Rate:
    """USD → INR: the cached live rate, a fresh one, or the fallback."""
    if redis is not None:
        try:
            cached = redis.get(RATE_KEY)
            if cached:
                data = json.loads(cached)
                return Rate(Decimal(data["rate"]), datetime.fromisoformat(data["at"]),
                            data["source"])
        except (RedisError, ValueError, KeyError):
            pass
    return refresh_rate(settings, redis)


def refresh_rate(settings: Any, redis: Redis | None) -> Rate:
    url = settings.exchange_rate_url
    rate = Rate(Decimal(settings.exchange_rate_fallback), datetime.now(UTC), "fallback")
    if "{key}" not in url or settings.exchange_rate_api_key:
        try:
            got = requests.get(url.format(key=settings.exchange_rate_api_key), timeout=3)
            body = got.json()
            if got.ok and body.get("result") == "success":
                value = Decimal(str(body["conversion_rates"]["INR"]))
                if value > 0:
                    rate = Rate(value, datetime.now(UTC), "live")
        except (requests.RequestException, ValueError, KeyError, ArithmeticError):
            log.warning("exchange rate unavailable; using the fallback", exc_info=True)
    if redis is not None:
        with contextlib.suppress(RedisError):
            redis.set(RATE_KEY, json.dumps({"rate": str(rate.inr_per_usd),
                                            "at": rate.fetched_at.isoformat(),
                                            "source": rate.source}),
                      ex=RATE_TTL if rate.source == "live" else 300)
    return rate


def paise_for(cents: int, rate: Decimal) -> int:
    return int((Decimal(cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def client(settings: Any) -> razorpay.Client:
    if not settings.razorpay_key_id or not settings.razorpay_key_secret:
        raise Refused("GATEWAY_NOT_CONFIGURED", status=503)
    return razorpay.Client(auth=(settings.razorpay_key_id, settings.razorpay_key_secret),
                           base_url=settings.razorpay_api_url)


def parse_amount(text: str | None) -> int:
    """A USD amount typed by a person ("25" or "25.50") → cents."""
    try:
        value = Decimal((text or "").strip().lstrip("$"))
    except ArithmeticError:
        raise FieldErrors({"amount": "Enter an amount in US dollars, e.g. 25.00."}) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise FieldErrors({"amount": "Enter an amount in US dollars, e.g. 25.00."})
    return int(value * 100)


def create_topup(store: DocumentStore, settings: Any, redis: Redis | None, acting: Acting,
                 account: Document, amount_cents: int) -> Document:
    """Create the Razorpay order for a top-up; returns the ``payments`` row."""
    if amount_cents < settings.topup_min_cents or amount_cents > settings.topup_max_cents:
        raise FieldErrors({"amount": f"Top up between ${settings.topup_min_cents / 100:,.2f} "
                                     f"and ${settings.topup_max_cents / 100:,.2f}."})
    wallet = wallet_of(store, account["$id"])
    today = datetime.now(UTC).date().isoformat()
    spent = int(wallet["daily_topup_cents"]) if wallet.get("daily_topup_date") == today else 0
    if spent + amount_cents > int(settings.wallet_daily_topup_limit):
        raise FieldErrors({"amount": Refused.MESSAGES["DAILY_TOPUP_LIMIT"]})
    rate = current_rate(settings, redis)
    paise = paise_for(amount_cents, rate.inr_per_usd)
    try:
        order = client(settings).order.create({
            "amount": paise, "currency": "INR",
            "receipt": f"topup_{wallet['$id']}_{int(time.time())}"[:40],
            "notes": {"usd_cents": str(amount_cents), "billing_account_id": account["$id"],
                      "exchange_rate": str(rate.inr_per_usd)},
        })
    except (requests.RequestException, razorpay.errors.ServerError,
            razorpay.errors.GatewayError, razorpay.errors.BadRequestError) as exc:
        log.warning("razorpay order failed: %s", exc)
        raise Refused("GATEWAY_UNAVAILABLE", status=502) from exc
    with store.transaction():
        payment = store.create("payments", {
            "billing_account_id": account["$id"], "order_id": order["id"],
            "amount_cents": amount_cents, "amount_paise": paise,
            "exchange_rate": str(rate.inr_per_usd), "status": "CREATED",
            "created_by": acting.user_id,
        })
        record(store, acting, "payment_attempted", "payment", payment["$id"],
               organization_id=account.get("organization_id"),
               metadata={"order_id": order["id"], "amount_cents": amount_cents,
                         "amount_paise": paise})
    return payment


def credit_payment(store: DocumentStore, payment: Document, payment_id: str, *,
                   acting: Acting | None = None, now: datetime | None = None) -> Document:
    """Credit the wallet for a captured payment (once per payment id) and settle."""
    now = now or datetime.now(UTC)
    acting = acting or Acting.system()
    wallet = wallet_of(store, payment["billing_account_id"])
    entry = wallets.post(store, wallet["$id"], type="TOPUP", amount=int(payment["amount_cents"]),
                         key=f"razorpay:{payment_id}", acting=acting, now=now,
                         description=f"Top-up (Razorpay {payment_id})",
                         reference_type="payment", reference_id=payment_id,
                         metadata={"order_id": payment["order_id"],
                                   "amount_paise": payment["amount_paise"],
                                   "exchange_rate": payment["exchange_rate"]})
    if payment["status"] != "PAID" or not payment.get("wallet_transaction_id"):
        with store.transaction():
            payment = store.update("payments", payment["$id"], {
                "status": "PAID", "payment_id": payment_id, "failure_reason": None,
                "wallet_transaction_id": entry.txn["$id"]})
            store.update("billing_accounts", payment["billing_account_id"],
                         {"last_payment_at": now})
    settle(store, payment["billing_account_id"], now, acting=acting)
    return payment


def _payment_for_order(store: DocumentStore, order_id: str) -> Document:
    payment = store.first("payments", [Query.equal("order_id", order_id)])
    if payment is None:
        raise Refused("PAYMENT_UNKNOWN", "This payment does not belong to a Keel top-up.",
                      status=404)
    return payment


def verify_checkout(store: DocumentStore, settings: Any, acting: Acting, *, order_id: str,
                    payment_id: str, signature: str,
                    account_id: str | None = None) -> Document:
    """The Checkout handler's answer: check it, fetch the payment, credit once."""
    rz = client(settings)
    try:
        rz.utility.verify_payment_signature({"razorpay_order_id": order_id,
                                             "razorpay_payment_id": payment_id,
                                             "razorpay_signature": signature})
    except SignatureVerificationError:
        raise Refused("BAD_SIGNATURE", status=400) from None
    payment = _payment_for_order(store, order_id)
    if account_id is not None and payment["billing_account_id"] != account_id:
        raise Refused("PAYMENT_UNKNOWN", "This payment belongs to another account.", status=404)
    try:
        remote = rz.payment.fetch(payment_id)
    except (requests.RequestException, razorpay.errors.ServerError,
            razorpay.errors.BadRequestError, razorpay.errors.GatewayError) as exc:
        raise Refused("GATEWAY_UNAVAILABLE", status=502) from exc
    if remote.get("order_id") != order_id or int(remote.get("amount", -1)) != int(
            payment["amount_paise"]):
        raise Refused("BAD_SIGNATURE", "The payment does not match the order.", status=400)
    if remote.get("status") != "captured":
        raise Refused("PAYMENT_NOT_CAPTURED", status=409)
    return credit_payment(store, payment, payment_id, acting=acting)


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    event: str
    outcome: str  # applied | duplicate | ignored | <reason>


def handle_webhook(store: DocumentStore, settings: Any, raw_body: bytes, signature: str | None,
                   event_id: str | None = None) -> WebhookResult:
    """Verify, apply once, record. Raises Refused("BAD_SIGNATURE") for a forged body."""
    if not settings.razorpay_webhook_secret:  # nothing can be verified: refuse every body
        raise Refused("GATEWAY_NOT_CONFIGURED", status=400)
    body = raw_body.decode("utf-8", errors="replace")
    try:
        razorpay.Client(auth=("", "")).utility.verify_webhook_signature(
            body, signature or "", settings.razorpay_webhook_secret)
    except SignatureVerificationError:
        raise Refused("BAD_SIGNATURE", status=400) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise Refused("BAD_PAYLOAD", "The webhook body is not JSON.", status=400) from None
    event = str(data.get("event") or "")
    event_id = event_id or "sha256:" + hashlib.sha256(raw_body).hexdigest()
    key = f"razorpay:{event_id}"
    if store.first("processed_events", [Query.equal("event_id", key)]):
        return WebhookResult(event_id, event, "duplicate")
    outcome = _apply(store, event, data.get("payload") or {})
    mark_done(store, key, "razorpay", outcome, event_type=event,
              payload={"event": event, "payment": _entity(data, "payment").get("id")})
    return WebhookResult(event_id, event, outcome)


def _entity(data: dict[str, Any], name: str) -> dict[str, Any]:
    payload = data.get("payload", data)
    return dict(((payload.get(name) or {}).get("entity")) or {})


def _apply(store: DocumentStore, event: str, payload: dict[str, Any]) -> str:
    pay = dict(((payload.get("payment") or {}).get("entity")) or {})
    if event in ("payment.captured", "order.paid"):
        order = (payload.get("order") or {}).get("entity") or {}
        order_id = pay.get("order_id") or order.get("id")
        payment = store.first("payments", [Query.equal("order_id", order_id or "")])
        if payment is None or not pay.get("id"):
            return "ignored: unknown order"
        if int(pay.get("amount", -1)) != int(payment["amount_paise"]):
            return "ignored: amount mismatch"
        try:
            credit_payment(store, payment, str(pay["id"]))
        except Refused as exc:
            store.update("payments", payment["$id"], {"failure_reason": exc.message[:255]})
            return f"refused: {exc.code}"
        return "applied"
    if event == "payment.failed":
        payment = store.first("payments", [Query.equal("order_id", pay.get("order_id") or "")])
        if payment is None:
            return "ignored: unknown order"
        if payment["status"] == "CREATED":
            store.update("payments", payment["$id"], {
                "status": "FAILED", "payment_id": pay.get("id"),
                "failure_reason": str(pay.get("error_description") or "failed")[:255]})
        return "applied"
    if event == "refund.processed":
        refund = dict(((payload.get("refund") or {}).get("entity")) or {})
        payment = store.first("payments", [Query.equal("payment_id",
                                                       refund.get("payment_id") or "")])
        if payment is None or not refund.get("id"):
            return "ignored: unknown payment"
        usd = int(Decimal(int(refund.get("amount", 0))) * int(payment["amount_cents"])
                  // int(payment["amount_paise"]))
        if usd <= 0:
            return "ignored: zero refund"
        wallet = wallet_of(store, payment["billing_account_id"])
        try:
            entry = wallets.post(
                store, wallet["$id"], type="ADJUSTMENT", direction="debit", amount=usd,
                key=f"razorpay-refund:{refund['id']}",
                description=f"Refund {refund['id']} of payment {payment['payment_id']}",
                reference_type="payment", reference_id=str(payment["payment_id"]))
        except Refused as exc:
            return f"refused: {exc.code}"
        if not entry.created:
            return "duplicate refund"
        store.update("payments", payment["$id"], {
            "refunded_cents": int(payment.get("refunded_cents") or 0) + usd,
            "status": "REFUNDED" if int(payment.get("refunded_cents") or 0) + usd >= int(
                payment["amount_cents"]) else payment["status"]})
        return "applied"
    return "ignored"
