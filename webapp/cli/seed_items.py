"""Bulk demo work items for ``seed-demo``: written straight through the store, in batches.

For one project: ``count`` items numbered 1..count (``projects.item_seq`` ends at the last
number), statuses spread over the board's columns (``workflows.engine.board_columns``) with
``status_category`` and ``resolved_at`` consistent, positions 1000 apart per column, epics
with children (``epic_id``), sub-tasks (``parent_id``), assignees among ``people``, varied
types, priorities, labels, points and dates, Markdown descriptions rendered by
``items.markdown.render``, BLOCKS / IS_BLOCKED_BY pairs (always from an older item to a
newer one, so blocking never loops), RELATES_TO links and checklists. One audit entry per
project.
"""

from __future__ import annotations

import html
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore, new_id

BATCH = 500
SPACING = 1000.0
VERBS = ("Add", "Fix", "Improve", "Refactor", "Remove", "Document", "Test", "Migrate",
         "Speed up", "Redesign", "Validate", "Log", "Cache", "Localise", "Audit")
THINGS = ("login form", "password reset", "billing page", "invoice export", "search index",
          "notification e-mails", "dashboard charts", "webhook retries", "CSV import",
          "audit trail", "avatar upload", "dark mode", "onboarding tour", "rate limiter",
          "session timeout", "project settings", "board filters", "API tokens", "SSO login",
          "mobile layout", "release notes", "error pages", "file previews", "time tracking",
          "sprint report", "label picker", "keyboard shortcuts", "activity feed",
          "permissions matrix", "backup job")
CONTEXTS = ("for admins", "on Safari", "in the API", "for large workspaces", "on mobile",
            "for new users", "after sign-up", "in the table view", "for guests", "", "", "")
EPICS = ("Self-serve onboarding", "Enterprise SSO", "Performance budget", "Billing v2",
         "Accessibility pass", "Public API v3", "Mobile parity", "Reporting suite",
         "Data retention", "Search overhaul", "Notifications rework", "Design refresh")
LABELS = {"frontend": "#2563eb", "backend": "#7c3aed", "api": "#0891b2", "ux": "#db2777",
          "infra": "#64748b", "docs": "#16a34a", "security": "#dc2626", "performance": "#ea580c",
          "customer": "#ca8a04", "tech-debt": "#475569"}
TYPES = (("STORY", 36), ("TASK", 40), ("BUG", 18), ("SUBTASK", 6))
PRIORITY = (("LOW", 20), ("MEDIUM", 48), ("HIGH", 24), ("URGENT", 8))
POINTS = (1, 2, 3, 5, 8, 13)
SHARE = {"OPEN": 0.35, "IN_PROGRESS": 0.25, "CLOSED": 0.40}
CHECKS = ("Write tests", "Update docs", "Review copy", "Check dark mode", "Check 360 px",
          "Add audit entry", "Ask design", "Update changelog")
DESCRIPTION = (
    "## Context\n\n{title} is needed {why}.\n\n"
    "## Acceptance criteria\n\n- [ ] works for **{label}** users\n- [ ] covered by tests\n"
    "- [ ] documented in `docs/`\n\nSee also {ref}.\n"
)
WHY = ("because customers keep asking for it", "to unblock the next release",
       "after last week's incident", "to cut support tickets", "for the Q3 roadmap")


class Describer:
    """Markdown descriptions and their HTML from ``items.markdown.render``.

    The template is rendered once with placeholder words; each item's HTML is that with the
    placeholders replaced by its (escaped) values. The values come from the word lists
    above, which hold no Markdown syntax, so the result equals rendering each description.
    """

    FIELDS = ("title", "why", "label", "ref")

    def __init__(self) -> None:
        from webapp.features.items.markdown import render

        marks = {f: f"zzseed{f}zz" for f in self.FIELDS}
        self.html = render(DESCRIPTION.format(**marks))[0]
        self.marks = marks

    def __call__(self, **values: str) -> tuple[str, str]:
        out = self.html
        for name, mark in self.marks.items():
            out = out.replace(mark, html.escape(values[name], quote=False))
        return DESCRIPTION.format(**values), out


def _columns(store: DocumentStore, project: Document) -> list[tuple[str, str]]:
    """(status key, category) of the board's enabled columns, in order."""
    from webapp.features.workflows.engine import board_columns

    return [(c.key, c.category) for c in board_columns(store, project)]


def _weights(columns: Sequence[tuple[str, str]]) -> list[float]:
    per = {cat: sum(1 for _, c in columns if c == cat) for cat in SHARE}
    return [SHARE.get(cat, 0.1) / max(per.get(cat, 1), 1) for _, cat in columns]


