"""Statuses and transitions of a workflow.

* A status key is unique per workflow, ``^[A-Z][A-Z0-9_]{0,35}$`` (input is upper-cased,
  spaces become ``_``); its type is OPEN / IN_PROGRESS / CLOSED. One status is initial:
  marking another initial unmarks the previous one; the first status is initial.
  A key cannot change while work items of projects using the workflow sit in it.
* Deleting a status removes its transitions and the projects' column settings for it.
  When items of projects using the workflow still sit in it the delete is refused
  (STATUS_IN_USE, with the count) unless ``move_to`` names another status of the workflow:
  those items then move there in the same transaction (nothing is left pointing at a
  status that no longer exists). Deleting the initial status makes the first remaining
  one initial. The result reports how many transitions and items were affected.
* A transition goes from a status (or from any: ``from_status_id`` None) to another; the
  same pair appears once. Roles are project role names; teams and approver teams are
  project teams of the workspace. ``auto_transition`` needs a condition
  (ALL_SUBTASKS_DONE or APPROVAL_RECEIVED).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.workflows.cache import touch
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,35}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_name(values: Mapping[str, Any], out: dict[str, Any], errors: dict[str, str],
               limit: int) -> None:
    """Put the trimmed ``name`` of ``values`` (when given) into ``out``, or its message
    into ``errors``."""
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = "Enter a name."
        elif len(name) > limit:
            errors["name"] = f"Use at most {limit} characters."
        out["name"] = name
TYPES = ("OPEN", "IN_PROGRESS", "CLOSED")
ROLES = ("PROJECT_OWNER", "PROJECT_ADMIN", "MEMBER", "VIEWER")
CONDITIONS = ("ALL_SUBTASKS_DONE", "APPROVAL_RECEIVED")
STATUS_FIELDS = ("key", "name", "color", "icon", "status_type", "is_initial", "is_final",
                 "description")
TRANSITION_FIELDS = ("from_status_id", "to_status_id", "name", "description", "allowed_roles",
                     "allowed_team_ids", "requires_approval", "approver_team_ids",
                     "requires_comment", "auto_transition", "auto_condition")
MAX = 5000
Refused.MESSAGES.update({
    "STATUS_IN_USE": "Work items still sit in this status; choose where to move them.",
})


def _check_mutable(workflow: Mapping[str, Any]) -> None:
    if workflow.get("is_system"):
        raise Refused("SYSTEM_WORKFLOW")


def _org(store: DocumentStore, workflow: Mapping[str, Any]) -> str | None:
    found = store.find("workspaces", workflow["workspace_id"])
    return found.get("organization_id") if found else None


def _audit(store: DocumentStore, acting: Acting, action: str, workflow: Mapping[str, Any],
           resource: str, doc: Mapping[str, Any], **kwargs: Any) -> None:
    record(store, acting, action, resource, doc["$id"],
           resource_name=doc.get("name") or doc.get("key"), organization_id=_org(store, workflow),
           workspace_id=workflow["workspace_id"], project_id=workflow.get("project_id"),
           metadata={"workflow_id": workflow["$id"], **kwargs.pop("metadata", {})}, **kwargs)


def statuses_of(store: DocumentStore, workflow_id: str) -> list[Document]:
    return store.list("workflow_statuses", [Query.equal("workflow_id", workflow_id),
                                            Query.order_asc("position"),
                                            Query.limit(MAX)]).documents


def transitions_of(store: DocumentStore, workflow_id: str) -> list[Document]:
    return store.list("workflow_transitions", [Query.equal("workflow_id", workflow_id),
                                               Query.limit(MAX)]).documents


def clean_key(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip()).upper()


def _clean_status(values: Mapping[str, Any], others: list[Document]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    clean_name(values, out, errors, 64)
    if "key" in values:
        key = clean_key(values.get("key"))
        if not KEY_RE.match(key):
            errors["key"] = ("Use up to 36 capital letters, digits or underscores, starting "
                             "with a letter (for example IN_QA).")
        elif any(o["key"] == key for o in others):
            errors["key"] = "Another status of this workflow uses this key."
        out["key"] = key
    if "color" in values:
        color = (values.get("color") or "").strip()
        if color and not COLOR_RE.match(color):
            errors["color"] = "Use a colour like #3b82f6."
        out["color"] = color or None
    if "icon" in values:
        icon = (values.get("icon") or "").strip()
        if len(icon) > 32:
            errors["icon"] = "Choose one of the icons."
        out["icon"] = icon or None
    if "status_type" in values:
        if values.get("status_type") not in TYPES:
            errors["status_type"] = "Choose open, in progress or closed."
        out["status_type"] = values.get("status_type")
    for flag in ("is_initial", "is_final"):
        if flag in values:
            out[flag] = bool(values.get(flag))
    if "description" in values:
        text = (values.get("description") or "").strip()
        if len(text) > 500:
            errors["description"] = "Use at most 500 characters."
        out["description"] = text or None
    if errors:
        raise FieldErrors(errors)
    return out


def _project_ids(store: DocumentStore, workflow_id: str) -> list[str]:
    return [p["$id"] for p in store.list("projects", [
        Query.equal("workflow_id", workflow_id), Query.select("$id"), Query.limit(MAX)])]


def items_in(store: DocumentStore, workflow_id: str, key: str) -> list[Document]:
    """Work items of projects using the workflow whose status is ``key``."""
    projects = _project_ids(store, workflow_id)
    if not projects:
        return []
    return store.list("work_items", [
        Query.equal("project_id", projects), Query.equal("status", key),
        Query.select("$id", "version", "status_category", "project_id"), Query.limit(MAX),
    ]).documents


def add_status(store: DocumentStore, acting: Acting, workflow: Document,
               values: Mapping[str, Any]) -> Document:
    _check_mutable(workflow)
    existing = statuses_of(store, workflow["$id"])
    data = {"status_type": "OPEN", "is_initial": False, "is_final": False, **values}
    if "key" not in values or not str(values.get("key") or "").strip():
        data["key"] = values.get("name") or ""
    clean = _clean_status(data, existing)
    if not existing:
        clean["is_initial"] = True
    with store.transaction():
        if clean.get("is_initial"):
            _unset_initial(store, existing)
        status = store.create("workflow_statuses", {
            **clean, "workflow_id": workflow["$id"], "workspace_id": workflow["workspace_id"],
            "position": max((s.get("position") or 0 for s in existing), default=-1) + 1,
        })
        store.increment("workflows", workflow["$id"], "status_count")
        touch(store, workflow_id=workflow["$id"])
        _audit(store, acting, "workflow_status_added", workflow, "workflow_status", status,
               changes=diff(None, status, STATUS_FIELDS))
    return status


def _unset_initial(store: DocumentStore, statuses: list[Document],
                   keep: str | None = None) -> None:
    for other in statuses:
        if other.get("is_initial") and other["$id"] != keep:
            store.update("workflow_statuses", other["$id"], {"is_initial": False})


def _status(store: DocumentStore, workflow: Mapping[str, Any], status_id: str) -> Document:
    status = store.find("workflow_statuses", status_id) if status_id else None
    if status is None or status["workflow_id"] != workflow["$id"]:
        raise Refused("NOT_FOUND", "This status is not part of the workflow.", status=404)
    return status


def update_status(store: DocumentStore, acting: Acting, workflow: Document, status_id: str,
                  values: Mapping[str, Any]) -> Document:
    _check_mutable(workflow)
    status = _status(store, workflow, status_id)
    others = [s for s in statuses_of(store, workflow["$id"]) if s["$id"] != status_id]
    clean = _clean_status({k: values[k] for k in STATUS_FIELDS if k in values}, others)
    if clean.get("key", status["key"]) != status["key"] and items_in(store, workflow["$id"],
                                                                     status["key"]):
        raise FieldErrors({"key": "Work items use this key; it cannot change."})
    if status.get("is_initial") and clean.get("is_initial") is False:
        clean.pop("is_initial")  # mark another status initial instead
    with store.transaction():
        if clean.get("is_initial"):
            _unset_initial(store, others)
        after = store.update("workflow_statuses", status_id, clean)
        touch(store, workflow_id=workflow["$id"])
        changes = diff(status, after, STATUS_FIELDS)
        if changes:
            _audit(store, acting, "workflow_status_updated", workflow, "workflow_status", after,
                   changes=changes)
    return after


def move_status(store: DocumentStore, acting: Acting, workflow: Document, status_id: str,
                offset: int) -> None:
    """Move a status one place up (-1) or down (+1) in the workflow's order."""
    _check_mutable(workflow)
    statuses = statuses_of(store, workflow["$id"])
    index = next((i for i, s in enumerate(statuses) if s["$id"] == status_id), None)
    if index is None:
        raise Refused("NOT_FOUND", "This status is not part of the workflow.", status=404)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(statuses):
        return
    statuses[index], statuses[target] = statuses[target], statuses[index]
    with store.transaction():
        for position, status in enumerate(statuses):
            if status.get("position") != position:
                store.update("workflow_statuses", status["$id"], {"position": position})
        touch(store, workflow_id=workflow["$id"])
        _audit(store, acting, "workflow_status_moved", workflow, "workflow_status",
               statuses[target], metadata={"position": target})


