"""Traffic metering: request + response bytes of workspace-scoped requests.

The request hook (``web.py``) only adds bytes to a Redis hash per minute — one pipelined
round trip of ``HINCRBY`` + ``SADD`` — keyed ``<workspace>|<project>``, and the request's
compute weight (``ledger.COMPUTE_WEIGHTS`` of the operation its endpoint performs, see
``operation_for``) under ``c:<workspace>|<project>``. ``flush`` turns
finished minutes into usage events through the ledger; it runs every minute as a job and
once more (``everything=True``) when a web process shuts down.

Crash safety: a bucket is first renamed to a unique "flushing" name (atomic), and the
events written from it carry idempotency keys made of that name, so a flush that dies
half-way is finished by the next one without counting anything twice. Bytes of a
suspended account are dropped (the ledger refuses them).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import RedisError

from webapp.storage.base import Document, DocumentStore

from .accounts import account_for_workspace
from .errors import Refused
from .ledger import record_usage

log = logging.getLogger(__name__)

PREFIX = "keel:meter:"
BUCKETS = PREFIX + "buckets"
FLUSHING = PREFIX + "flushing"


def _minute(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d%H%M")


def note(redis: Redis, workspace_id: str, project_id: str | None, nbytes: int,
         now: datetime | None = None, compute_milli: int = 0) -> None:
    """Count ``nbytes`` (and compute milli-units) for a workspace (and project) in this
    minute's bucket."""
    if nbytes <= 0 and compute_milli <= 0:
        return
    bucket = PREFIX + "m:" + _minute(now or datetime.now(UTC))
    where = f"{workspace_id}|{project_id or ''}"
    pipe = redis.pipeline(transaction=False)
    if nbytes > 0:
        pipe.hincrby(bucket, where, nbytes)
    if compute_milli > 0:
        pipe.hincrby(bucket, "c:" + where, compute_milli)
    pipe.sadd(BUCKETS, bucket)
    pipe.execute()


@dataclass
class FlushResult:
    buckets: int = 0
    events: int = 0
    bytes: int = 0
    dropped: int = 0


def flush(store: DocumentStore, redis: Redis, *, everything: bool = False,
          now: datetime | None = None) -> FlushResult:
    """Write the counted bytes as usage events (finished minutes; all with ``everything``)."""
    now = now or datetime.now(UTC)
    current = PREFIX + "m:" + _minute(now)
    result = FlushResult()
    for raw in sorted(redis.smembers(BUCKETS)):
        bucket = raw.decode() if isinstance(raw, bytes) else str(raw)
        if bucket >= current and not everything:
            continue
        target = f"{PREFIX}f:{bucket.rsplit(':', 1)[-1]}:{secrets.token_hex(6)}"
        pipe = redis.pipeline(transaction=True)
        pipe.sadd(FLUSHING, target)
        pipe.srem(BUCKETS, bucket)
        pipe.execute()
        try:
            redis.rename(bucket, target)
        except RedisError:  # the bucket vanished (another flusher took it)
            redis.srem(FLUSHING, target)
    for raw in sorted(redis.smembers(FLUSHING)):
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        _drain(store, redis, name, result)
    return result


def _drain(store: DocumentStore, redis: Redis, name: str, result: FlushResult) -> None:
    minute, token = name.rsplit(":", 2)[-2:]
    at = datetime.strptime(minute, "%Y%m%d%H%M").replace(tzinfo=UTC)
    workspaces: dict[str, Document | None] = {}
    for field, value in redis.hgetall(name).items():
        field_s = field.decode() if isinstance(field, bytes) else str(field)
        nbytes = int(value)
        resource = "traffic"
        if field_s.startswith("c:"):
            resource, field_s = "compute", field_s[2:]
        ws_id, _, project_id = field_s.partition("|")
        if ws_id not in workspaces:
            workspaces[ws_id] = store.find("workspaces", ws_id)
        workspace = workspaces[ws_id]
        if workspace is None or nbytes <= 0:
            result.dropped += nbytes
            continue
        try:
            account = account_for_workspace(store, workspace, at)
            _event, created = record_usage(
                store, account, resource=resource, quantity=nbytes,
                key=f"{resource}:{minute}:{token}:{ws_id}:{project_id}", workspace_id=ws_id,
                project_id=project_id or None, operation="http", source="api",
                occurred_at=at, metadata={"minute": minute})
        except Refused:
            result.dropped += nbytes
            continue
        if created:
            result.events += 1
            result.bytes += nbytes if resource == "traffic" else 0
    redis.delete(name)
    redis.srem(FLUSHING, name)
    result.buckets += 1


def flush_quietly(store_of: Callable[[], DocumentStore], redis: Redis) -> None:
    """The shutdown flush: everything, never raising."""
    try:
        flush(store_of(), redis, everything=True)
    except Exception:  # shutting down: log and go
        log.exception("traffic metering flush at shutdown failed")


# Endpoints whose operation has its own compute weight; other workspace-scoped requests
# count as a read (GET) or a plain write (the default weight).
OPERATIONS: dict[str, str] = {
    "items.create": "work_item_create", "items.add_sub": "subtask_create",
    "items.edit": "work_item_update", "items.delete": "work_item_delete",
    "items.move": "workflow_transition", "table.bulk_edit": "task_bulk_update",
    "items.clone": "work_item_create", "items.split": "work_item_create",
    "items.checklist_toggle": "subtask_toggle",
    "planning.sprint_create": "sprint_create", "planning.sprint_edit": "sprint_update",
    "planning.sprint_delete": "sprint_delete", "planning.sprint_complete": "sprint_complete",
    "planning_items.comment_add": "comment_create",
    "planning_items.comment_edit": "comment_update",
    "planning_items.comment_delete": "comment_delete",
    "planning_items.attachment_upload": "attachment_upload",
    "planning_items.attachment_delete": "attachment_delete",
    "projects.create": "project_create", "spaces.create": "space_create",
}


def operation_for(endpoint: str | None, method: str) -> str:
    """The compute operation a request performs (for its weight)."""
    found = OPERATIONS.get(endpoint or "")
    if found:
        return found
    if "ai" in (endpoint or "").split(".")[0].split("_"):
        return "ai_suggestion"
    return "work_item_read" if method in ("GET", "HEAD") else "work_item_update"
