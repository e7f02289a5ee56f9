"""Cleaning a work item's editable fields; every message names what to fix.

Values arrive from forms (strings) or from services (typed values); both are accepted.
Labels are free text (trimmed, at most 20, 64 characters each); the project's labels only
add colours. Dates are calendar days stored as midnight UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from webapp.features.items import people
from webapp.features.items.query import custom_field_tokens
from webapp.features.projects import helpers
from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.base import Document, DocumentStore

FIELDS = (
    "title", "description", "type", "priority", "assignee_ids", "team_ids", "reporter_id",
    "labels", "story_points", "estimated_hours", "remaining_hours", "start_date", "due_date",
    "epic_id", "parent_id", "sprint_id", "flagged", "custom_fields",
)


class Bad(ValueError):
    """A value the user must fix; its text is the field's message."""


MAX_TITLE, MAX_DESCRIPTION, MAX_LABELS, MAX_HOURS = 500, 65535, 20, 100000


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def as_number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    return float(value)


def as_date(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    day = date.fromisoformat(str(value).strip()[:10])
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "y")
    return bool(value)


def clean(store: DocumentStore, project: Document, raw: Mapping[str, Any], *,
          current: Document | None = None) -> dict[str, Any]:
    """Clean the fields named in ``raw`` (``current``: the item being edited, if any).

    Raises ``FieldErrors`` with one message per bad field; nothing is written.
    """
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    base = dict(current or {})

    def check(name: str, fn: Any) -> None:
        if name not in raw:
            return
        try:
            out[name] = fn(raw[name])
        except FieldErrors as exc:
            errors.update(exc.errors)
        except Bad as exc:
            errors[name] = str(exc)
        except (TypeError, ValueError):
            errors[name] = _GENERIC[name]

    def title(v: Any) -> str:
        text = str(v or "").strip()
        if not text:
            raise Bad("Enter a title.")
        if len(text) > MAX_TITLE:
            raise Bad(f"Use at most {MAX_TITLE} characters.")
        return text

    def description(v: Any) -> str | None:
        text = str(v or "").replace("\r\n", "\n")
        if len(text) > MAX_DESCRIPTION:
            raise Bad(f"Use at most {MAX_DESCRIPTION} characters.")
        return text if text.strip() else None

    def item_type(v: Any) -> str:
        key = str(v or "").strip().upper()
        if key not in helpers.type_keys(project):
            raise Bad("Choose a work type of this project.")
        return key

    def priority(v: Any) -> str:
        key = str(v or "").strip().upper()
        if key not in helpers.priority_keys(project):
            raise Bad("Choose a priority of this project.")
        return key

    member_ids: set[str] | None = None

    def project_people() -> set[str]:
        nonlocal member_ids
        if member_ids is None:
            member_ids = {p.user_id for p in people.members(store, project["$id"])}
        return member_ids

    def assignees(v: Any) -> list[str]:
        ids = list(dict.fromkeys(as_list(v)))
        before = set(base.get("assignee_ids") or [])
        for uid in ids:
            if uid not in before and not people.may_be_assigned(store, project, uid,
                                                                project_people()):
                raise Bad("Assignees must be active members of this project.")
        return ids

    def teams(v: Any) -> list[str]:
        ids = list(dict.fromkeys(as_list(v)))
        known = {t["$id"] for t in people.teams(store, project["$id"])} if ids else set()
        if any(t not in known for t in ids):
            raise Bad("Choose teams of this project.")
        return ids

    def reporter(v: Any) -> str | None:
        uid = str(v or "").strip() or None
        if uid and uid != base.get("reporter_id") and not people.may_be_assigned(
                store, project, uid, project_people()):
            raise Bad("The reporter must be an active member of this project.")
        return uid

    def labels(v: Any) -> list[str]:
        names = list(dict.fromkeys(as_list(v)))
        if len(names) > MAX_LABELS:
            raise Bad(f"Use at most {MAX_LABELS} labels.")
        if any(len(n) > 64 for n in names):
            raise Bad("Keep each label to 64 characters.")
        return names

    def points(v: Any) -> float | None:
        n = as_number(v)
        if n is not None and not 0 <= n <= 100:
            raise Bad("Story points must be between 0 and 100.")
        return n

    def hours(v: Any) -> float | None:
        n = as_number(v)
        if n is not None and not 0 <= n <= MAX_HOURS:
            raise Bad(f"Enter hours between 0 and {MAX_HOURS}.")
        return n

    def related(name: str, label: str) -> Any:
        def fn(v: Any) -> str | None:
            rid = str(v or "").strip() or None
            if rid is None:
                return None
            other = store.find("work_items", rid)
            if other is None or other["project_id"] != project["$id"] or (
                    current is not None and rid == current["$id"]):
                raise Bad(f"Choose {label} of this project.")
            if name == "epic_id" and other.get("type") != "EPIC":
                raise Bad("Choose an epic of this project.")
            if name == "parent_id" and current is not None and _descends(store, rid,
                                                                          current["$id"]):
                raise Bad("A work item cannot be placed under its own sub-issue.")
            return rid
        return fn

    def sprint(v: Any) -> str | None:
        sid = str(v or "").strip() or None
        if sid is None or sid == base.get("sprint_id"):
            return sid
        found = store.find("sprints", sid)
        if found is None or found["project_id"] != project["$id"]:
            raise Bad("Choose a sprint of this project.")
        if found.get("status") in ("COMPLETED", "CANCELLED"):
            raise Bad("This sprint is closed; choose a planned or active sprint.")
        return sid

    check("title", title)
    check("description", description)
    check("type", item_type)
    check("priority", priority)
    check("assignee_ids", assignees)
    check("team_ids", teams)
    check("reporter_id", reporter)
    check("labels", labels)
    check("story_points", points)
    check("estimated_hours", hours)
    check("remaining_hours", hours)
    check("start_date", as_date)
    check("due_date", as_date)
    check("epic_id", related("epic_id", "an epic"))
    check("parent_id", related("parent_id", "a parent work item"))
    check("sprint_id", sprint)
    check("flagged", as_bool)
    if "custom_fields" in raw:
        try:
            out["custom_fields"] = custom_values(store, project, raw["custom_fields"] or {},
                                                 item_type=out.get("type") or base.get("type"),
                                                 partial=current is not None,
                                                 current=base.get("custom_fields") or {})
            out["custom_values"] = custom_field_tokens(out["custom_fields"])
        except FieldErrors as exc:
            errors.update(exc.errors)
    start = out.get("start_date", base.get("start_date"))
    due = out.get("due_date", base.get("due_date"))
    if start and due and due < start and ("start_date" in out or "due_date" in out):
        errors["due_date"] = "The due date cannot be before the start date."
    if errors:
        raise FieldErrors(errors)
    return out


