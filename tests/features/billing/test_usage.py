"""Usage ledger, traffic metering, storage snapshots and daily summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from webapp.features.billing import ledger, metering, storage
from webapp.features.billing.accounts import account_for_workspace, ensure_account
from webapp.features.billing.errors import FieldErrors, Refused
from webapp.storage.query import Query

NOV = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_compute_weights_are_documented_values(store: Any, account: Any) -> None:
    assert ledger.compute_milli("task_read") == 500
    assert ledger.compute_milli("ai_code_review") == 20_000
    assert ledger.compute_milli("unknown_thing", 3) == 3000
    event, created = ledger.record_compute(store, account, "task_bulk_update", key="c1",
                                           count=2, occurred_at=NOV)
    assert created and event["quantity"] == 10_000 and event["base_quantity"] == 2000
    assert event["cycle"] == "2026-11"


def test_idempotent_events(store: Any, account: Any) -> None:
    a, first = ledger.record_usage(store, account, resource="traffic", quantity=10, key="k")
    b, second = ledger.record_usage(store, account, resource="traffic", quantity=10, key="k")
    assert first and not second and a["$id"] == b["$id"]
    assert store.count("usage_events", [Query.equal("billing_account_id", account["$id"])]) == 1


@pytest.mark.parametrize("quantity", [0, -1, 2.5])
def test_bad_quantities(store: Any, account: Any, quantity: Any) -> None:
    with pytest.raises(FieldErrors):
        ledger.record_usage(store, account, resource="traffic", quantity=quantity, key="q")


def test_suspended_accounts_record_nothing(store: Any, account: Any) -> None:
    account = store.update("billing_accounts", account["$id"], {"status": "SUSPENDED"})
    with pytest.raises(Refused) as exc:
        ledger.record_usage(store, account, resource="compute", quantity=1000, key="s")
    assert exc.value.code == "BILLING_SUSPENDED"
    assert store.count("usage_events") == 0


def test_frozen_org_records_nothing(store: Any, org: Any, org_ws: Any) -> None:
    store.update("organizations", org["$id"], {"billing_frozen_at": NOV})
    acct = ensure_account(store, organization_id=org["$id"])
    with pytest.raises(Refused) as exc:
        ledger.record_usage(store, acct, resource="traffic", quantity=5, key="f")
    assert exc.value.code == "BILLING_FROZEN"


def test_late_events_go_to_the_next_cycle(store: Any, account: Any) -> None:
    account = store.update("billing_accounts", account["$id"], {"closed_cycle": "2026-11"})
    event, _ = ledger.record_usage(store, account, resource="traffic", quantity=9, key="late",
                                   occurred_at=NOV)
    assert event["cycle"] == "2026-12"
    assert event["metadata"]["late_from_cycle"] == "2026-11"


def test_cycle_helpers() -> None:
    assert ledger.next_cycle("2026-12") == "2027-01"
    start, end = ledger.cycle_bounds("2026-02")
    assert (start.day, end.month, (end - start).days) == (1, 3, 28)


def test_workspace_bills_to_org_and_conversion_boundary(store: Any, org: Any, org_ws: Any,
                                                        owner: Any) -> None:
    assert account_for_workspace(store, org_ws)["owner_key"] == f"org:{org['$id']}"
    store.update("organizations", org["$id"], {"billing_start_at": NOV})
    before = account_for_workspace(store, org_ws, datetime(2026, 11, 1, tzinfo=UTC))
    after = account_for_workspace(store, org_ws, datetime(2026, 11, 21, tzinfo=UTC))
    assert before["owner_key"] == f"user:{owner['$id']}"
    assert after["owner_key"] == f"org:{org['$id']}"


def test_metering_batches_and_flushes_once(store: Any, redis_conn: Any, alice_ws: Any) -> None:
    t = datetime(2026, 12, 5, 10, 0, 30, tzinfo=UTC)
    for _ in range(5):
        metering.note(redis_conn, alice_ws["$id"], "proj1", 1000, now=t)
    metering.note(redis_conn, alice_ws["$id"], None, 24, now=t)
    # the current minute waits; the next minute flushes it
    assert metering.flush(store, redis_conn, now=t).events == 0
    result = metering.flush(store, redis_conn, now=datetime(2026, 12, 5, 10, 1, tzinfo=UTC))
    assert (result.events, result.bytes) == (2, 5024)
    events = list(store.list("usage_events", [Query.equal("workspace_id", alice_ws["$id"])]))
    assert sorted(e["quantity"] for e in events) == [24, 5000]
    assert {e["project_id"] for e in events} == {"proj1", None}
    assert metering.flush(store, redis_conn, everything=True).events == 0
    assert store.count("usage_events") == 2


def test_metering_crash_mid_flush_counts_once(store: Any, redis_conn: Any,
                                              alice_ws: Any) -> None:
    t = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    metering.note(redis_conn, alice_ws["$id"], None, 300, now=t)
    # a flusher renamed the bucket, wrote its event and died before cleaning up
    metering.flush(store, redis_conn, everything=True)
    name = f"{metering.PREFIX}f:replay:abc"
    redis_conn.hset(name, f"{alice_ws['$id']}|", 300)
    event = store.first("usage_events", [])
    minute, token = event["idempotency_key"].split(":")[1:3]
    replay = f"{metering.PREFIX}f:{minute}:{token}"
    redis_conn.rename(name, replay)
    redis_conn.sadd(metering.FLUSHING, replay)
    metering.flush(store, redis_conn)
    assert store.count("usage_events") == 1
    assert not redis_conn.smembers(metering.FLUSHING)


def test_metering_drops_bytes_of_suspended_accounts(store: Any, redis_conn: Any, alice_ws: Any,
                                                    account: Any) -> None:
    store.update("billing_accounts", account["$id"], {"status": "SUSPENDED"})
    metering.note(redis_conn, alice_ws["$id"], None, 50)
    result = metering.flush(store, redis_conn, everything=True)
    assert (result.events, result.dropped) == (0, 50)


def test_storage_snapshots_and_gb_months(store: Any, runtime: Any, alice_ws: Any,
                                         account: Any) -> None:
    files = runtime.files
    files.put("images", "wslogo1", b"x" * 2048, content_type="image/png")
    store.update("workspaces", alice_ws["$id"], {"image_file_id": "wslogo1"})
    ws = store.get("workspaces", alice_ws["$id"])
    snap = storage.snapshot_workspace(store, files, ws, date(2026, 11, 3))
    again = storage.snapshot_workspace(store, files, ws, date(2026, 11, 3))
    assert snap["$id"] == again["$id"] and (snap["bytes"], snap["files"]) == (2048, 1)
    assert storage.snapshot_all(store, files, date(2026, 11, 4)) >= 1
    avg, n = storage.gb_months(store, account["$id"], "2026-11")
    assert n == 2
    assert avg == Decimal(2 * 2048) / storage.GB / 30


def test_daily_aggregation_is_idempotent(store: Any, account: Any, alice_ws: Any) -> None:
    for i, resource in enumerate(("traffic", "traffic", "compute")):
        ledger.record_usage(store, account, resource=resource, quantity=1000 + i, key=f"e{i}",
                            workspace_id=alice_ws["$id"], occurred_at=NOV)
    assert storage.aggregate_day(store, NOV.date()) == 1
    assert storage.aggregate_day(store, NOV.date()) == 1
    rows = list(store.list("usage_daily", []))
    assert len(rows) == 1
    assert (rows[0]["traffic_bytes"], rows[0]["compute_milli"], rows[0]["events"]) == (
        2001, 1002, 3)
