"""The wallet: an append-only ledger in USD cents, with one writer.

Every entry is one ``wallet_transactions`` row carrying the balance (and held amount)
before and after it; the wallet row is its running total. The single writer is
``post``: it compare-and-sets the wallet's ``version`` and appends the entry in one
transaction, retrying when another writer got there first, so concurrent writers in any
number of processes serialize on the wallet row. Rules:

- amounts are positive integers (cents); the balance and the held amount never go negative;
- each entry has an idempotency key (unique index): posting the same key again returns the
  first entry and changes nothing;
- TOPUP counts against a daily cap (``WALLET_DAILY_TOPUP_LIMIT`` cents per UTC day);
- debits (USAGE, ADJUSTMENT debit, HOLD) are limited to ``WALLET_DEBITS_PER_MINUTE`` per
  wallet (a Redis counter) when a Redis connection is given;
- HOLD moves money from the balance to ``locked_cents``; RELEASE gives a hold back;
  ``capture_hold`` turns a hold into a USAGE debit of the held money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .errors import FieldErrors, Refused

CREDIT = {"TOPUP": "credit", "REFUND": "credit", "REWARD_CREDIT": "credit",
          "RELEASE": "credit", "USAGE": "debit", "HOLD": "debit"}
ATTEMPTS = 20


@dataclass(frozen=True)
class Limits:
    daily_topup_cents: int = 50_000_000
    debits_per_minute: int = 10

    @staticmethod
    def of(settings: Any) -> Limits:
        return Limits(int(settings.wallet_daily_topup_limit),
                      int(settings.wallet_debits_per_minute))


@dataclass(frozen=True)
class Entry:
    txn: Document
    created: bool  # False: the idempotency key was already posted


def find_entry(store: DocumentStore, key: str) -> Document | None:
    return store.first("wallet_transactions", [Query.equal("idempotency_key", key)])


def check_amount(amount: Any, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise FieldErrors({field: "Enter a whole number of cents."})
    if amount <= 0:
        raise FieldErrors({field: "The amount must be more than zero."})
    return amount


def _rate_limited(redis: Redis | None, wallet_id: str, limit: int, now: datetime) -> bool:
    if redis is None:
        return False
    key = f"keel:wallet:debits:{wallet_id}:{now.strftime('%Y%m%d%H%M')}"
    try:
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count = int(pipe.execute()[0])
    except RedisError:
        return False  # a Redis outage does not stop billing
    return count > limit


def post(store: DocumentStore, wallet_id: str, *, type: str, amount: int, key: str,
         direction: str | None = None, description: str = "", reference_type: str | None = None,
         reference_id: str | None = None, acting: Acting | None = None,
         metadata: dict[str, Any] | None = None, limits: Limits | None = None,
         redis: Redis | None = None, from_hold: bool = False,
         now: datetime | None = None) -> Entry:
    """Append one entry (the single writer; see the module docstring)."""
    check_amount(amount)
    if not key or len(key) > 128:
        raise FieldErrors({"key": "An idempotency key (≤ 128 characters) is required."})
    direction = direction or CREDIT.get(type)
    if direction not in ("credit", "debit") or (type != "ADJUSTMENT" and CREDIT[type] != direction):
        raise FieldErrors({"type": f"{type} cannot be a {direction}."})
    existing = find_entry(store, key)
    if existing is not None:
        return Entry(existing, False)
    limits = limits or Limits()
    now = now or datetime.now(UTC)
    acting = acting or Acting.system()
    if direction == "debit" and not from_hold and _rate_limited(
            redis, wallet_id, limits.debits_per_minute, now):
        raise Refused("DEBIT_RATE_LIMIT", status=429)
    for _attempt in range(ATTEMPTS):
        wallet = store.get("wallets", wallet_id)
        balance, locked = int(wallet["balance_cents"]), int(wallet["locked_cents"])
        changes: dict[str, Any] = {}
        if wallet.get("status") != "active" and type not in ("REFUND", "RELEASE"):
            raise Refused("WALLET_NOT_ACTIVE")
        new_balance, new_locked = balance, locked
        if type == "HOLD":
            new_balance, new_locked = balance - amount, locked + amount
        elif type == "RELEASE":
            new_balance, new_locked = balance + amount, locked - amount
        elif from_hold:
            new_locked = locked - amount
        elif direction == "credit":
            new_balance = balance + amount
        else:
            new_balance = balance - amount
        if new_balance < 0 or new_locked < 0:
            raise Refused("INSUFFICIENT_BALANCE", status=402)
        if type == "TOPUP":
            today = now.date().isoformat()
            spent = int(wallet["daily_topup_cents"]) if wallet.get("daily_topup_date") == today \
                else 0
            if spent + amount > limits.daily_topup_cents:
                raise Refused("DAILY_TOPUP_LIMIT", status=422)
            changes.update(daily_topup_cents=spent + amount, daily_topup_date=today,
                           last_topup_at=now,
                           lifetime_topup_cents=int(wallet["lifetime_topup_cents"]) + amount)
        if direction == "debit" and type != "HOLD":
            changes.update(last_debit_at=now,
                           lifetime_debit_cents=int(wallet["lifetime_debit_cents"]) + amount)
        changes.update(balance_cents=new_balance, locked_cents=new_locked,
                       version=int(wallet["version"]) + 1)
        try:
            with store.transaction():
                moved = store.update_where("wallets", [
                    Query.equal("$id", wallet_id), Query.equal("version", wallet["version"]),
                ], changes)
                if moved != 1:
                    raise _Stale
                txn = store.create("wallet_transactions", {
                    "wallet_id": wallet_id, "billing_account_id": wallet["billing_account_id"],
                    "type": type, "direction": direction, "amount_cents": amount,
                    "balance_before": balance, "balance_after": new_balance,
                    "locked_before": locked, "locked_after": new_locked,
                    "idempotency_key": key, "description": description[:255],
                    "reference_type": reference_type, "reference_id": reference_id,
                    "actor_id": acting.user_id, "metadata": metadata or {},
                })
                record(store, acting, f"wallet_{type.lower()}", "wallet", wallet_id,
                       changes={"balance_cents": [balance, new_balance]},
                       metadata={"amount_cents": amount, "key": key,
                                 "billing_account_id": wallet["billing_account_id"]})
        except _Stale:
            continue
        except Conflict:
            again = find_entry(store, key)
            if again is None:
                raise
            return Entry(again, False)
        return Entry(txn, True)
    raise Refused("BUSY", "The wallet is busy; try again.", status=503)


class _Stale(Exception):
    """Another writer changed the wallet between the read and the write."""


def hold(store: DocumentStore, wallet_id: str, amount: int, key: str, **kw: Any) -> Entry:
    """Reserve ``amount`` of the balance under ``key``."""
    return post(store, wallet_id, type="HOLD", amount=amount, key=f"hold:{key}",
                reference_type="hold", reference_id=key, **kw)


def _open_hold(store: DocumentStore, key: str) -> Document:
    held = find_entry(store, f"hold:{key}")
    if held is None or find_entry(store, f"release:{key}") or find_entry(store, f"capture:{key}"):
        raise Refused("HOLD_NOT_FOUND", status=404)
    return held


def release(store: DocumentStore, wallet_id: str, key: str, **kw: Any) -> Entry:
    """Give a whole hold back to the balance (once)."""
    done = find_entry(store, f"release:{key}")
    if done is not None:
        return Entry(done, False)
    held = _open_hold(store, key)
    return post(store, wallet_id, type="RELEASE", amount=int(held["amount_cents"]),
                key=f"release:{key}", reference_type="hold", reference_id=key, **kw)


def capture_hold(store: DocumentStore, wallet_id: str, key: str, **kw: Any) -> Entry:
    """Spend a whole hold: a USAGE debit of the held money (the balance does not move)."""
    done = find_entry(store, f"capture:{key}")
    if done is not None:
        return Entry(done, False)
    held = _open_hold(store, key)
    return post(store, wallet_id, type="USAGE", amount=int(held["amount_cents"]),
                key=f"capture:{key}", reference_type="hold", reference_id=key,
                from_hold=True, **kw)


def transactions(store: DocumentStore, wallet_id: str, *, limit: int = 50,
                 type: str | None = None, cursor: str | None = None) -> list[Document]:
    queries = [Query.equal("wallet_id", wallet_id), Query.order_desc("$createdAt"),
               Query.limit(max(1, min(limit, 100)))]
    if type:
        queries.append(Query.equal("type", type))
    if cursor:
        queries.append(Query.cursor_after(cursor))
    return list(store.list("wallet_transactions", queries))


def adjust(store: DocumentStore, acting: Acting, wallet_id: str, amount: int, *, credit: bool,
           reason: str, key: str) -> Entry:
    """A manual correction by an operator (audited, with a reason)."""
    if not reason.strip():
        raise FieldErrors({"reason": "Say why the balance is adjusted."})
    return post(store, wallet_id, type="ADJUSTMENT", direction="credit" if credit else "debit",
                amount=amount, key=key, description=reason.strip(), acting=acting)
