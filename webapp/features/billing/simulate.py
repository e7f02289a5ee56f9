"""A billing simulation through the real services (demos, benchmarks, reconciliation).

``simulate`` opens ``accounts`` synthetic billing accounts (owner key ``sim:<run>:<n>``,
no user), then for each of ``months`` cycles: usage events (traffic and compute) for the
accounts that are not suspended, random top-ups credited through ``payments.credit_payment``
(each one delivered twice, like a duplicated webhook), the cycle close on the 1st and grace
enforcement 15 days later. Afterwards ``reconcile`` must report no drift.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from webapp.storage.base import DocumentStore

from . import cycle as cycles
from . import ledger, payments


@dataclass
class Simulation:
    run: str
    accounts: int = 0
    events: int = 0
    topups: int = 0
    duplicates: int = 0
    invoices: int = 0
    failed: int = 0
    suspended: int = 0


def simulate(store: DocumentStore, settings: Any, *, accounts: int, months: int,
             seed: int = 0, first_cycle: str = "2031-01") -> Simulation:
    rng = random.Random(seed)
    sim = Simulation(run=secrets.token_hex(3))
    ids = []
    for n in range(accounts):
        with store.transaction():
            account = store.create("billing_accounts", {
                "type": "PERSONAL", "owner_key": f"sim:{sim.run}:{n}"})
            store.create("wallets", {"billing_account_id": account["$id"]})
        ids.append(account["$id"])
    sim.accounts = accounts
    cycle = first_cycle
    for month in range(months):
        start, end = ledger.cycle_bounds(cycle)
        for n, account_id in enumerate(ids):
            account = store.get("billing_accounts", account_id)
            if account["status"] != "SUSPENDED":
                at = start + timedelta(days=rng.randrange(27), minutes=rng.randrange(1440))
                ledger.record_usage(store, account, resource="traffic",
                                    quantity=rng.randrange(1, 40 * 1024 ** 3),
                                    key=f"sim:{sim.run}:t:{n}:{month}", occurred_at=at)
                ledger.record_compute(store, account, rng.choice(list(ledger.COMPUTE_WEIGHTS)),
                                      count=rng.randrange(1, 3000),
                                      key=f"sim:{sim.run}:c:{n}:{month}", occurred_at=at)
                sim.events += 2
            if rng.random() < 0.7:
                cents = rng.randrange(100, 800)
                payment = store.create("payments", {
                    "billing_account_id": account_id,
                    "order_id": f"sim_order_{sim.run}_{n}_{month}", "amount_cents": cents,
                    "amount_paise": payments.paise_for(cents, Decimal("83.50")),
                    "exchange_rate": "83.50"})
                payment_id = f"sim_pay_{sim.run}_{n}_{month}"
                when = start + timedelta(days=rng.randrange(27))
                payments.credit_payment(store, payment, payment_id, now=when)
                payments.credit_payment(store, store.get("payments", payment["$id"]),
                                        payment_id, now=when)  # the duplicate delivery
                sim.topups += 1
                sim.duplicates += 1
        run = cycles.close_cycle(store, settings, end + timedelta(minutes=5), cycle=cycle)
        sim.invoices += run.invoices
        sim.failed += run.failed
        sim.suspended += len(cycles.enforce_grace(store, end + timedelta(days=15)))
        cycle = ledger.next_cycle(cycle)
    return sim
