"""The four workflow templates (SYSTEM.md 4.8) as plain data.

A template is a list of statuses ``(key, name, type, color, icon)`` — the first is initial,
those in ``final`` are final — and transitions ``(name, from key or None, to key)``
(None: from any status). ``x``/``y`` of the diagram are computed by ``diagram.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = (  # the 17 status colours
    "#64748b", "#6b7280", "#ef4444", "#f97316", "#f59e0b", "#eab308", "#84cc16", "#22c55e",
    "#10b981", "#14b8a6", "#06b6d4", "#0ea5e9", "#3b82f6", "#6366f1", "#8b5cf6", "#a855f7",
    "#ec4899",
)
ICONS = (  # Lucide icon names offered for statuses (40)
    "circle", "circle-dot", "circle-dashed", "circle-check", "circle-x", "circle-pause",
    "circle-play", "circle-alert", "check", "check-check", "x", "clock", "timer", "hourglass",
    "play", "pause", "square", "list-todo", "inbox", "archive", "user", "user-check", "users",
    "eye", "search", "bug", "wrench", "hammer", "code", "git-pull-request", "git-merge",
    "rocket", "flag", "star", "bookmark", "lock", "shield-check", "thumbs-up", "ban", "zap",
)
ICON_GLYPHS = {  # a text glyph drawn for each icon (no icon font or library)
    "circle": "○", "circle-dot": "◉", "circle-dashed": "◌", "circle-check": "✔",
    "circle-x": "✖", "circle-pause": "⏸", "circle-play": "▶", "circle-alert": "⚠",
    "check": "✓", "check-check": "✓✓", "x": "✕", "clock": "◷", "timer": "⏲", "hourglass": "⌛",
    "play": "▷", "pause": "‖", "square": "□", "list-todo": "☰", "inbox": "⎘", "archive": "▤",
    "user": "☺", "user-check": "☑", "users": "☷", "eye": "◎", "search": "⌕", "bug": "✱",
    "wrench": "⚒", "hammer": "⚒", "code": "⟨⟩", "git-pull-request": "⇄", "git-merge": "⤧",
    "rocket": "➚", "flag": "⚑", "star": "★", "bookmark": "⚐", "lock": "⊠", "shield-check": "⛉",
    "thumbs-up": "☝", "ban": "⊘", "zap": "ϟ",
}


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    statuses: tuple[tuple[str, str, str, str, str], ...]
    final: tuple[str, ...]
    transitions: tuple[tuple[str, str | None, str], ...]


SOFTWARE = Template(
    "SOFTWARE_DEVELOPMENT", "Software Development",
    "To Do → Assigned → In Progress / In Review → Done, with review and change requests.",
    (("TODO", "To Do", "OPEN", "#64748b", "circle"),
     ("ASSIGNED", "Assigned", "OPEN", "#8b5cf6", "user-check"),
     ("IN_PROGRESS", "In Progress", "IN_PROGRESS", "#3b82f6", "circle-play"),
     ("IN_REVIEW", "In Review", "IN_PROGRESS", "#f59e0b", "eye"),
     ("DONE", "Done", "CLOSED", "#22c55e", "circle-check")),
    ("DONE",),
    (("Assign", "TODO", "ASSIGNED"),
     ("Start Work", "ASSIGNED", "IN_PROGRESS"),
     ("Request Review", "IN_PROGRESS", "IN_REVIEW"),
     ("Submit for Review", "ASSIGNED", "IN_REVIEW"),
     ("Approve", "IN_REVIEW", "DONE"),
     ("Request Changes", "IN_REVIEW", "IN_PROGRESS")),
)

KANBAN = Template(
    "SIMPLE_KANBAN", "Simple Kanban",
    "Backlog, To Do, In Progress, Done; every status reachable from every other.",
    (("BACKLOG", "Backlog", "OPEN", "#6b7280", "inbox"),
     ("TODO", "To Do", "OPEN", "#64748b", "circle"),
     ("IN_PROGRESS", "In Progress", "IN_PROGRESS", "#3b82f6", "circle-play"),
     ("DONE", "Done", "CLOSED", "#22c55e", "circle-check")),
    ("DONE",),
    (("Move to Backlog", None, "BACKLOG"),
     ("Move to To Do", None, "TODO"),
     ("Move to In Progress", None, "IN_PROGRESS"),
     ("Move to Done", None, "DONE")),
)

BUGS = Template(
    "BUG_TRACKING", "Bug Tracking",
    "Open → Confirmed → In Progress → Fixed → Verified → Closed, with reopen and reject.",
    (("OPEN", "Open", "OPEN", "#ef4444", "bug"),
     ("CONFIRMED", "Confirmed", "OPEN", "#f97316", "circle-alert"),
     ("IN_PROGRESS", "In Progress", "IN_PROGRESS", "#3b82f6", "wrench"),
     ("FIXED", "Fixed", "IN_PROGRESS", "#14b8a6", "check"),
     ("VERIFIED", "Verified", "IN_PROGRESS", "#10b981", "shield-check"),
     ("CLOSED", "Closed", "CLOSED", "#22c55e", "circle-check")),
    ("CLOSED",),
    (("Confirm", "OPEN", "CONFIRMED"),
     ("Reject", "OPEN", "CLOSED"),
     ("Start Fix", "CONFIRMED", "IN_PROGRESS"),
     ("Mark Fixed", "IN_PROGRESS", "FIXED"),
     ("Verify", "FIXED", "VERIFIED"),
     ("Reopen", "FIXED", "IN_PROGRESS"),
     ("Close", "VERIFIED", "CLOSED"),
     ("Reopen Bug", "CLOSED", "OPEN")),
)

AGILE = Template(
    "SPRINT_AGILE", "Sprint/Agile",
    "Backlog → Selected → In Progress ⇄ Blocked → Review → Done.",
    (("BACKLOG", "Backlog", "OPEN", "#6b7280", "inbox"),
     ("SELECTED", "Selected", "OPEN", "#6366f1", "list-todo"),
     ("IN_PROGRESS", "In Progress", "IN_PROGRESS", "#3b82f6", "circle-play"),
     ("BLOCKED", "Blocked", "IN_PROGRESS", "#ef4444", "ban"),
     ("REVIEW", "Review", "IN_PROGRESS", "#f59e0b", "eye"),
     ("DONE", "Done", "CLOSED", "#22c55e", "circle-check")),
    ("DONE",),
    (("Select for Sprint", "BACKLOG", "SELECTED"),
     ("Return to Backlog", "SELECTED", "BACKLOG"),
     ("Start", "SELECTED", "IN_PROGRESS"),
     ("Block", "IN_PROGRESS", "BLOCKED"),
     ("Unblock", "BLOCKED", "IN_PROGRESS"),
     ("Submit for Review", "IN_PROGRESS", "REVIEW"),
     ("Approve", "REVIEW", "DONE"),
     ("Request Changes", "REVIEW", "IN_PROGRESS")),
)

TEMPLATES: dict[str, Template] = {t.key: t for t in (SOFTWARE, KANBAN, BUGS, AGILE)}
DEFAULT_TEMPLATE = SOFTWARE.key
