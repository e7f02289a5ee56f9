"""Storage snapshots and the daily usage summaries.

``snapshot_all`` (daily job) records, per workspace and UTC day, the bytes and number of
files it keeps in the files port: every document of a collection with ``workspace_id`` and
``file_id`` attributes (attachments, docs …; ``bucket`` when the collection has one), the
workspace image and its projects' images. One snapshot per workspace and day (unique
index), so a second run the same day changes nothing. A cycle's storage is billed in
GB-months: the average of the daily GB over the days of the month (days without a
snapshot count as zero).

``aggregate_day`` rolls one day of usage events and that day's snapshot into one
``usage_daily`` row per workspace; re-running it rewrites the same rows with the same sums.
Raw events are kept: the invoice is computed from them, so every cent stays traceable.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .accounts import account_for_workspace, is_frozen

GB = Decimal(1024 ** 3)


def _pages(store: DocumentStore, collection: str, queries: list[Query]) -> Iterator[Document]:
    cursor: str | None = None
    while True:
        page = list(store.list(collection, [*queries, Query.order_asc("$id"), Query.limit(500),
                                            *([Query.cursor_after(cursor)] if cursor else [])]))
        yield from page
        if len(page) < 500:
            return
        cursor = page[-1]["$id"]


def workspace_files(store: DocumentStore, workspace: Document) -> Iterator[tuple[str, str]]:
    """(bucket, file id) of every file a workspace keeps."""
    if workspace.get("image_file_id"):
        yield "images", str(workspace["image_file_id"])
    for project in _pages(store, "projects", [Query.equal("workspace_id", workspace["$id"])]):
        if project.get("image_file_id"):
            yield "images", str(project["image_file_id"])
    for collection in store.schema:
        if collection.has("workspace_id") and collection.has("file_id"):
            bucket_attr = collection.has("bucket")
            for doc in _pages(store, collection.id,
                              [Query.equal("workspace_id", workspace["$id"])]):
                bucket = str(doc.get("bucket") or "attachments") if bucket_attr else \
                    "attachments"
                yield bucket, str(doc["file_id"])


def measure(store: DocumentStore, files: Any, workspace: Document) -> tuple[int, int]:
    total, count = 0, 0
    for bucket, file_id in workspace_files(store, workspace):
        try:
            total += int(files.size(bucket, file_id))
        except Exception:  # noqa: S112 - a dangling reference: the file is gone, nothing to bill
            continue
        count += 1
    return total, count


def snapshot_workspace(store: DocumentStore, files: Any, workspace: Document,
                       day: date) -> Document | None:
    """The day's snapshot of one workspace (created once); None when billing is frozen."""
    existing = store.first("storage_snapshots", [
        Query.equal("workspace_id", workspace["$id"]), Query.equal("date", day.isoformat())])
    if existing is not None:
        return existing
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    account = account_for_workspace(store, workspace, at)
    if is_frozen(store, account):
        return None
    nbytes, count = measure(store, files, workspace)
    try:
        return store.create("storage_snapshots", {
            "workspace_id": workspace["$id"], "billing_account_id": account["$id"],
            "date": day.isoformat(), "cycle": day.strftime("%Y-%m"),
            "bytes": nbytes, "files": count,
        })
    except Conflict:
        return store.first("storage_snapshots", [
            Query.equal("workspace_id", workspace["$id"]), Query.equal("date", day.isoformat())])


def snapshot_all(store: DocumentStore, files: Any, day: date) -> int:
    made = 0
    for workspace in _pages(store, "workspaces", []):
        if workspace.get("org_deleted_at"):
            continue
        if snapshot_workspace(store, files, workspace, day) is not None:
            made += 1
    return made


def byte_days(store: DocumentStore, account_id: str, cycle: str) -> tuple[int, int, int]:
    """(Σ daily bytes, snapshots counted, days in the month) of an account's cycle."""
    year, month = (int(p) for p in cycle.split("-"))
    total, n = 0, 0
    for snap in _pages(store, "storage_snapshots", [
            Query.equal("billing_account_id", account_id), Query.equal("cycle", cycle)]):
        total += int(snap["bytes"])
        n += 1
    return total, n, calendar.monthrange(year, month)[1]


def gb_months(store: DocumentStore, account_id: str, cycle: str) -> tuple[Decimal, int]:
    """(average GB over the month's days, snapshots counted) of an account's cycle."""
    year, month = (int(p) for p in cycle.split("-"))
    days = calendar.monthrange(year, month)[1]
    total, n = 0, 0
    for snap in _pages(store, "storage_snapshots", [
            Query.equal("billing_account_id", account_id), Query.equal("cycle", cycle)]):
        total += int(snap["bytes"])
        n += 1
    return Decimal(total) / GB / Decimal(days), n


def aggregate_day(store: DocumentStore, day: date) -> int:
    """Write the day's ``usage_daily`` rows (idempotent); returns how many."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    sums: dict[str, dict[str, Any]] = {}

    def row(ws_id: str, account_id: str) -> dict[str, Any]:
        return sums.setdefault(ws_id, {"billing_account_id": account_id, "traffic_bytes": 0,
                                       "compute_milli": 0, "storage_bytes": 0,
                                       "storage_files": 0, "events": 0})

    for event in _pages(store, "usage_events", [
            Query.greater_than_equal("occurred_at", start), Query.less_than("occurred_at", end)]):
        if not event.get("workspace_id"):
            continue
        r = row(event["workspace_id"], event["billing_account_id"])
        r["events"] += 1
        if event["resource"] == "traffic":
            r["traffic_bytes"] += int(event["quantity"])
        elif event["resource"] == "compute":
            r["compute_milli"] += int(event["quantity"])
    for snap in _pages(store, "storage_snapshots", [Query.equal("date", day.isoformat())]):
        r = row(snap["workspace_id"], snap["billing_account_id"])
        r["storage_bytes"], r["storage_files"] = int(snap["bytes"]), int(snap["files"])
    for ws_id, values in sums.items():
        data = {**values, "workspace_id": ws_id, "date": day.isoformat(),
                "cycle": day.strftime("%Y-%m")}
        existing = store.first("usage_daily", [Query.equal("workspace_id", ws_id),
                                               Query.equal("date", day.isoformat())])
        if existing is None:
            try:
                store.create("usage_daily", data)
                continue
            except Conflict:
                existing = store.first("usage_daily", [Query.equal("workspace_id", ws_id),
                                                       Query.equal("date", day.isoformat())])
        assert existing is not None
        store.update("usage_daily", existing["$id"], data)
    return len(sums)
