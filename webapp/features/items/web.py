"""Request-side helpers of the work item pages (and ``actor_from_request`` for others)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, g, redirect, request, url_for

from webapp.authz.policy import effective_project_role
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items import checklist, links, people, service
from webapp.features.items.service import Actor
from webapp.features.projects import helpers
from webapp.features.workspaces.web import allowed, store
from webapp.htmx import is_htmx, render
from webapp.storage.base import Document
from webapp.storage.query import Query

FIELD_NAMES = {
    "assignee_ids": "assignees", "team_ids": "teams", "reporter_id": "reporter",
    "epic_id": "epic", "parent_id": "parent", "custom_fields": "custom fields",
    "story_points": "story points", "estimated_hours": "estimated hours",
    "remaining_hours": "remaining hours", "start_date": "start date", "due_date": "due date",
}


def actor_from_request() -> Actor:
    """The signed-in user as the workflow engine sees them in ``g.project``."""
    user_id = str(g.user["$id"])
    return Actor(user_id, effective_project_role(g.access.complete()),
                 people.team_ids_of(store(), g.project["$id"], user_id))


def project_home(workspace_id: str, project_id: str) -> str:
    """The project's board when the board is installed, else its activity page."""
    endpoint = "board.index" if "board.index" in current_app.view_functions else \
        "projects.activity"
    return url_for(endpoint, workspace_id=workspace_id, project_id=project_id)


def item_url(item: Mapping[str, Any], **anchor: Any) -> str:
    return url_for("items.page", workspace_id=item["workspace_id"],
                   project_id=item["project_id"], item_id=item["$id"], **anchor)


def done(item: Document, message: str | None = None) -> Any:
    """After a successful write: the item region for htmx, a redirect otherwise."""
    if is_htmx():
        return page(item, notice=message)
    return redirect(item_url(item), 303)


def fields_for(item: Document) -> list[Document]:
    try:
        from webapp.features.fields import service as fields
    except ImportError:
        return []
    return list(fields.fields_for(store(), g.project, item.get("type")))


def context(item: Document, **extra: Any) -> dict[str, Any]:
    project, st = g.project, store()
    from webapp.features.workflows import engine

    flow = engine.load(st, project)
    statuses = engine.all_statuses(st, project, data=flow)
    can_edit = allowed(PP.EDIT_TASKS)
    if can_edit:
        actor = actor_from_request()
        targets = engine.allowed_targets(st, project, item, user_id=actor.user_id,
                                         project_role=actor.project_role,
                                         team_ids=actor.team_ids, data=flow)
    else:
        targets = []
    members = people.members(st, project["$id"])
    subs = service.sub_issues(st, item["$id"])
    link_views = links.links_of(st, item["$id"])
    related_ids = [v.other_id for v in link_views] + [
        i for i in (item.get("epic_id"), item.get("parent_id")) if i]
    related = st.get_many("work_items", related_ids) if related_ids else {}
    history = service.history(st, item["$id"])
    names = {p.user_id: p.name for p in members}
    missing = {i for i in [*(item.get("assignee_ids") or []), item.get("reporter_id"),
                           *(h.get("actor_id") for h in history)] if i and i not in names}
    names.update(people.names(st, missing))
    names.update({c.key: c.name for c in statuses if c.key not in names})
    item_refs = {v for h in history for k, pair in (h.get("changes") or {}).items()
                 if k in ("parent_id", "epic_id") for v in pair if v}
    names.update({k: v["key"] for k, v in st.get_many("work_items", list(item_refs)).items()}
                 if item_refs else {})
    by_label: dict[str, list[Any]] = {}
    for view in link_views:
        by_label.setdefault(view.label, []).append(view)
    return {
        "workspace": g.workspace, "project": project, "item": item, "statuses": statuses,
        "status_of": {c.key: c for c in statuses},
        "targets": [c for c in targets if c.key != item["status"]],
        "types": helpers.item_types(project), "priorities": helpers.priorities(project),
        "labels": helpers.labels(project), "members": members, "names": names,
        "teams": people.teams(st, project["$id"]), "epics": [
            e for e in service.epics(st, project["$id"]) if e["$id"] != item["$id"]],
        "subs": subs, "parent_choices": parent_choices(item, subs),
        "people_pairs": [(p.user_id, p.name) for p in members],
        "sub_blocked": links.blocked_ids(st, [s["$id"] for s in subs]),
        "entries": checklist.entries(st, item["$id"]), "links_by_label": by_label,
        "related": related, "link_types": links.choices(),
        "blocked": bool(links.blocked_ids(st, [item["$id"]])), "history": history,
        "custom_defs": fields_for(item), "can_edit": can_edit,
        "can_assign": allowed(PP.ASSIGN_TASKS), "can_create": allowed(PP.CREATE_TASKS),
        "can_delete": allowed(PP.DELETE_TASKS), "errors": {}, "conflict": None,
        "refusal": None, "notice": None,
        "project_home": project_home(project["workspace_id"], project["$id"]),
        "field_names": FIELD_NAMES, "attempt": {},
        "move_targets": [],
        **extra,
    }


