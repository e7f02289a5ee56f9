"""Project settings: general values, custom work types / priorities / labels, copy settings.

* General: name, description, board type (SCRUM/KANBAN/HYBRID), status (ACTIVE/ON_HOLD/
  COMPLETED; ARCHIVED is the Danger zone's), dates (deadline not before start), default
  assignee (an active project member), auto-assign creator, default swimlane, sprint
  defaults (1-60 days, start weekday 0=Sunday .. 6=Saturday).
* Custom types/priorities/labels live on the project document; keys are unique across the
  built-ins and the customs. A custom type or priority that items still use is not removed.
* Copy settings takes another project's custom types, priorities and labels (same
  workspace); entries whose key/name the target already has are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.projects import helpers
from webapp.features.projects.service import REMOVED, scope_of
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

BOARD_TYPES = ("SCRUM", "KANBAN", "HYBRID")
STATUSES = ("ACTIVE", "ON_HOLD", "COMPLETED", "ARCHIVED")
SWIMLANES = ("none", "assignee", "epic", "type")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
CUSTOM_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
KINDS = {"types": "custom_types", "priorities": "custom_priorities", "labels": "custom_labels"}
MAX_CUSTOM = 50
GENERAL_FIELDS = (
    "name", "description", "board_type", "status", "start_date", "deadline",
    "default_assignee_id", "auto_assign_creator", "default_swimlane",
    "default_sprint_duration", "sprint_start_day", "color",
)


def parse_day(value: Any, field: str, errors: dict[str, str]) -> datetime | None:
    """A date from a form (``YYYY-MM-DD``) as midnight UTC; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = "Enter a date like 2026-03-31."
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def check_dates(start: datetime | None, deadline: datetime | None,
                errors: dict[str, str]) -> None:
    if start and deadline and deadline < start:
        errors["deadline"] = "The deadline cannot be before the start date."


def check_name(name: str | None, errors: dict[str, str]) -> str:
    clean = (name or "").strip()
    if not clean:
        errors["name"] = "Enter a name."
    elif len(clean) > 128:
        errors["name"] = "Use at most 128 characters."
    return clean


def check_choice(value: Any, allowed: tuple[str, ...], field: str, message: str,
                 errors: dict[str, str]) -> str:
    text = str(value or "")
    if text not in allowed:
        errors[field] = message
    return text


def _int(value: Any, field: str, low: int, high: int, message: str,
         errors: dict[str, str]) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = message
        return low
    if not low <= number <= high:
        errors[field] = message
    return number


def is_active_member(store: DocumentStore, project_id: str, user_id: str) -> bool:
    row = store.first("project_members", [Query.equal("project_id", project_id),
                                          Query.equal("user_id", user_id)])
    return row is not None and row["status"] != REMOVED


def update_general(store: DocumentStore, acting: Acting, project_id: str,
                   values: Mapping[str, Any]) -> Document:
    """Validate and save the General tab; FieldErrors name the form fields."""
    project = store.get("projects", project_id)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"name": check_name(values.get("name"), errors)}
    text = (values.get("description") or "").strip()
    if len(text) > 2000:
        errors["description"] = "Use at most 2000 characters."
    data["description"] = text or None
    data["board_type"] = check_choice(values.get("board_type"), BOARD_TYPES, "board_type",
                                      "Choose Scrum, Kanban or Hybrid.", errors)
    status = str(values.get("status") or project.get("status") or "ACTIVE")
    if project.get("status") == "ARCHIVED":
        status = "ARCHIVED"  # unarchive in the Danger zone
    else:
        check_choice(status, STATUSES[:3], "status",
                     "Choose Active, On hold or Completed.", errors)
    data["status"] = status
    data["start_date"] = parse_day(values.get("start_date"), "start_date", errors)
    data["deadline"] = parse_day(values.get("deadline"), "deadline", errors)
    check_dates(data["start_date"], data["deadline"], errors)
    assignee = values.get("default_assignee_id") or None
    if assignee and not is_active_member(store, project_id, assignee):
        errors["default_assignee_id"] = "Choose a member of this project."
    data["default_assignee_id"] = assignee
    data["auto_assign_creator"] = bool(values.get("auto_assign_creator"))
    data["default_swimlane"] = check_choice(
        values.get("default_swimlane") or "none", SWIMLANES, "default_swimlane",
        "Choose none, assignee, epic or type.", errors)
    data["default_sprint_duration"] = _int(
        values.get("default_sprint_duration", 14), "default_sprint_duration", 1, 60,
        "Use a whole number of days from 1 to 60.", errors)
    data["sprint_start_day"] = _int(values.get("sprint_start_day", 1), "sprint_start_day", 0,
                                    6, "Choose a weekday.", errors)
    color = (values.get("color") or "").strip()
    if color and not COLOR_RE.match(color):
        errors["color"] = "Use a colour like #2563eb."
    data["color"] = color or None
    if errors:
        raise FieldErrors(errors)
    data["last_modified_by"] = acting.user_id
    with store.transaction():
        after = store.update("projects", project_id, data)
        changes = diff(project, after, GENERAL_FIELDS)
        if changes:
            record(store, acting, "project_settings_updated", "project", project_id,
                   resource_name=after["name"], changes=changes, **scope_of(store, project))
    return after


