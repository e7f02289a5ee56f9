"""The usage ledger: the one writer of ``usage_events``.

Quantities are integers: traffic and storage in bytes, compute in milli-units (the
weighted units of ``COMPUTE_WEIGHTS`` x 1000, so a 0.5-unit read is 500). Rules:

- every event has an idempotency key (unique index): recording it again changes nothing;
- an account that is SUSPENDED (or whose organization's billing is frozen for deletion)
  records nothing: ``Refused("BILLING_SUSPENDED" | "BILLING_FROZEN")``;
- an event belongs to the cycle (``YYYY-MM``, UTC) it happened in, unless that cycle is
  already closed (``billing_accounts.closed_cycle``): late events go to the next open cycle,
  so a closed invoice never changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .accounts import is_frozen
from .errors import FieldErrors, Refused

# Weighted compute units per operation (the reference's ``getComputeUnits``); default 1.
COMPUTE_WEIGHTS: dict[str, float] = {
    "task_read": 0.5, "work_item_read": 0.5, "project_read": 0.5, "workspace_read": 0.5,
    "sprint_read": 0.5,
    "task_create": 1, "task_update": 1, "task_delete": 1, "work_item_create": 1,
    "work_item_update": 1, "work_item_delete": 1, "task_bulk_update": 5,
    "sprint_create": 2, "sprint_update": 1, "sprint_delete": 1, "sprint_complete": 3,
    "comment_create": 1, "comment_update": 1, "comment_delete": 1,
    "subtask_create": 1, "subtask_update": 1, "subtask_delete": 1, "subtask_toggle": 0.5,
    "attachment_upload": 2, "attachment_download": 1, "attachment_delete": 1,
    "project_create": 2, "project_update": 1, "project_delete": 2,
    "workspace_create": 3, "workspace_update": 1, "member_invite": 1, "member_remove": 1,
    "space_create": 2, "space_update": 1, "space_delete": 2, "space_member_add": 1,
    "space_member_remove": 1, "workflow_transition": 2, "automation_trigger": 5,
    "automation_run": 3, "notification_send": 1, "notification_batch": 3,
    "ai_summary": 10, "ai_code_review": 20, "ai_doc_generation": 15, "ai_suggestion": 5,
    "aggregation": 3, "sync": 5, "export": 10, "import": 15, "snapshot": 2,
    "alert_evaluation": 2, "cache_rebuild": 1, "revalidation": 0.5,
}
DEFAULT_WEIGHT = 1.0


def compute_milli(operation: str, count: int = 1) -> int:
    return round(COMPUTE_WEIGHTS.get(operation, DEFAULT_WEIGHT) * 1000) * count


def cycle_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_cycle(cycle: str) -> str:
    year, month = (int(p) for p in cycle.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def cycle_bounds(cycle: str) -> tuple[datetime, datetime]:
    """[start, end) of a cycle in UTC."""
    year, month = (int(p) for p in cycle.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    n_year, n_month = (int(p) for p in next_cycle(cycle).split("-"))
    return start, datetime(n_year, n_month, 1, tzinfo=UTC)


def open_cycle(account: Document, moment: datetime) -> str:
    """The cycle an event at ``moment`` lands in (after the account's last closed one)."""
    cycle = cycle_of(moment)
    closed = account.get("closed_cycle")
    if closed and cycle <= closed:
        return next_cycle(closed)
    return cycle


def check_writable(store: DocumentStore, account: Document) -> None:
    if account.get("status") == "SUSPENDED":
        raise Refused("BILLING_SUSPENDED", status=403)
    if is_frozen(store, account):
        raise Refused("BILLING_FROZEN", status=403)


def record_usage(store: DocumentStore, account: Document, *, resource: str, quantity: int,
                 key: str, workspace_id: str | None = None, project_id: str | None = None,
                 operation: str | None = None, source: str = "api", base_quantity: int = 0,
                 occurred_at: datetime | None = None,
                 metadata: dict[str, Any] | None = None) -> tuple[Document, bool]:
    """Append one usage event; returns (event, created). See the module docstring."""
    if resource not in ("traffic", "storage", "compute"):
        raise FieldErrors({"resource": "Unknown resource."})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise FieldErrors({"quantity": "The quantity must be a positive whole number."})
    if not key or len(key) > 160:
        raise FieldErrors({"key": "An idempotency key (≤ 160 characters) is required."})
    existing = store.first("usage_events", [Query.equal("idempotency_key", key)])
    if existing is not None:
        return existing, False
    check_writable(store, account)
    moment = occurred_at or datetime.now(UTC)
    data = {
        "billing_account_id": account["$id"], "workspace_id": workspace_id,
        "project_id": project_id, "resource": resource, "quantity": quantity,
        "base_quantity": base_quantity or quantity, "operation": operation, "source": source,
        "cycle": open_cycle(account, moment), "occurred_at": moment,
        "idempotency_key": key, "metadata": metadata or {},
    }
    if data["cycle"] != cycle_of(moment):
        data["metadata"] = {**data["metadata"], "late_from_cycle": cycle_of(moment)}
    try:
        return store.create("usage_events", data), True
    except Conflict:
        again = store.first("usage_events", [Query.equal("idempotency_key", key)])
        if again is None:
            raise
        return again, False


def record_compute(store: DocumentStore, account: Document, operation: str, *, key: str,
                   count: int = 1, **kw: Any) -> tuple[Document, bool]:
    """Compute usage: ``count`` operations weighted by ``COMPUTE_WEIGHTS``."""
    if count <= 0:
        raise FieldErrors({"count": "The count must be positive."})
    return record_usage(store, account, resource="compute",
                        quantity=compute_milli(operation, count), base_quantity=1000 * count,
                        operation=operation, key=key, **kw)


def events_of_cycle(store: DocumentStore, account_id: str, cycle: str) -> list[Document]:
    """Every usage event of an account's cycle (paged through the cursor)."""
    out: list[Document] = []
    cursor: str | None = None
    while True:
        queries = [Query.equal("billing_account_id", account_id), Query.equal("cycle", cycle),
                   Query.order_asc("$id"), Query.limit(1000)]
        if cursor:
            queries.append(Query.cursor_after(cursor))
        page = list(store.list("usage_events", queries))
        out.extend(page)
        if len(page) < 1000:
            return out
        cursor = page[-1]["$id"]