def parent_choices(item: Document, subs: list[Document]) -> list[Document]:
    """Recent items of the project that may become this item's parent."""
    below = {s["$id"] for s in subs} | {item["$id"]}
    rows = store().list("work_items", [Query.equal("project_id", item["project_id"]),
                                       Query.order_desc("number"), Query.limit(200)]).documents
    return [r for r in rows if r["$id"] not in below]


def page(item: Document, *, status: int = 200, **extra: Any) -> Any:
    ctx = context(item, **extra)
    if allowed(PP.EDIT_TASKS) and not ctx["move_targets"]:
        ctx["move_targets"] = move_targets()
    return render("items/item.html", "items_item", status=status, **ctx)


def move_targets() -> list[Document]:
    """Other projects of the workspace where the user may create work items."""
    from webapp.authz.guards import scope_for
    from webapp.authz.loader import NotVisible
    from webapp.features.projects.service import list_projects

    out = []
    for project in list_projects(store(), g.workspace["$id"], g.user["$id"], sees_all=True):
        if project["$id"] == g.project["$id"] or project.get("status") == "ARCHIVED":
            continue
        try:
            scope = scope_for(workspace_id=g.workspace["$id"], project_id=project["$id"])
        except NotVisible:
            continue
        if scope.allows(PP.CREATE_TASKS):
            out.append(project)
    return out


def custom_values(defs: list[Document]) -> dict[str, Any]:
    """Posted ``cf_<key>`` inputs keyed by field key, shaped by each field's type."""
    out: dict[str, Any] = {}
    for d in defs:
        name = f"cf_{d['key']}"
        if name not in request.form:
            continue
        values = request.form.getlist(name)
        if d.get("field_type") in ("MULTI_SELECT", "USERS"):
            out[d["key"]] = [v for v in values if v != ""]
        elif d.get("field_type") == "CHECKBOX":
            out[d["key"]] = values[-1] in ("1", "on", "true")
        else:
            out[d["key"]] = values[-1]
    return out


def form_values(item: Document) -> dict[str, Any]:
    """The item fields named in the posted form's ``fields`` list (multi-valued ones as
    lists, so an emptied multi-select clears the field)."""
    names = [n for n in request.form.getlist("fields") if n]
    multi = {"assignee_ids", "team_ids", "labels"}
    out: dict[str, Any] = {}
    for name in names:
        if name == "custom_fields":
            out[name] = custom_values(fields_for(item))
        elif name in multi:
            values = request.form.getlist(name)
            if name == "labels" and request.form.get("labels_new"):
                values += request.form["labels_new"].split(",")
            out[name] = values
        elif name == "flagged":
            out[name] = request.form.get("flagged") in ("1", "on", "true")
        else:
            out[name] = request.form.get(name, "")
    return out