def set_image(store: DocumentStore, acting: Acting, project_id: str,
              file_id: str | None) -> Document:
    """Point the project at a stored image (``workspaces.images.store_image``) or none."""
    project = store.get("projects", project_id)
    with store.transaction():
        after = store.update("projects", project_id, {"image_file_id": file_id})
        record(store, acting, "project_image_changed", "project", project_id,
               resource_name=project["name"], changes=diff(project, after, ("image_file_id",)),
               **scope_of(store, project))
    return after


# -- custom types, priorities, labels -------------------------------------------------------
def _existing_keys(project: Document, kind: str) -> set[str]:
    if kind == "types":
        return {t["key"] for t in helpers.item_types(project)}
    if kind == "priorities":
        return {p["key"] for p in helpers.priorities(project)}
    return {str(x["name"]).casefold() for x in helpers.labels(project)}


def clean_custom(project: Document, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """One custom entry from form values (raises FieldErrors)."""
    errors: dict[str, str] = {}
    color = (values.get("color") or "").strip() or "#64748b"
    if not COLOR_RE.match(color):
        errors["color"] = "Use a colour like #2563eb."
    if len(project.get(KINDS[kind]) or []) >= MAX_CUSTOM:
        errors["name" if kind == "labels" else "key"] = f"A project has at most {MAX_CUSTOM}."
    if kind == "labels":
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = "Enter a label."
        elif len(name) > 64:
            errors["name"] = "Use at most 64 characters."
        elif name.casefold() in _existing_keys(project, kind):
            errors["name"] = "This project already has this label."
        if errors:
            raise FieldErrors(errors)
        return {"name": name, "color": color}
    key = (values.get("key") or "").strip().upper()
    label = (values.get("label") or "").strip()
    if not CUSTOM_KEY_RE.match(key):
        errors["key"] = "Use 2 to 32 capital letters, digits or _, starting with a letter."
    elif key in _existing_keys(project, kind):
        errors["key"] = "This key is already in use."
    if not label:
        errors["label"] = "Enter a name."
    elif len(label) > 64:
        errors["label"] = "Use at most 64 characters."
    entry: dict[str, Any] = {"key": key, "label": label, "color": color}
    if kind == "types":
        icon = (values.get("icon") or "").strip() or "square"
        if not re.match(r"^[a-z0-9-]{1,32}$", icon):
            errors["icon"] = "Use an icon name like bug or star."
        entry["icon"] = icon
    else:
        entry["level"] = _int(values.get("level", 2), "level", 1, 9,
                              "Use a level from 1 (lowest) to 9.", errors)
    if errors:
        raise FieldErrors(errors)
    return entry


def add_custom(store: DocumentStore, acting: Acting, project_id: str, kind: str,
               values: Mapping[str, Any]) -> Document:
    project = store.get("projects", project_id)
    entry = clean_custom(project, kind, values)
    attr = KINDS[kind]
    rows = [*list(project.get(attr) or []), entry]
    with store.transaction():
        after = store.update("projects", project_id, {attr: rows})
        record(store, acting, f"project_{kind}_added", "project", project_id,
               resource_name=project["name"], metadata={"entry": entry},
               **scope_of(store, project))
    return after


def remove_custom(store: DocumentStore, acting: Acting, project_id: str, kind: str,
                  key: str) -> Document:
    """Remove a custom entry; a type or priority that items still use is refused."""
    project = store.get("projects", project_id)
    attr = KINDS[kind]
    name = "name" if kind == "labels" else "key"
    rows = list(project.get(attr) or [])
    keep = [r for r in rows if r.get(name) != key]
    if len(keep) == len(rows):
        raise Refused("NOT_FOUND", "There is no such entry.", status=404)
    if kind != "labels":
        used = store.count("work_items", [Query.equal("project_id", project_id),
                                          Query.equal("type" if kind == "types" else
                                                      "priority", key)])
        if used:
            what = "type" if kind == "types" else "priority"
            raise Refused("IN_USE", f"{used} work item(s) use this {what}; change them first.")
    with store.transaction():
        after = store.update("projects", project_id, {attr: keep})
        record(store, acting, f"project_{kind}_removed", "project", project_id,
               resource_name=project["name"], metadata={name: key},
               **scope_of(store, project))
    return after


def copy_settings(store: DocumentStore, acting: Acting, project_id: str,
                  source_id: str) -> Document:
    """Add the source project's custom types, priorities and labels the target lacks."""
    project = store.get("projects", project_id)
    source = store.find("projects", source_id) if source_id else None
    if source is None or source["workspace_id"] != project["workspace_id"] or (
        source["$id"] == project_id
    ):
        raise FieldErrors({"source_id": "Choose another project of this workspace."})
    data: dict[str, Any] = {}
    added = 0
    for kind, attr in KINDS.items():
        have = _existing_keys(project, kind)
        rows = list(project.get(attr) or [])
        for entry in source.get(attr) or []:
            ident = str(entry.get("name" if kind == "labels" else "key") or "")
            ident = ident.casefold() if kind == "labels" else ident
            if ident and ident not in have and len(rows) < MAX_CUSTOM:
                rows.append(dict(entry))
                have.add(ident)
                added += 1
        data[attr] = rows
    with store.transaction():
        after = store.update("projects", project_id, data)
        record(store, acting, "project_settings_copied", "project", project_id,
               resource_name=project["name"],
               metadata={"source_id": source_id, "source_key": source["key"], "added": added},
               **scope_of(store, project))
    return after
