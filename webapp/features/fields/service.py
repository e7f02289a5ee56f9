"""Custom fields: definitions at workspace, space or project scope, and their values.

* A project sees the workspace's fields, its space's fields and its own (in that order,
  then by position and name); ``applies_to_types`` narrows a field to some work types.
* A field's ``key`` (what items store in ``custom_fields``) is unique in the workspace, so
  inherited and own fields never collide. Its type is fixed once created.
* SELECT / MULTI_SELECT need at least one option; options are ``{value, label, color}``.
* The default value is validated like any value of the field.
Values: ``validate_values`` / ``display`` (``webapp.features.fields.values``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.fields.values import (
    MULTI,
    Invalid,
    clean_value,
    display,
    is_empty,
    validate_values,
)
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.collections.work import FIELD_TYPES
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

__all__ = ["FIELD_TYPES", "create_field", "delete_field", "display", "fields_for",
           "get_field", "scope_fields", "update_field", "validate_values"]

SCOPE_ORDER = {"WORKSPACE": 0, "SPACE": 1, "PROJECT": 2}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
TYPE_LABELS = {
    "TEXT": "Text", "TEXTAREA": "Long text", "NUMBER": "Number", "DATE": "Date",
    "DATETIME": "Date and time", "SELECT": "Select", "MULTI_SELECT": "Multi-select",
    "USER": "Person", "USERS": "People", "CHECKBOX": "Checkbox", "URL": "Web address",
    "EMAIL": "Email", "CURRENCY": "Currency", "PERCENTAGE": "Percentage", "LABELS": "Labels",
}
EDITABLE = ("name", "description", "options", "is_required", "default_value", "position",
            "precision", "currency_code", "applies_to_types", "show_in_list", "show_in_card")
MAX_OPTIONS = 100


def _sorted(rows: list[Document]) -> list[Document]:
    return sorted(rows, key=lambda f: (SCOPE_ORDER.get(f["scope"], 3), f.get("position") or 0,
                                       str(f["name"]).casefold()))


def fields_for(store: DocumentStore, project: Document,
               item_type: str | None = None) -> list[Document]:
    """The fields a project's items carry (workspace, space, project scope), ordered."""
    rows = [
        f for f in store.list("custom_fields", [
            Query.equal("workspace_id", project["workspace_id"]), Query.limit(1000),
        ])
        if f["scope"] == "WORKSPACE"
        or (f["scope"] == "SPACE" and project.get("space_id")
            and f.get("space_id") == project["space_id"])
        or (f["scope"] == "PROJECT" and f.get("project_id") == project["$id"])
    ]
    if item_type:
        rows = [f for f in rows if not f.get("applies_to_types")
                or item_type in f["applies_to_types"]]
    return _sorted(rows)


def scope_fields(store: DocumentStore, workspace_id: str, *, scope: str,
                 space_id: str | None = None, project_id: str | None = None) -> list[Document]:
    """The fields defined at one scope (what its management page lists)."""
    queries = [Query.equal("workspace_id", workspace_id), Query.equal("scope", scope),
               Query.limit(1000)]
    if project_id:
        queries.append(Query.equal("project_id", project_id))
    if space_id:
        queries.append(Query.equal("space_id", space_id))
    return _sorted(list(store.list("custom_fields", queries)))


def get_field(store: DocumentStore, workspace_id: str, field_id: str) -> Document | None:
    row = store.find("custom_fields", field_id)
    return row if row is not None and row["workspace_id"] == workspace_id else None


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", (name or "").casefold()).strip("_")
    if text and not text[0].isalpha():
        text = "f_" + text
    return text[:48]


