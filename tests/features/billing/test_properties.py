"""Property-based: random sequences of top-ups, usage, holds, cycles and duplicated or
reordered webhooks keep every invariant (reconcile reports no drift)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.audit import Acting
from webapp.features.billing import cycle, ledger, payments
from webapp.features.billing import wallet as w
from webapp.features.billing.errors import Refused
from webapp.features.billing.reconcile import reconcile

from .conftest import wallet_id

STEP = st.one_of(
    st.tuples(st.just("topup"), st.integers(1, 5000)),
    st.tuples(st.just("usage"), st.integers(1, 3000)),
    st.tuples(st.just("hold"), st.integers(1, 2000)),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("meter"), st.integers(1, 3 * 1024 ** 3)),
    st.tuples(st.just("close"), st.integers(1, 3)),
    st.tuples(st.just("pay"), st.integers(100, 3000)),
    st.tuples(st.just("replay"), st.integers(0, 5)),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_random_sequences_keep_the_invariants(app: Any, runtime: Any, rzp: Any, store: Any,
                                              account: Any, steps: list[tuple[str, int]]) -> None:
    wid = wallet_id(store, account)
    client = app.test_client()
    seq = store.count("wallet_transactions")  # examples share the store: keys stay unique
    holds: list[str] = []
    hooks: list[tuple[bytes, dict[str, str]]] = []
    for n, (op, value) in enumerate(steps):
        key = f"{seq}-{n}"
        try:
            if op == "topup":
                w.post(store, wid, type="TOPUP", amount=value, key=f"t{key}")
            elif op == "usage":
                w.post(store, wid, type="USAGE", amount=value, key=f"u{key}")
            elif op == "hold":
                w.hold(store, wid, value, f"h{key}")
                holds.append(f"h{key}")
            elif op == "release" and holds:
                w.release(store, wid, holds[value % len(holds)])
            elif op == "meter":
                acct = store.get("billing_accounts", account["$id"])
                if acct["status"] != "SUSPENDED":
                    ledger.record_usage(store, acct, resource="traffic", quantity=value,
                                        key=f"m{key}", occurred_at=datetime.now(UTC))
            elif op == "close":
                month = datetime(2030 + value, 1, 1, tzinfo=UTC)
                cycle.close_cycle(store, runtime.settings, month, cycle=f"{2029 + value}-12")
            elif op == "pay":
                payment = payments.create_topup(store, runtime.settings, None,
                                                Acting.system(), account, value)
                paid = rzp.pay(payment["order_id"])
                hooks.append(rzp.webhook("payment.captured", paid["razorpay_payment_id"]))
            elif op == "replay" and hooks:
                body, headers = hooks[value % len(hooks)]
                assert client.post("/webhooks/razorpay", data=body,
                                   headers=headers).status_code == 200
        except Refused:
            pass  # refused steps must leave no trace; reconcile checks that
        wallet = store.get("wallets", wid)
        assert wallet["balance_cents"] >= 0 and wallet["locked_cents"] >= 0
    for body, headers in reversed(hooks):  # every webhook delivered again, in reverse
        client.post("/webhooks/razorpay", data=body, headers=headers)
    report = reconcile(store, runtime.settings)
    assert report.ok, report.problems
