"""Time logged on work items: duration, day, note, billable.

* Durations are entered as hours (``1.5``), ``h``/``m`` forms (``1h 30m``, ``45m``) or
  ``H:MM`` (``1:30``); each log is more than 0 and at most 24 hours, rounded to the
  minute. The day is a calendar day, not in the future.
* Only the person who logged time edits or deletes it.
* The item's ``remaining_hours`` follows the logs when it has an estimate:
  ``max(0, estimated_hours - logged)``, written on every log write (a version-checked item
  write with an audit row). Without an estimate it is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.items.service import StaleEdit, scope
from webapp.features.items.validate import as_bool, as_date
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

MAX_HOURS_PER_LOG = 24.0
MAX_NOTE = 1000
_HM = re.compile(r"^\s*(?:(\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*"
                 r"(?:(\d+)\s*m(?:in(?:utes?)?)?)?\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*$")
AUDITED = ("hours", "log_date", "note", "is_billable")


@dataclass(frozen=True)
class Totals:
    logged: float
    estimate: float | None
    remaining: float | None

    @property
    def variance(self) -> float | None:
        """Logged minus estimate (positive: over the estimate)."""
        return None if self.estimate is None else round(self.logged - self.estimate, 2)

    @property
    def variance_pct(self) -> float | None:
        if not self.estimate:
            return None
        return round((self.logged - self.estimate) / self.estimate * 100, 1)


def parse_hours(raw: Any) -> float:
    """Hours from ``1.5``, ``1h 30m``, ``90m`` or ``1:30``; raises ValueError."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        hours = float(raw)
    else:
        text = str(raw or "").strip()
        if not text:
            raise ValueError("Enter how long you worked, e.g. 1.5, 1h 30m or 1:30.")
        if text.startswith("-"):
            raise ValueError("The duration must be more than zero.")
        clock = _CLOCK.match(text)
        hm = _HM.match(text)
        try:
            if clock:
                hours = int(clock.group(1)) + int(clock.group(2)) / 60
            elif re.fullmatch(r"\d+(?:[.,]\d+)?", text):
                hours = float(text.replace(",", "."))
            elif hm and (hm.group(1) or hm.group(2)):
                hours = float((hm.group(1) or "0").replace(",", ".")) + int(hm.group(2) or 0) / 60
            else:
                raise ValueError
        except ValueError:
            raise ValueError("Enter a duration such as 1.5, 1h 30m, 45m or 1:30.") from None
    if hours != hours or hours <= 0:
        raise ValueError("The duration must be more than zero.")
    if hours > MAX_HOURS_PER_LOG:
        raise ValueError("One log can hold at most 24 hours; split longer work by day.")
    return round(round(hours * 60) / 60, 4)