def delete_status(store: DocumentStore, acting: Acting, workflow: Document, status_id: str, *,
                  move_to: str | None = None) -> dict[str, int]:
    """Delete a status (see module rules); returns ``{"transitions": n, "items": n}``."""
    _check_mutable(workflow)
    status = _status(store, workflow, status_id)
    remaining = [s for s in statuses_of(store, workflow["$id"]) if s["$id"] != status_id]
    items = items_in(store, workflow["$id"], status["key"])
    target = next((s for s in remaining if s["$id"] == move_to or s["key"] == move_to), None)
    if items and target is None:
        if move_to:
            raise FieldErrors({"move_to": "Choose another status of this workflow."})
        raise Refused("STATUS_IN_USE", f"{len(items)} work item(s) still sit in "
                      f"“{status['name']}”; choose a status to move them to.")
    projects = _project_ids(store, workflow["$id"])
    with store.transaction():
        removed = store.delete_where("workflow_transitions", [
            Query.equal("workflow_id", workflow["$id"]), Query.equal("from_status_id", status_id),
        ]) + store.delete_where("workflow_transitions", [
            Query.equal("workflow_id", workflow["$id"]), Query.equal("to_status_id", status_id),
        ])
        for item in items:
            assert target is not None
            values: dict[str, Any] = {"status": target["key"],
                                      "status_category": target.get("status_type") or "OPEN",
                                      "version": int(item.get("version") or 1) + 1}
            if values["status_category"] != "CLOSED":
                values["resolved_at"] = None
            store.update("work_items", item["$id"], values)
        if projects:
            store.delete_where("column_settings", [Query.equal("project_id", projects),
                                                   Query.equal("column_key", status["key"])])
        store.delete("workflow_statuses", status_id)
        store.increment("workflows", workflow["$id"], "status_count", -1)
        if status.get("is_initial") and remaining:
            store.update("workflow_statuses", remaining[0]["$id"], {"is_initial": True})
        touch(store, workflow_id=workflow["$id"])
        _audit(store, acting, "workflow_status_deleted", workflow, "workflow_status", status,
               metadata={"transitions_removed": removed, "items_moved": len(items),
                         "moved_to": target["key"] if target and items else None})
    return {"transitions": removed, "items": len(items)}


