"""Traffic metering overhead: the per-request cost of the billing metering hook.

A signed-in personal user requests their workspace page (a metered request) on a real app
(SQLite, Redis from ``REDIS_URL``). ``metering_overhead_pct`` is the median cost of the
hook's work (one pipelined round trip: two ``HINCRBY`` + ``SADD``) as a share of the
median metered request. An A/B of the same page with metering switched off is printed as
a comment (noisier: the difference is within the requests' own jitter).

``billing_cycle_10k_accounts_s`` (target 60): the monthly cycle close (invoice, wallet
debit, grace) of 500 accounts, scaled to 10,000.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import Figure, p50_ms


def run() -> list[Figure]:
    from webapp import create_app
    from webapp.config import Settings
    from webapp.features.billing import metering
    from webapp.features.workspaces.service import create_workspace
    from webapp.identity import service as identity
    from webapp.identity.sessions import sign_in
    from webapp.identity.tokens import utcnow

    with tempfile.TemporaryDirectory(prefix="keel-bench-") as folder:
        settings = Settings(
            KEEL_INSTANCE=folder,  # type: ignore[call-arg]
            SECRET_KEY="bench-secret-key",  # type: ignore[call-arg]
            REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),  # type: ignore[call-arg]
            DATABASE_URL=f"sqlite:///{Path(folder) / 'keel.db'}",  # type: ignore[call-arg]
            MAIL_URL=f"outbox://{Path(folder) / 'outbox'}",  # type: ignore[call-arg]
            KEEL_TESTING=True,  # type: ignore[call-arg]
        )
        app = create_app(settings)
        rt = app.extensions["keel.runtime"]
        try:
            store = rt.store
            user = identity.signup(store, name="Bench", email="bench-meter@example.com",
                                   password="correct horse battery", accept_terms=True,
                                   accept_dpa=True)
            user = store.update("users", user["$id"], {"email_verified_at": utcnow(),
                                                       "account_type": "PERSONAL"})
            from webapp.audit import Acting

            ws = create_workspace(store, Acting.of(user), owner_id=user["$id"], name="Bench")
            client = app.test_client()
            with client.session_transaction() as session:
                sign_in(session, user["$id"])
            path = f"/w/{ws['$id']}"

            def page() -> Any:
                response = client.get(path)
                assert response.status_code == 200, response.status_code
                return response

            request_ms = p50_ms(page, runs=200, warmup=20)
            hook_ms = p50_ms(lambda: metering.note(rt.redis, ws["$id"], None, 12345,
                                                   compute_milli=500), runs=2000, warmup=50)
            settings.metering_enabled = False
            off_ms = p50_ms(page, runs=200, warmup=20)
            settings.metering_enabled = True
            on_ms = p50_ms(page, runs=200, warmup=20)
            print(f"# metering A/B: page p50 {on_ms:.2f} ms with, {off_ms:.2f} ms without "
                  f"({(on_ms - off_ms) / off_ms * 100:+.1f}%); hook p50 {hook_ms:.3f} ms",
                  file=sys.stderr)
            metering.flush(store, rt.redis, everything=True)
        finally:
            rt.close()
    return [Figure("metering_overhead_pct", hook_ms / request_ms * 100, "%", 2),
            _cycle_figure()]


CYCLE_ACCOUNTS = 500


def _cycle_figure() -> Figure:
    """``billing_cycle_10k_accounts_s``: the cycle close of ``CYCLE_ACCOUNTS`` accounts with
    usage and a wallet (a third cannot pay), scaled to 10,000 accounts (SQLite)."""
    import time
    from datetime import UTC, datetime

    from webapp.config import Settings
    from webapp.features.billing import cycle, ledger
    from webapp.features.billing import wallet as w
    from webapp.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="keel-bench-") as folder:
        rt = Runtime(Settings(
            KEEL_INSTANCE=folder,  # type: ignore[call-arg]
            SECRET_KEY="bench-secret-key",  # type: ignore[call-arg]
            REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),  # type: ignore[call-arg]
            DATABASE_URL=f"sqlite:///{Path(folder) / 'keel.db'}",  # type: ignore[call-arg]
        ))
        try:
            store = rt.store
            store.migrate()
            for n in range(CYCLE_ACCOUNTS):
                with store.transaction():
                    account = store.create("billing_accounts", {
                        "type": "PERSONAL", "owner_key": f"bench:{n}"})
                    wallet = store.create("wallets", {"billing_account_id": account["$id"]})
                w.post(store, wallet["$id"], type="TOPUP", amount=1000 if n % 3 else 10,
                       key=f"bench-t{n}")
                ledger.record_usage(store, account, resource="traffic",
                                    quantity=5 * 1024 ** 3, key=f"bench-e{n}",
                                    occurred_at=datetime(2031, 1, 5, tzinfo=UTC))
            start = time.perf_counter()
            run = cycle.close_cycle(store, rt.settings, datetime(2031, 2, 1, tzinfo=UTC))
            elapsed = time.perf_counter() - start
            assert run.invoices == CYCLE_ACCOUNTS and not run.errors
        finally:
            rt.close()
    return Figure("billing_cycle_10k_accounts_s", elapsed * 10_000 / CYCLE_ACCOUNTS, "s", 60)
