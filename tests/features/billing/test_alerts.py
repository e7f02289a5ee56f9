"""Usage alerts: validation, firing over the threshold, the 24-hour cool-down, channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs import billing as billing_jobs
from jobs.context import bound
from webapp.audit import Acting
from webapp.features.billing import alerts, ledger
from webapp.features.billing.errors import FieldErrors
from webapp.storage.mail import read_outbox

NOW = datetime(2026, 12, 20, 10, 30, tzinfo=UTC)
GB = 1024 ** 3


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"resource": "cpu", "threshold": 5}, "resource"),
    ({"resource": "traffic", "threshold": 0}, "threshold"),
    ({"resource": "traffic", "threshold": 5, "channel": "sms"}, "channel"),
    ({"resource": "traffic", "threshold": 5, "channel": "webhook"}, "webhook_url"),
])
def test_alert_validation(store: Any, alice_ws: Any, kwargs: dict[str, Any],
                          field: str) -> None:
    with pytest.raises(FieldErrors) as exc:
        alerts.create_alert(store, Acting.system(), alice_ws, **kwargs)
    assert field in exc.value.errors


def test_fires_once_per_day_over_the_threshold(store: Any, account: Any, alice_ws: Any) -> None:
    alert = alerts.create_alert(store, Acting.system(), alice_ws, resource="traffic",
                                threshold=2)
    ledger.record_usage(store, account, resource="traffic", quantity=2 * GB, key="a",
                        workspace_id=alice_ws["$id"], occurred_at=NOW - timedelta(days=2))
    assert alerts.evaluate(store, NOW) == []  # 2 GB is not over 2
    ledger.record_usage(store, account, resource="traffic", quantity=1, key="b",
                        workspace_id=alice_ws["$id"], occurred_at=NOW - timedelta(hours=1))
    fired = alerts.evaluate(store, NOW)
    assert [f.alert["$id"] for f in fired] == [alert["$id"]]
    assert fired[0].title == "Usage Alert: traffic threshold exceeded"
    assert alerts.evaluate(store, NOW + timedelta(hours=23)) == []
    assert len(alerts.evaluate(store, NOW + timedelta(hours=24))) == 1
    # last month's usage does not count this month
    assert alerts.evaluate(store, datetime(2027, 1, 5, tzinfo=UTC)) == []


def test_suspended_accounts_are_skipped(store: Any, account: Any, alice_ws: Any) -> None:
    alerts.create_alert(store, Acting.system(), alice_ws, resource="compute", threshold=1)
    ledger.record_compute(store, account, "ai_summary", key="c", workspace_id=alice_ws["$id"],
                          occurred_at=NOW)
    store.update("billing_accounts", account["$id"], {"status": "SUSPENDED"})
    assert alerts.evaluate(store, NOW) == []


def test_job_mails_and_posts_webhooks(runtime: Any, store: Any, rzp: Any, account: Any,
                                      alice_ws: Any) -> None:
    alerts.create_alert(store, Acting.system(), alice_ws, resource="compute", threshold=5,
                        channel="email")
    alerts.create_alert(store, Acting.system(), alice_ws, resource="compute", threshold=5,
                        channel="webhook", webhook_url=f"{rzp.url}/hooks/usage")
    ledger.record_compute(store, account, "ai_summary", key="c", workspace_id=alice_ws["$id"],
                          occurred_at=NOW)
    with bound(runtime):
        assert billing_jobs.evaluate_usage_alerts(NOW.isoformat()) == 2
        assert billing_jobs.evaluate_usage_alerts(NOW.isoformat()) == 0
    mails = read_outbox(runtime.settings.instance_path / "outbox")
    assert [m["Subject"] for m in mails] == ["Usage Alert: compute threshold exceeded"]
    assert "POST /hooks/usage" in rzp.requests