def _clean(values: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if "hours" in values:
        try:
            out["hours"] = parse_hours(values.get("hours"))
        except ValueError as exc:
            errors["hours"] = str(exc)
    if "log_date" in values:
        try:
            day = as_date(values.get("log_date")) or datetime.now(UTC).replace(
                hour=0, minute=0, second=0, microsecond=0)
            if day.date() > (today or datetime.now(UTC).date()):
                errors["log_date"] = "Time cannot be logged for a future day."
            out["log_date"] = day
        except ValueError:
            errors["log_date"] = "Enter a date as YYYY-MM-DD."
    if "note" in values:
        note = str(values.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            errors["note"] = f"Use at most {MAX_NOTE} characters."
        out["note"] = note or None
    if "is_billable" in values:
        out["is_billable"] = as_bool(values.get("is_billable"))
    if errors:
        raise FieldErrors(errors)
    return out


def logs_for(store: DocumentStore, item_id: str) -> list[Document]:
    return list(store.list("time_logs", [Query.equal("item_id", item_id),
                                         Query.order_desc("log_date"),
                                         Query.order_desc("$createdAt"), Query.limit(1000)]))


def totals(item: Document, logs: Sequence[Document]) -> Totals:
    logged = round(sum(float(x.get("hours") or 0) for x in logs), 2)
    estimate = item.get("estimated_hours")
    remaining = item.get("remaining_hours")
    return Totals(logged, float(estimate) if estimate is not None else None,
                  float(remaining) if remaining is not None else None)


def _sync_remaining(store: DocumentStore, acting: Acting, project: Document,
                    item_id: str) -> None:
    """Rewrite the item's remaining hours from its estimate and logs (inside the write)."""
    item = store.get("work_items", item_id)
    if item.get("estimated_hours") is None:
        return
    logged = sum(float(x.get("hours") or 0) for x in logs_for(store, item_id))
    remaining = round(max(0.0, float(item["estimated_hours"]) - logged), 2)
    if item.get("remaining_hours") is not None and float(item["remaining_hours"]) == remaining:
        return
    version = int(item.get("version") or 1)
    written = store.update_where("work_items", [Query.equal("$id", item_id),
                                                Query.equal("version", version)],
                                 {"remaining_hours": remaining, "version": version + 1})
    if not written:
        raise StaleEdit(store.get("work_items", item_id), {})
    record(store, acting, "work_item_updated", "work_item", item_id,
           resource_name=item["key"], changes=diff(item, {"remaining_hours": remaining},
                                                   ("remaining_hours",)),
           metadata={"version": version + 1, "reason": "time_logged"},
           **scope(store, project))


def get_log(store: DocumentStore, item: Document, log_id: str) -> Document:
    found = store.find("time_logs", log_id)
    if found is None or found["item_id"] != item["$id"]:
        raise Refused("TIME_LOG_NOT_FOUND", "This time log does not exist.", status=404)
    return found


def log_time(store: DocumentStore, acting: Acting, project: Document, item: Document,
             values: Mapping[str, Any], *, today: date | None = None) -> Document:
    clean = _clean({"log_date": None, "note": None, "is_billable": False, **values},
                   today=today)
    if "hours" not in clean:
        raise FieldErrors({"hours": "Enter how long you worked, e.g. 1.5, 1h 30m or 1:30."})
    with store.transaction():
        log = store.create("time_logs", {
            **clean, "item_id": item["$id"], "project_id": project["$id"],
            "workspace_id": project["workspace_id"], "user_id": acting.user_id})
        record(store, acting, "time_logged", "time_log", log["$id"], resource_name=item["key"],
               changes=diff(None, log, AUDITED), metadata={"item_id": item["$id"]},
               **scope(store, project))
        _sync_remaining(store, acting, project, item["$id"])
    return log


def _own(store: DocumentStore, acting: Acting, item: Document, log_id: str) -> Document:
    found = get_log(store, item, log_id)
    if found["user_id"] != acting.user_id:
        raise Refused("NOT_OWN_LOG", "Only the person who logged this time can change it.",
                      status=403)
    return found


def edit_log(store: DocumentStore, acting: Acting, project: Document, item: Document,
             log_id: str, values: Mapping[str, Any], *, today: date | None = None
             ) -> Document:
    before = _own(store, acting, item, log_id)
    clean = _clean({k: v for k, v in values.items() if k in AUDITED}, today=today)
    with store.transaction():
        after = store.update("time_logs", log_id, clean)
        record(store, acting, "time_log_edited", "time_log", log_id, resource_name=item["key"],
               changes=diff(before, after, AUDITED), metadata={"item_id": item["$id"]},
               **scope(store, project))
        _sync_remaining(store, acting, project, item["$id"])
    return after


def delete_log(store: DocumentStore, acting: Acting, project: Document, item: Document,
               log_id: str) -> None:
    before = _own(store, acting, item, log_id)
    with store.transaction():
        store.delete("time_logs", log_id)
        record(store, acting, "time_log_deleted", "time_log", log_id,
               resource_name=item["key"], changes=diff(before, {}, AUDITED),
               metadata={"item_id": item["$id"]}, **scope(store, project))
        _sync_remaining(store, acting, project, item["$id"])
