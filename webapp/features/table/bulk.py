"""Bulk edit from the table: one action over the selected items, item by item.

Each item goes through the items service (``update_item`` / ``delete_item``) against the
version shown on the confirmation step, inside its own transaction: an item is either
fully changed or untouched, and the result lists every item with "done" or the reason it
was refused (a workflow refusal, a stale version, a bad value, gone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webapp.audit import Acting
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items.query import FilterContext
from webapp.features.items.service import Actor, StaleEdit, delete_item, update_item
from webapp.features.items.validate import FIELDS
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import NotFound

MAX_ITEMS = 100
ACTIONS: dict[str, tuple[str, PP]] = {
    "status": ("Set status", PP.EDIT_TASKS),
    "assignee": ("Set assignee", PP.ASSIGN_TASKS),
    "priority": ("Set priority", PP.EDIT_TASKS),
    "label_add": ("Add label", PP.EDIT_TASKS),
    "label_remove": ("Remove label", PP.EDIT_TASKS),
    "sprint": ("Move to sprint", PP.EDIT_TASKS),
    "delete": ("Delete", PP.DELETE_TASKS),
}
if "sprint_id" not in FIELDS:  # the items service does not edit sprints (yet)
    del ACTIONS["sprint"]
EDIT_KEYS = frozenset(perm for _, perm in ACTIONS.values())


@dataclass
class Outcome:
    item_id: str
    key: str
    title: str
    ok: bool
    message: str


def permission_for(action: str) -> PP:
    return ACTIONS[action][1]


def clean(action: str, value: str, ctx: FilterContext) -> str:
    """The action's value, checked against the project; raises FieldErrors."""
    if action not in ACTIONS:
        raise FieldErrors({"action": "Choose an action."})
    value = (value or "").strip()
    choices: Mapping[str, str] | None = {
        "status": ctx.statuses, "priority": ctx.priorities, "assignee": ctx.people,
        "sprint": ctx.sprints,
    }.get(action)
    if action == "delete":
        return ""
    if action in ("assignee", "sprint") and value == "":
        return ""  # unassign / back to the backlog
    if action in ("label_add", "label_remove"):
        if not value or len(value) > 64:
            raise FieldErrors({"value": "Enter a label (up to 64 characters)."})
        return value
    if choices is None or value not in choices:
        raise FieldErrors({"value": "Choose a value for this action."})
    return value


def describe(action: str, value: str, ctx: FilterContext) -> str:
    """The confirmation's sentence part: "Set status to In review"."""
    label = ACTIONS[action][0]
    if action == "delete":
        return "Delete"
    if action == "assignee":
        return f"{label}: {ctx.people.get(value, 'nobody')}" if value else "Unassign"
    if action == "sprint":
        return f"{label}: {ctx.sprints[value]}" if value else "Move to the backlog"
    shown = {"status": ctx.statuses, "priority": ctx.priorities}.get(action, {}).get(value, value)
    return f"{label}: {shown}"


def changes_for(action: str, value: str, item: Document) -> dict[str, Any]:
    if action == "status":
        return {"status": value}
    if action == "priority":
        return {"priority": value}
    if action == "assignee":
        return {"assignee_ids": [value] if value else []}
    if action == "sprint":
        return {"sprint_id": value or None}
    labels = list(item.get("labels") or [])
    if action == "label_add":
        return {"labels": labels if value in labels else [*labels, value]}
    return {"labels": [x for x in labels if x != value]}


def selected(store: DocumentStore, project: Document, ids: Sequence[str]) -> list[Document]:
    """The project's items among ``ids`` (others are dropped), in the given order."""
    wanted = list(dict.fromkeys(i for i in ids if i))[:MAX_ITEMS]
    found = store.get_many("work_items", wanted)
    return [found[i] for i in wanted if i in found and found[i]["project_id"] == project["$id"]]


def apply(store: DocumentStore, acting: Acting, project: Document, action: str, value: str,
          versions: Mapping[str, int], *, actor: Actor) -> list[Outcome]:
    """Apply the action to every item of ``versions`` (id -> version seen when confirming)."""
    items = {d["$id"]: d for d in selected(store, project, list(versions))}
    outcomes: list[Outcome] = []
    for item_id, version in versions.items():
        item = items.get(item_id)
        if item is None:
            outcomes.append(Outcome(item_id, "", "", False, "This item no longer exists."))
            continue
        outcomes.append(_one(store, acting, project, action, value, item, version, actor))
    return outcomes


def _one(store: DocumentStore, acting: Acting, project: Document, action: str, value: str,
         item: Document, version: int, actor: Actor) -> Outcome:
    def result(ok: bool, message: str) -> Outcome:
        return Outcome(item["$id"], item["key"], item["title"], ok, message)

    try:
        with store.transaction():
            if action == "delete":
                delete_item(store, acting, project, item["$id"], expected_version=version)
            else:
                update_item(store, acting, project, item["$id"], changes_for(action, value, item),
                            expected_version=version, actor=actor)
    except StaleEdit:
        return result(False, "Changed by someone else since you selected it; not changed.")
    except Refused as exc:
        return result(False, exc.message)
    except FieldErrors as exc:
        return result(False, " ".join(str(m) for m in exc.errors.values()))
    except NotFound:
        return result(False, "This item no longer exists.")
    return result(True, "Deleted" if action == "delete" else "Done")