# -- transitions ---------------------------------------------------------------------------
def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in (value or []) if str(v).strip()]


def _clean_transition(store: DocumentStore, workflow: Mapping[str, Any],
                      values: Mapping[str, Any], current: Document | None) -> dict[str, Any]:
    statuses = {s["$id"]: s for s in statuses_of(store, workflow["$id"])}
    merged = {**(current or {}), **values}
    errors: dict[str, str] = {}
    source = merged.get("from_status_id") or None
    target = merged.get("to_status_id") or None
    if target not in statuses:
        errors["to_status_id"] = "Choose the status this transition leads to."
    if source is not None and source not in statuses:
        errors["from_status_id"] = "Choose a status of this workflow (or any status)."
    elif source is not None and source == target:
        errors["to_status_id"] = "A transition must lead to another status."
    name = (merged.get("name") or "").strip()
    if len(name) > 64:
        errors["name"] = "Use at most 64 characters."
    description = (merged.get("description") or "").strip()
    if len(description) > 500:
        errors["description"] = "Use at most 500 characters."
    roles = [r.upper() for r in _ids(merged.get("allowed_roles"))]
    if any(r not in ROLES for r in roles):
        errors["allowed_roles"] = "Choose project roles."
    teams, approvers = _ids(merged.get("allowed_team_ids")), _ids(merged.get("approver_team_ids"))
    wanted = set(teams) | set(approvers)
    if wanted:
        found = store.get_many("project_teams", sorted(wanted))
        bad = {t for t in wanted if t not in found
               or found[t]["workspace_id"] != workflow["workspace_id"]}
        if bad & set(teams):
            errors["allowed_team_ids"] = "Choose teams of this workspace's projects."
        if bad & set(approvers):
            errors["approver_team_ids"] = "Choose teams of this workspace's projects."
    auto = bool(merged.get("auto_transition"))
    condition = merged.get("auto_condition") or None
    if auto and condition not in CONDITIONS:
        errors["auto_condition"] = "Choose when the transition runs by itself."
    if not errors:
        existing = transitions_of(store, workflow["$id"])
        if any(t.get("from_status_id") == source and t["to_status_id"] == target
               and (current is None or t["$id"] != current["$id"]) for t in existing):
            errors["to_status_id"] = "This transition already exists."
    if errors:
        raise FieldErrors(errors)
    return {"from_status_id": source, "to_status_id": target, "name": name or None,
            "description": description or None, "allowed_roles": roles,
            "allowed_team_ids": teams, "requires_approval": bool(merged.get("requires_approval")),
            "approver_team_ids": approvers,
            "requires_comment": bool(merged.get("requires_comment")),
            "auto_transition": auto, "auto_condition": condition if auto else None}


