"""The wallet ledger: one writer, never negative, idempotent, caps and limits, holds."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from webapp.features.billing import wallet as w
from webapp.features.billing.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import wallet_id


def _ledger(store: Any, wid: str) -> list[dict[str, Any]]:
    return list(store.list("wallet_transactions", [Query.equal("wallet_id", wid),
                                                   Query.limit(1000)]))


def _balance_from_ledger(store: Any, wid: str) -> tuple[int, int]:
    bal = locked = 0
    for t in _ledger(store, wid):
        amount = t["amount_cents"]
        if t["type"] == "HOLD":
            bal, locked = bal - amount, locked + amount
        elif t["type"] == "RELEASE":
            bal, locked = bal + amount, locked - amount
        elif t["type"] == "USAGE" and t["locked_before"] != t["locked_after"]:
            locked -= amount
        else:
            bal += amount if t["direction"] == "credit" else -amount
    return bal, locked


def test_topup_and_debit_write_balance_before_and_after(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    first = w.post(store, wid, type="TOPUP", amount=1500, key="t1").txn
    second = w.post(store, wid, type="USAGE", amount=400, key="u1").txn
    assert (first["balance_before"], first["balance_after"]) == (0, 1500)
    assert (second["balance_before"], second["balance_after"]) == (1500, 1100)
    wallet = store.get("wallets", wid)
    assert wallet["balance_cents"] == 1100
    assert wallet["lifetime_topup_cents"] == 1500 and wallet["lifetime_debit_cents"] == 400
    assert _balance_from_ledger(store, wid) == (1100, 0)


def test_same_key_twice_is_one_entry(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    a = w.post(store, wid, type="TOPUP", amount=700, key="pay_1")
    b = w.post(store, wid, type="TOPUP", amount=700, key="pay_1")
    assert a.created and not b.created and a.txn["$id"] == b.txn["$id"]
    assert store.get("wallets", wid)["balance_cents"] == 700
    assert len(_ledger(store, wid)) == 1


def test_never_negative(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    w.post(store, wid, type="TOPUP", amount=100, key="t")
    with pytest.raises(Refused) as exc:
        w.post(store, wid, type="USAGE", amount=101, key="u")
    assert exc.value.code == "INSUFFICIENT_BALANCE"
    assert store.get("wallets", wid)["balance_cents"] == 100
    assert len(_ledger(store, wid)) == 1


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", True])
def test_amount_must_be_positive_whole_cents(store: Any, account: Any, amount: Any) -> None:
    with pytest.raises(FieldErrors):
        w.post(store, wallet_id(store, account), type="TOPUP", amount=amount, key="x")


def test_type_and_direction_must_agree(store: Any, account: Any) -> None:
    with pytest.raises(FieldErrors):
        w.post(store, wallet_id(store, account), type="TOPUP", direction="debit", amount=5,
               key="x")


def test_daily_topup_cap(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    limits = w.Limits(daily_topup_cents=1000, debits_per_minute=10)
    day = datetime(2026, 12, 5, 10, tzinfo=UTC)
    w.post(store, wid, type="TOPUP", amount=600, key="a", limits=limits, now=day)
    with pytest.raises(Refused) as exc:
        w.post(store, wid, type="TOPUP", amount=401, key="b", limits=limits, now=day)
    assert exc.value.code == "DAILY_TOPUP_LIMIT"
    w.post(store, wid, type="TOPUP", amount=400, key="c", limits=limits, now=day)
    tomorrow = datetime(2026, 12, 6, 0, 1, tzinfo=UTC)
    w.post(store, wid, type="TOPUP", amount=1000, key="d", limits=limits, now=tomorrow)
    assert store.get("wallets", wid)["balance_cents"] == 2000


def test_debit_rate_limit(store: Any, account: Any, redis_conn: Any) -> None:
    wid = wallet_id(store, account)
    w.post(store, wid, type="TOPUP", amount=10_000, key="t")
    limits = w.Limits(debits_per_minute=3)
    now = datetime(2026, 12, 5, 10, 0, 5, tzinfo=UTC)
    for i in range(3):
        w.post(store, wid, type="USAGE", amount=1, key=f"u{i}", limits=limits,
               redis=redis_conn, now=now)
    with pytest.raises(Refused) as exc:
        w.post(store, wid, type="USAGE", amount=1, key="u3", limits=limits, redis=redis_conn,
               now=now)
    assert exc.value.code == "DEBIT_RATE_LIMIT" and exc.value.status == 429
    later = datetime(2026, 12, 5, 10, 1, 5, tzinfo=UTC)
    w.post(store, wid, type="USAGE", amount=1, key="u4", limits=limits, redis=redis_conn,
           now=later)
    assert store.get("wallets", wid)["balance_cents"] == 10_000 - 4


def test_hold_release_and_capture(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    w.post(store, wid, type="TOPUP", amount=1000, key="t")
    w.hold(store, wid, 600, "job-1")
    wallet = store.get("wallets", wid)
    assert (wallet["balance_cents"], wallet["locked_cents"]) == (400, 600)
    with pytest.raises(Refused):
        w.post(store, wid, type="USAGE", amount=500, key="too-much")  # held money is not free
    w.release(store, wid, "job-1")
    w.release(store, wid, "job-1")  # once
    wallet = store.get("wallets", wid)
    assert (wallet["balance_cents"], wallet["locked_cents"]) == (1000, 0)
    w.hold(store, wid, 300, "job-2")
    w.capture_hold(store, wid, "job-2")
    with pytest.raises(Refused):
        w.release(store, wid, "job-2")  # captured holds cannot come back
    with pytest.raises(Refused):
        w.release(store, wid, "never-held")
    wallet = store.get("wallets", wid)
    assert (wallet["balance_cents"], wallet["locked_cents"]) == (700, 0)
    assert _balance_from_ledger(store, wid) == (700, 0)


def test_concurrent_writers_serialize(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    w.post(store, wid, type="TOPUP", amount=50, key="seed")
    errors: list[BaseException] = []

    def debit(i: int) -> None:
        try:
            w.post(store, wid, type="USAGE", amount=10, key=f"c{i}")
        except Refused as exc:
            if exc.code != "INSUFFICIENT_BALANCE":
                errors.append(exc)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=debit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    wallet = store.get("wallets", wid)
    assert wallet["balance_cents"] == 0  # exactly five of eight debits fit
    assert _balance_from_ledger(store, wid) == (0, 0)
    chain = sorted(_ledger(store, wid), key=lambda t: t["balance_before"], reverse=True)
    for before, after in itertools.pairwise(chain):
        assert before["balance_after"] == after["balance_before"]


def test_frozen_wallet_refuses_topups(store: Any, account: Any) -> None:
    wid = wallet_id(store, account)
    store.update("wallets", wid, {"status": "frozen"})
    with pytest.raises(Refused) as exc:
        w.post(store, wid, type="TOPUP", amount=5, key="t")
    assert exc.value.code == "WALLET_NOT_ACTIVE"
