"""What the backlog page shows (request side): open sprints with their items and
capacity, the backlog, epics with progress, filters (``items.query.ItemFilter``, the same
URL vocabulary as the table) and the choices of the forms.

Cost: the filter context (the table's: epics, sprints, members), one list per section
(sprints and backlog, at most ``LIMIT`` items each, epics left out: they live in the epic
panel), one more per section when a filter is on (capacity counts the whole sprint), one
list for epic progress and one ``get_many`` for the assignees shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g, url_for

from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items.query import ItemFilter
from webapp.features.planning import backlog, sprints
from webapp.features.projects import helpers
from webapp.features.workspaces.web import allowed, store
from webapp.storage.base import Document
from webapp.storage.query import Query

LIMIT = 300
NOT_EPIC = Query.not_equal("type", "EPIC")


@dataclass
class Section:
    key: str  # a sprint id or "backlog"
    title: str
    sprint: Document | None
    rows: list[Document]
    stats: sprints.SprintStats
    shown_all: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def backlog_context(args: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    from webapp.features.table.service import filter_context

    st, project = store(), g.project
    pid = project["$id"]
    ctx = filter_context(st, project, g.user["$id"])
    item_filter = ItemFilter.from_args(args, ctx)
    filters = [q for q in item_filter.queries() if getattr(q, "attribute", "") != "sprint_id"]
    sections: list[Section] = []
    for sprint in sprints.sprints_of(st, pid):
        everything = sprints.items_in(st, pid, sprint["$id"], [NOT_EPIC], limit=LIMIT)
        rows = (sprints.items_in(st, pid, sprint["$id"], [NOT_EPIC, *filters], limit=LIMIT)
                if filters else everything)
        sections.append(Section(sprint["$id"], sprint["name"], sprint, rows,
                                sprints.stats(everything), len(everything) < LIMIT))
    open_only = [NOT_EPIC, Query.not_equal("status_category", "CLOSED")]
    everything = sprints.items_in(st, pid, None, open_only, limit=LIMIT)
    rows = sprints.items_in(st, pid, None, [*open_only, *filters], limit=LIMIT) if filters \
        else everything
    sections.append(Section(sprints.BACKLOG, "Backlog", None, rows, sprints.stats(everything),
                            len(everything) < LIMIT))
    epic_rows = [e for e in st.list("work_items", [
        Query.equal("project_id", pid), Query.equal("type", "EPIC"),
        Query.order_asc("number"), Query.limit(LIMIT)])]
    shown = [r for s in sections for r in s.rows]
    people_ids = sorted({u for r in shown for u in (r.get("assignee_ids") or [])})
    names = {k: str(v.get("name") or v.get("email") or "") for k, v in
             st.get_many("users", people_ids).items()} if people_ids else {}
    closed = sprints.completed_sprints(st, pid, limit=5)
    base = url_for("planning.backlog", workspace_id=g.workspace["$id"], project_id=pid)
    return {
        "workspace": g.workspace, "project": project, "sections": sections,
        "epics": epic_rows, "epic_progress": backlog.epic_progress(st, pid, epic_rows),
        "epic_names": {e["$id"]: f"{e['key']} {e['title']}" for e in epic_rows},
        "names": names, "people": ctx.people, "filter": item_filter,
        "chips": item_filter.describe(ctx), "filter_ctx": ctx,
        "filter_args": item_filter.to_args(), "filtering": bool(filters),
        "types": helpers.item_types(project), "priorities": helpers.priorities(project),
        "type_of": {str(t["key"]): t for t in helpers.item_types(project)},
        "recent": closed[::-1], "base": base, "project_base":
            f"/w/{g.workspace['$id']}/projects/{pid}",
        "active": next((s.sprint for s in sections if s.sprint and
                        s.sprint["status"] == sprints.ACTIVE), None),
        "scrum": project.get("board_type", "SCRUM") == "SCRUM",
        "can_move": allowed(PP.EDIT_TASKS), "can_create": allowed(PP.CREATE_TASKS),
        "can_assign": allowed(PP.ASSIGN_TASKS),
        "can_sprint_create": allowed(PP.CREATE_SPRINTS),
        "can_start": allowed(PP.START_SPRINT), "can_complete": allowed(PP.COMPLETE_SPRINT),
        "sprint_errors": {}, "sprint_attempt": {}, "create_errors": {}, "create_attempt": {},
        "bulk_errors": {}, "epic_errors": {}, "epic_attempt": "", "notice": None,
        "refusal": None, **extra,
    }