def parse_options(text: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """Options from a textarea (one per line) or a list of dicts/strings."""
    lines = text if isinstance(text, list) else str(text or "").splitlines()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line in lines:
        label = str(line.get("label") or line.get("value") or "") if isinstance(line, dict) \
            else str(line)
        label = label.strip()
        if not label:
            continue
        if len(label) > 64:
            errors["options"] = "Use at most 64 characters per option."
        elif label.casefold() in seen:
            errors["options"] = f"The option “{label}” is listed twice."
        seen.add(label.casefold())
        out.append({"value": label, "label": label})
    if len(out) > MAX_OPTIONS:
        errors["options"] = f"Use at most {MAX_OPTIONS} options."
    return out


def _clean(values: Mapping[str, Any], field_type: str, item_types: set[str] | None,
           errors: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter a name."
    elif len(name) > 64:
        errors["name"] = "Use at most 64 characters."
    data["name"] = name
    description = (values.get("description") or "").strip()
    if len(description) > 500:
        errors["description"] = "Use at most 500 characters."
    data["description"] = description or None
    options = parse_options(values.get("options"), errors)
    if field_type in ("SELECT", "MULTI_SELECT") and not options and "options" not in errors:
        errors["options"] = "Add at least one option, one per line."
    data["options"] = options if field_type in ("SELECT", "MULTI_SELECT") else []
    data["is_required"] = bool(values.get("is_required"))
    data["show_in_list"] = bool(values.get("show_in_list"))
    data["show_in_card"] = bool(values.get("show_in_card"))
    precision = values.get("precision")
    data["precision"] = None
    if field_type in ("NUMBER", "CURRENCY", "PERCENTAGE") and str(precision or "").strip():
        try:
            data["precision"] = int(str(precision))
            if not 0 <= data["precision"] <= 6:
                raise ValueError
        except ValueError:
            errors["precision"] = "Use 0 to 6 decimal places."
    code = (values.get("currency_code") or "").strip().upper()
    if field_type == "CURRENCY" and not re.match(r"^[A-Z]{3}$", code):
        errors["currency_code"] = "Use a three-letter currency code like EUR."
    data["currency_code"] = code if field_type == "CURRENCY" else None
    applies = [str(t) for t in values.get("applies_to_types") or [] if t]
    if item_types is not None and any(t not in item_types for t in applies):
        errors["applies_to_types"] = "Choose work types from the list."
    data["applies_to_types"] = applies
    try:
        data["position"] = int(values.get("position") or 0)
    except (TypeError, ValueError):
        errors["position"] = "Use a whole number."
    default = values.get("default_value")
    if field_type in MULTI and isinstance(default, str):
        default = [part.strip() for part in default.split(",")]
    data["default_value"] = None
    if not is_empty(default) and not (isinstance(default, str) and not default.strip()):
        try:
            data["default_value"] = clean_value({**data, "field_type": field_type,
                                                 "key": "x"}, default)
        except Invalid as exc:
            errors["default_value"] = str(exc)
    return data


def create_field(store: DocumentStore, acting: Acting, *, workspace_id: str, scope: str,
                 values: Mapping[str, Any], space_id: str | None = None,
                 project_id: str | None = None,
                 item_types: set[str] | None = None) -> Document:
    """Create a field definition (FieldErrors name the form fields)."""
    errors: dict[str, str] = {}
    field_type = str(values.get("field_type") or "")
    if field_type not in FIELD_TYPES:
        errors["field_type"] = "Choose a field type."
    data = _clean(values, field_type, item_types, errors)
    key = (values.get("key") or "").strip().lower() or slug(data["name"])
    if not KEY_RE.match(key):
        errors["key"] = "Use lower-case letters, digits and _, starting with a letter."
    elif store.first("custom_fields", [Query.equal("workspace_id", workspace_id),
                                       Query.equal("key", key)]) is not None:
        errors["key"] = "Another field in this workspace uses this key."
    if scope == "SPACE":
        space = store.find("spaces", space_id) if space_id else None
        if space is None or space["workspace_id"] != workspace_id:
            errors["space_id"] = "Choose a space of this workspace."
    if errors:
        raise FieldErrors(errors)
    workspace = store.get("workspaces", workspace_id)
    with store.transaction():
        try:
            field = store.create("custom_fields", {
                **data, "workspace_id": workspace_id, "scope": scope, "key": key,
                "field_type": field_type, "space_id": space_id if scope == "SPACE" else None,
                "project_id": project_id if scope == "PROJECT" else None,
                "created_by": acting.user_id,
            })
        except Conflict:
            raise FieldErrors({"key": "Another field in this workspace uses this key."}) \
                from None
        record(store, acting, "custom_field_created", "custom_field", field["$id"],
               resource_name=field["name"], organization_id=workspace.get("organization_id"),
               workspace_id=workspace_id, project_id=field.get("project_id"),
               changes=diff(None, field, ("name", "key", "field_type", "scope")))
    return field


def update_field(store: DocumentStore, acting: Acting, field: Document,
                 values: Mapping[str, Any], *, item_types: set[str] | None = None) -> Document:
    errors: dict[str, str] = {}
    data = _clean(values, field["field_type"], item_types, errors)
    if errors:
        raise FieldErrors(errors)
    workspace = store.get("workspaces", field["workspace_id"])
    with store.transaction():
        after = store.update("custom_fields", field["$id"], data)
        changes = diff(field, after, EDITABLE)
        if changes:
            record(store, acting, "custom_field_updated", "custom_field", field["$id"],
                   resource_name=after["name"], organization_id=workspace.get(
                       "organization_id"), workspace_id=field["workspace_id"],
                   project_id=field.get("project_id"), changes=changes)
    return after


def delete_field(store: DocumentStore, acting: Acting, field: Document) -> None:
    """Delete the definition; values items hold under its key are no longer shown."""
    if store.find("custom_fields", field["$id"]) is None:
        raise Refused("NOT_FOUND", "The field no longer exists.", status=404)
    workspace = store.get("workspaces", field["workspace_id"])
    with store.transaction():
        store.delete("custom_fields", field["$id"])
        record(store, acting, "custom_field_deleted", "custom_field", field["$id"],
               resource_name=field["name"], organization_id=workspace.get("organization_id"),
               workspace_id=field["workspace_id"], project_id=field.get("project_id"),
               metadata={"key": field["key"], "scope": field["scope"]})
