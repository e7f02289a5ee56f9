"""A project's work types, priorities and labels: the built-ins plus the project's customs.

Items, board and table read these to offer choices and to draw badges. Custom entries live
on the project document (``custom_types``, ``custom_priorities``, ``custom_labels``); a custom
entry never replaces a built-in (keys are unique across both).
"""

from __future__ import annotations

from typing import Any

from webapp.storage.base import Document

BUILTIN_TYPES: tuple[dict[str, Any], ...] = (
    {"key": "EPIC", "label": "Epic", "icon": "bolt", "color": "#7c3aed", "builtin": True},
    {"key": "STORY", "label": "Story", "icon": "bookmark", "color": "#16a34a", "builtin": True},
    {"key": "TASK", "label": "Task", "icon": "check-square", "color": "#2563eb",
     "builtin": True},
    {"key": "BUG", "label": "Bug", "icon": "bug", "color": "#dc2626", "builtin": True},
    {"key": "SUBTASK", "label": "Sub-task", "icon": "corner-down-right", "color": "#0891b2",
     "builtin": True},
)
BUILTIN_PRIORITIES: tuple[dict[str, Any], ...] = (
    {"key": "LOW", "label": "Low", "color": "#64748b", "level": 1, "builtin": True},
    {"key": "MEDIUM", "label": "Medium", "color": "#2563eb", "level": 2, "builtin": True},
    {"key": "HIGH", "label": "High", "color": "#ea580c", "level": 3, "builtin": True},
    {"key": "URGENT", "label": "Urgent", "color": "#dc2626", "level": 4, "builtin": True},
)
BUILTIN_LABELS: tuple[dict[str, Any], ...] = ()


def _customs(project: Document | None, attr: str) -> list[dict[str, Any]]:
    rows = (project or {}).get(attr) or []
    return [dict(r, builtin=False) for r in rows if isinstance(r, dict)]


def item_types(project: Document | None) -> list[dict[str, Any]]:
    """Built-in types then the project's custom types: ``{key, label, icon, color}``."""
    return [dict(t) for t in BUILTIN_TYPES] + _customs(project, "custom_types")


def priorities(project: Document | None) -> list[dict[str, Any]]:
    """All priorities ordered by level (low first): ``{key, label, color, level}``."""
    rows = [dict(p) for p in BUILTIN_PRIORITIES] + _customs(project, "custom_priorities")
    return sorted(rows, key=lambda p: (int(p.get("level") or 0), str(p["key"])))


def labels(project: Document | None) -> list[dict[str, Any]]:
    """The project's labels: ``{name, color}`` (no built-ins)."""
    return [dict(x) for x in BUILTIN_LABELS] + _customs(project, "custom_labels")


def type_keys(project: Document | None) -> set[str]:
    return {str(t["key"]) for t in item_types(project)}


def priority_keys(project: Document | None) -> set[str]:
    return {str(p["key"]) for p in priorities(project)}


def by_key(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((r for r in rows if r.get("key") == key or r.get("name") == key), None)