_GENERIC = {
    "story_points": "Story points must be between 0 and 100.",
    "estimated_hours": "Enter a number of hours.",
    "remaining_hours": "Enter a number of hours.",
    "start_date": "Enter a date as YYYY-MM-DD.",
    "due_date": "Enter a date as YYYY-MM-DD.",
}
for _name in FIELDS:
    _GENERIC.setdefault(_name, "Check this value.")


def _descends(store: DocumentStore, candidate_id: str, item_id: str) -> bool:
    """True when ``candidate_id`` is ``item_id`` or sits below it (parent chain)."""
    seen: set[str] = set()
    cursor: str | None = candidate_id
    while cursor and cursor not in seen:
        if cursor == item_id:
            return True
        seen.add(cursor)
        doc = store.find("work_items", cursor)
        cursor = doc.get("parent_id") if doc else None
    return False


def custom_values(store: DocumentStore, project: Document, raw: Mapping[str, Any], *,
                  item_type: str | None, partial: bool,
                  current: Mapping[str, Any]) -> dict[str, Any]:
    """Custom field values cleaned by the fields module, merged over ``current``."""
    if not isinstance(raw, Mapping):
        raise FieldErrors({"custom_fields": "Custom field values are not valid."})
    try:
        from webapp.features.fields import service as fields
    except ImportError:  # the fields module is not installed yet
        return {**dict(current), **dict(raw)}
    defs = fields.fields_for(store, project, item_type)
    cleaned = fields.validate_values(defs, raw, partial=partial)
    return {**dict(current), **cleaned} if partial else dict(cleaned)