def _pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def seed_items(store: DocumentStore, acting: Acting, project: Document, count: int, *,
               rng: random.Random, people: Sequence[str]) -> int:
    """Create ``count`` items (plus links and checklists) in ``project``; returns ``count``."""
    if count <= 0:
        return 0
    columns = _columns(store, project)
    weights = _weights(columns)
    describe = Describer()
    now = datetime.now(UTC)
    start = now - timedelta(days=240)
    step = (now - start) / count
    key = project["key"]
    last_pos: dict[str, float] = {}
    epic_ids: list[str] = []
    parents: list[str] = []  # stories / tasks that may get sub-tasks
    items: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        item_id = new_id()
        created = start + step * (number - 1) + timedelta(seconds=rng.randint(0, 3600))
        is_epic = number == 1 or number % 50 == 0  # about 2 %
        kind = "EPIC" if is_epic else _pick(rng, TYPES)
        status, category = rng.choices(columns, weights)[0]
        # older items are more likely finished
        if category != "CLOSED" and rng.random() < 0.5 * (1 - number / count):
            closed = [c for c in columns if c[1] == "CLOSED"]
            if closed:
                status, category = rng.choice(closed)
        title = (rng.choice(EPICS) if is_epic else
                 f"{rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(CONTEXTS)}".strip())
        label_set = sorted(set(rng.sample(list(LABELS), rng.choice((0, 1, 1, 2, 2, 3)))))
        assigned = category != "OPEN" or status == "ASSIGNED" or rng.random() < 0.45
        assignees = rng.sample(list(people), 2 if rng.random() < 0.1 else 1) if (
            assigned and people) else []
        updated = min(now, created + timedelta(hours=rng.randint(1, 24 * 20)))
        description, description_html = describe(
            title=title, why=rng.choice(WHY), label=(label_set or ["all"])[0],
            ref=f"{key}-{rng.randint(1, number)}")
        position = last_pos.get(status, 0.0) + SPACING
        last_pos[status] = position
        doc: dict[str, Any] = {
            "$id": item_id, "$createdAt": created, "$updatedAt": updated,
            "workspace_id": project["workspace_id"], "project_id": project["$id"],
            "space_id": project.get("space_id"), "key": f"{key}-{number}", "number": number,
            "title": title, "description": description,
            "description_html": description_html, "type": kind, "status": status,
            "status_category": category, "priority": _pick(rng, PRIORITY),
            "assignee_ids": assignees, "reporter_id": rng.choice(people) if people else None,
            "labels": label_set,
            "story_points": None if is_epic or rng.random() < 0.25 else float(
                rng.choice(POINTS)),
            "position": position, "version": 1,
            "last_modified_by": acting.user_id,
            "flagged": rng.random() < 0.02,
        }
        if kind in ("TASK", "BUG", "STORY") and rng.random() < 0.4:
            doc["estimated_hours"] = float(rng.choice((1, 2, 4, 8, 16)))
            doc["remaining_hours"] = 0.0 if category == "CLOSED" else doc["estimated_hours"]
        if category != "OPEN":
            doc["start_date"] = created + timedelta(days=rng.randint(0, 5))
        if rng.random() < 0.3:
            doc["due_date"] = (created + timedelta(days=rng.randint(3, 90))).replace(
                hour=0, minute=0, second=0, microsecond=0)
        if category == "CLOSED":
            doc["resolved_at"] = updated
        if not is_epic and epic_ids and rng.random() < 0.08:
            doc["epic_id"] = rng.choice(epic_ids[-12:])
        if kind == "SUBTASK" and parents:
            doc["parent_id"] = rng.choice(parents[-30:])
        elif kind in ("STORY", "TASK"):
            parents.append(item_id)
        if is_epic:
            epic_ids.append(item_id)
        items.append(doc)
    links = _links(project, items, rng, acting.user_id)
    checks = _checklists(project, items, rng, people)
    for chunk in range(0, len(items), BATCH):
        with store.transaction():
            for doc in items[chunk:chunk + BATCH]:
                store.create("work_items", doc)
    for rows, collection in ((links, "work_item_links"), (checks, "checklist_items")):
        for chunk in range(0, len(rows), BATCH):
            with store.transaction():
                for row in rows[chunk:chunk + BATCH]:
                    store.create(collection, row)
    with store.transaction():
        store.update("projects", project["$id"], {"item_seq": count})
        record(store, acting, "demo_items_seeded", "project", project["$id"],
               resource_name=project.get("name"), workspace_id=project["workspace_id"],
               project_id=project["$id"],
               metadata={"items": count, "links": len(links), "checklist_items": len(checks)})
    return count


def _links(project: Document, items: list[dict[str, Any]], rng: random.Random,
           user_id: str | None) -> list[dict[str, Any]]:
    base = {"workspace_id": project["workspace_id"], "project_id": project["$id"],
            "created_by": user_id}
    seen: set[tuple[str, str]] = set()
    rows = []
    for index, item in enumerate(items[1:], start=1):
        roll = rng.random()
        if roll > 0.08:
            continue
        other = items[rng.randrange(max(0, index - 200), index)]  # an older item
        pair = (other["$id"], item["$id"])
        if pair in seen:
            continue
        seen.add(pair)
        if roll < 0.05:  # the older one blocks the newer one
            rows.append({**base, "source_id": other["$id"], "target_id": item["$id"],
                         "link_type": "BLOCKS"})
            rows.append({**base, "source_id": item["$id"], "target_id": other["$id"],
                         "link_type": "IS_BLOCKED_BY"})
        else:
            rows.append({**base, "source_id": item["$id"], "target_id": other["$id"],
                         "link_type": "RELATES_TO"})
    return rows


def _checklists(project: Document, items: list[dict[str, Any]], rng: random.Random,
                people: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        if item["type"] == "EPIC" or rng.random() > 0.1:
            continue
        done = item["status_category"] == "CLOSED"
        for n, title in enumerate(rng.sample(CHECKS, rng.randint(2, 5)), start=1):
            rows.append({
                "item_id": item["$id"], "project_id": project["$id"],
                "workspace_id": project["workspace_id"], "title": title,
                "is_completed": done or rng.random() < 0.3,
                "assignee_id": rng.choice(people) if people and rng.random() < 0.3 else None,
                "position": n * SPACING,
            })
    return rows
