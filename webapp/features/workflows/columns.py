"""A project's board columns: custom columns, built-in column settings, WIP limits.

* Custom columns are project-local statuses (``custom_columns``): name ≤64, colour, icon,
  category todo / in_progress / done / cancelled. Their key (the status items carry) comes
  from the name and never equals a workflow status key or another column's key (a
  ``_2``... suffix is added). A new column goes last.
* Workflow status columns are enabled/disabled and ordered per project in
  ``column_settings``; custom columns carry ``is_enabled``/``position`` themselves. A
  column holding work items, or the workflow's initial status, cannot be disabled
  (COLUMN_NOT_EMPTY / COLUMN_INITIAL): cards never vanish from the board.
* Deleting a custom column that holds items needs ``move_to`` (another column); the items
  move in the same transaction (COLUMN_NOT_EMPTY otherwise).
* WIP limits: ``projects.wip_limits`` ``{key: n}``, 1-999; blank or 0 removes the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.workflows import engine
from webapp.features.workflows.cache import new_rev, touch
from webapp.features.workflows.statuses import COLOR_RE, KEY_RE, clean_key, clean_name
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

CATEGORIES = ("todo", "in_progress", "done", "cancelled")
MAX = 5000
Refused.MESSAGES.update({
    "COLUMN_NOT_EMPTY": "Work items still sit in this column; move them first.",
    "COLUMN_INITIAL": "The workflow's initial status cannot be hidden: new work items land "
                      "there.",
})


def _audit(store: DocumentStore, acting: Acting, action: str, project: Mapping[str, Any],
           **kwargs: Any) -> None:
    record(store, acting, action, "project", project["$id"], resource_name=project.get("name"),
           workspace_id=project["workspace_id"], project_id=project["$id"], **kwargs)


def _count_items(store: DocumentStore, project: Mapping[str, Any], key: str) -> int:
    return store.count("work_items", [Query.equal("project_id", project["$id"]),
                                      Query.equal("status", key)])


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    clean_name(values, out, errors, 64)
    if "color" in values:
        color = (values.get("color") or "").strip()
        if color and not COLOR_RE.match(color):
            errors["color"] = "Use a colour like #3b82f6."
        out["color"] = color or None
    if "icon" in values:
        out["icon"] = (values.get("icon") or "").strip()[:32] or None
    if "status_category" in values:
        if values.get("status_category") not in CATEGORIES:
            errors["status_category"] = "Choose to do, in progress, done or cancelled."
        out["status_category"] = values.get("status_category")
    if errors:
        raise FieldErrors(errors)
    return out


def _column(store: DocumentStore, project: Mapping[str, Any], column_id: str) -> Document:
    found = store.find("custom_columns", column_id) if column_id else None
    if found is None or found["project_id"] != project["$id"]:
        raise Refused("NOT_FOUND", "This column does not exist.", status=404)
    return found


def add_custom_column(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                      values: Mapping[str, Any]) -> Document:
    clean = _clean({"status_category": "todo", **values, "name": values.get("name")})
    columns = engine.all_statuses(store, project)
    taken = {c.key for c in columns}
    base = clean_key(clean["name"])
    base = base if KEY_RE.match(base) else f"C_{base}"[:30]
    if not KEY_RE.match(base):
        base = "COLUMN"
    key, n = base[:32], 2
    while key in taken:
        key, n = f"{base[:32]}_{n}", n + 1
    position = int(max((c.position for c in columns), default=0)) + 1000
    with store.transaction():
        column = store.create("custom_columns", {
            **clean, "key": key, "project_id": project["$id"],
            "workspace_id": project["workspace_id"], "is_enabled": True, "position": position})
        touch(store, project_id=project["$id"])
        _audit(store, acting, "custom_column_added", project, metadata={"key": key},
               changes=diff(None, column, ("name", "color", "status_category")))
    return column


def update_custom_column(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                         column_id: str, values: Mapping[str, Any]) -> Document:
    column = _column(store, project, column_id)
    clean = _clean({k: values[k] for k in ("name", "color", "icon", "status_category")
                    if k in values})
    with store.transaction():
        after = store.update("custom_columns", column_id, clean)
        touch(store, project_id=project["$id"])
        if clean.get("status_category", column["status_category"]) != column["status_category"]:
            category = engine.CUSTOM_CATEGORY[after["status_category"]]
            store.update_where("work_items", [Query.equal("project_id", project["$id"]),
                                              Query.equal("status", column["key"])],
                               {"status_category": category})
        changes = diff(column, after, ("name", "color", "icon", "status_category"))
        if changes:
            _audit(store, acting, "custom_column_updated", project, changes=changes,
                   metadata={"key": column["key"]})
    return after


def delete_custom_column(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                         column_id: str, *, move_to: str | None = None) -> int:
    """Delete a custom column; returns how many items moved to ``move_to``."""
    column = _column(store, project, column_id)
    items = store.list("work_items", [
        Query.equal("project_id", project["$id"]), Query.equal("status", column["key"]),
        Query.select("$id", "version", "status_category"), Query.limit(MAX)]).documents
    target = None
    if move_to:
        target = engine.column_for(store, project, move_to)
        if target is None or target.key == column["key"]:
            raise FieldErrors({"move_to": "Choose another column."})
    if items and target is None:
        raise Refused("COLUMN_NOT_EMPTY", f"{len(items)} work item(s) still sit in "
                      f"“{column['name']}”; choose a column to move them to.")
    with store.transaction():
        for item in items:
            assert target is not None
            values: dict[str, Any] = {"status": target.key, "status_category": target.category,
                                      "version": int(item.get("version") or 1) + 1}
            if target.category != "CLOSED":
                values["resolved_at"] = None
            store.update("work_items", item["$id"], values)
        store.delete("custom_columns", column_id)
        _drop_wip(store, project, column["key"])
        touch(store, project_id=project["$id"])
        _audit(store, acting, "custom_column_deleted", project,
               metadata={"key": column["key"], "items_moved": len(items),
                         "moved_to": target.key if target else None})
    return len(items)


def _drop_wip(store: DocumentStore, project: Mapping[str, Any], key: str) -> None:
    limits = dict(store.get("projects", project["$id"]).get("wip_limits") or {})
    if key in limits:
        limits.pop(key)
        store.update("projects", project["$id"], {"wip_limits": limits})


def _setting(store: DocumentStore, project: Mapping[str, Any], key: str,
             values: Mapping[str, Any]) -> None:
    existing = store.first("column_settings", [Query.equal("project_id", project["$id"]),
                                               Query.equal("column_key", key)])
    if existing is None:
        store.create("column_settings", {"project_id": project["$id"], "column_key": key,
                                         "workspace_id": project["workspace_id"], **values})
    else:
        store.update("column_settings", existing["$id"], values)


def set_enabled(store: DocumentStore, acting: Acting, project: Mapping[str, Any], key: str,
                enabled: bool) -> None:
    column = engine.column_for(store, project, key)
    if column is None:
        raise Refused("NOT_FOUND", "This column does not exist.", status=404)
    if not enabled:
        if column.source == "workflow" and engine.initial_status(store, project).key == key:
            raise Refused("COLUMN_INITIAL")
        count = _count_items(store, project, key)
        if count:
            raise Refused("COLUMN_NOT_EMPTY", f"{count} work item(s) sit in “{column.name}”; "
                          "move them before hiding the column.")
    with store.transaction():
        if column.source == "custom":
            store.update("custom_columns", str(column.custom_id), {"is_enabled": enabled})
        else:
            _setting(store, project, key, {"is_enabled": enabled,
                                           "position": int(column.position)})
        touch(store, project_id=project["$id"])
        _audit(store, acting, "board_column_toggled", project,
               changes={"is_enabled": [column.enabled, enabled]}, metadata={"key": key})


def reorder(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
            keys: list[str]) -> None:
    """Columns in the order of ``keys`` (unknown keys ignored, missing ones keep their
    relative order after the named ones)."""
    columns = engine.all_statuses(store, project)
    by_key = {c.key: c for c in columns}
    order = [k for k in dict.fromkeys(keys) if k in by_key]
    order += [c.key for c in columns if c.key not in order]
    with store.transaction():
        for index, key in enumerate(order):
            column, position = by_key[key], (index + 1) * 1000
            if column.position == position:
                continue
            if column.source == "custom":
                store.update("custom_columns", str(column.custom_id), {"position": position})
            else:
                _setting(store, project, key, {"position": position,
                                               "is_enabled": column.enabled})
        touch(store, project_id=project["$id"])
        _audit(store, acting, "board_columns_reordered", project, metadata={"order": order})


def move(store: DocumentStore, acting: Acting, project: Mapping[str, Any], key: str,
         offset: int) -> None:
    """Move one column a place left (-1) or right (+1)."""
    keys = [c.key for c in engine.all_statuses(store, project)]
    if key not in keys:
        raise Refused("NOT_FOUND", "This column does not exist.", status=404)
    index = keys.index(key)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(keys):
        keys[index], keys[target] = keys[target], keys[index]
        reorder(store, acting, project, keys)


def set_wip_limits(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                   values: Mapping[str, Any]) -> dict[str, int]:
    """Set the limits named in ``values`` ({key: "3" | 3 | "" }); errors keyed ``wip_<key>``."""
    keys = {c.key for c in engine.all_statuses(store, project)}
    current = dict(store.get("projects", project["$id"]).get("wip_limits") or {})
    limits = {k: v for k, v in current.items() if k in keys}
    errors: dict[str, str] = {}
    for key, raw in values.items():
        if key not in keys:
            continue
        text = str(raw if raw is not None else "").strip()
        if not text or text == "0":
            limits.pop(key, None)
            continue
        if not text.isdigit() or not 1 <= int(text) <= 999:
            errors[f"wip_{key}"] = "Use a whole number from 1 to 999, or leave it empty."
            continue
        limits[key] = int(text)
    if errors:
        raise FieldErrors(errors)
    with store.transaction():
        store.update("projects", project["$id"], {"wip_limits": limits, "config_rev": new_rev()})
        if limits != current:
            _audit(store, acting, "wip_limits_changed", project,
                   changes={"wip_limits": [current, limits]})
    return limits