def _transition(store: DocumentStore, workflow: Mapping[str, Any], transition_id: str) -> Document:
    found = store.find("workflow_transitions", transition_id) if transition_id else None
    if found is None or found["workflow_id"] != workflow["$id"]:
        raise Refused("NOT_FOUND", "This transition is not part of the workflow.", status=404)
    return found


def add_transition(store: DocumentStore, acting: Acting, workflow: Document,
                   values: Mapping[str, Any]) -> Document:
    _check_mutable(workflow)
    clean = _clean_transition(store, workflow, values, None)
    with store.transaction():
        transition = store.create("workflow_transitions", {
            **clean, "workflow_id": workflow["$id"], "workspace_id": workflow["workspace_id"]})
        touch(store, workflow_id=workflow["$id"])
        _audit(store, acting, "workflow_transition_added", workflow, "workflow_transition",
               transition, changes=diff(None, transition, TRANSITION_FIELDS))
    return transition


def update_transition(store: DocumentStore, acting: Acting, workflow: Document,
                      transition_id: str, values: Mapping[str, Any]) -> Document:
    _check_mutable(workflow)
    current = _transition(store, workflow, transition_id)
    clean = _clean_transition(store, workflow, values, current)
    with store.transaction():
        after = store.update("workflow_transitions", transition_id, clean)
        touch(store, workflow_id=workflow["$id"])
        changes = diff(current, after, TRANSITION_FIELDS)
        if changes:
            _audit(store, acting, "workflow_transition_updated", workflow,
                   "workflow_transition", after, changes=changes)
    return after


def delete_transition(store: DocumentStore, acting: Acting, workflow: Document,
                      transition_id: str) -> None:
    _check_mutable(workflow)
    current = _transition(store, workflow, transition_id)
    with store.transaction():
        store.delete("workflow_transitions", transition_id)
        touch(store, workflow_id=workflow["$id"])
        _audit(store, acting, "workflow_transition_deleted", workflow, "workflow_transition",
               current)
