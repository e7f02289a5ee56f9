"""The workflow engine: a project's board columns and the rules for moving a work item.

Reads are cheap and cacheable per request: ``load(store, project)`` reads the workflow's
statuses, the project's column settings and its custom columns (3 store queries; the
transitions are a 4th query, read only when a rule needs them) into a ``ProjectWorkflow``.
Every function takes it as ``data=`` so a caller that asks several questions in one request
loads once::

    wf = engine.load(store, project)
    columns = engine.board_columns(store, project, data=wf)
    check = engine.check_transition(store, project, item, "DONE", user_id=..., project_role=...,
                                    team_ids=..., data=wf)

Rules (SYSTEM.md 4.8):

* Moving to the item's own status is always allowed.
* Custom columns are project-local statuses: moves into or out of them, and moves out of a
  status the workflow does not know (a legacy status), are not restricted.
* A transition with ``from_status_id`` null leaves any status. A workflow without any
  transition does not restrict moves (a workflow being built, or a project without one).
* A transition passes when the mover's project role is in ``allowed_roles`` (empty: anyone;
  ``PROJECT_OWNER``/``PROJECT_ADMIN``/``MEMBER``/``VIEWER``, the seeded document names
  ``OWNER``... also match) AND one of the mover's project teams is in ``allowed_team_ids``
  (empty: anyone). ``requires_approval``: only a member of an approver team (no approver
  team: a project owner or admin) makes the move directly; anyone else gets
  REQUIRES_APPROVAL and may file an approval request (``approvals.py``).
  ``requires_comment``: the move needs a non-blank comment (REQUIRES_COMMENT).
  When several transitions lead to the target, the first that passes wins; otherwise the
  refusal of the transition leaving the item's own status (before "from any") is reported.
* A project without a workflow (created before schema v3) uses the five built-in statuses.

``Column``, ``TransitionCheck``, ``ProjectWorkflow`` and ``load`` live in ``model.py`` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.features.workflows.model import APPROVER_ROLES as APPROVER_ROLES
from webapp.features.workflows.model import BUILTIN as BUILTIN
from webapp.features.workflows.model import CATEGORIES as CATEGORIES
from webapp.features.workflows.model import CODES as CODES
from webapp.features.workflows.model import CUSTOM_CATEGORY as CUSTOM_CATEGORY
from webapp.features.workflows.model import MAX as MAX
from webapp.features.workflows.model import Column as Column
from webapp.features.workflows.model import ProjectWorkflow as ProjectWorkflow
from webapp.features.workflows.model import TransitionCheck as TransitionCheck
from webapp.features.workflows.model import builtin_statuses as builtin_statuses
from webapp.features.workflows.model import load as load
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query


def _data(store: DocumentStore, project: Mapping[str, Any],
          data: ProjectWorkflow | None) -> ProjectWorkflow:
    return data if data is not None else load(store, project)


def _wip(project: Mapping[str, Any], key: str) -> int | None:
    value = (project.get("wip_limits") or {}).get(key)
    return int(value) if isinstance(value, int | float) and value > 0 else None


def all_statuses(store: DocumentStore, project: Mapping[str, Any], *,
                 data: ProjectWorkflow | None = None) -> list[Column]:
    """Every column of the project (disabled ones too), in board order."""
    wf = _data(store, project, data)
    out: list[Column] = []
    for index, status in enumerate(wf.statuses):
        setting = wf.settings.get(status["key"])
        out.append(Column(
            key=status["key"], name=status["name"], color=status.get("color"),
            icon=status.get("icon"), category=status.get("status_type") or "OPEN",
            source="workflow", status_id=status.get("$id"), wip_limit=_wip(project, status["key"]),
            is_initial=bool(status.get("is_initial")), is_final=bool(status.get("is_final")),
            enabled=bool(setting.get("is_enabled", True)) if setting else True,
            position=float(setting["position"]) if setting else float((index + 1) * 1000),
        ))
    known = {c.key for c in out}
    for col in wf.custom:
        if col["key"] in known:
            continue
        out.append(Column(
            key=col["key"], name=col["name"], color=col.get("color"), icon=col.get("icon"),
            category=CUSTOM_CATEGORY.get(col.get("status_category") or "todo", "OPEN"),
            source="custom", status_id=None, wip_limit=_wip(project, col["key"]),
            is_initial=False, is_final=False, enabled=bool(col.get("is_enabled", True)),
            position=float(col.get("position") or 0) + 0.5, custom_id=col["$id"],
        ))
    # stable: ties keep workflow order, workflow columns before custom ones
    return sorted(out, key=lambda c: c.position)


def board_columns(store: DocumentStore, project: Mapping[str, Any], *,
                  data: ProjectWorkflow | None = None) -> list[Column]:
    """The enabled columns in board order."""
    return [c for c in all_statuses(store, project, data=data) if c.enabled]


def column_for(store: DocumentStore, project: Mapping[str, Any], key: str, *,
               data: ProjectWorkflow | None = None) -> Column | None:
    return next((c for c in all_statuses(store, project, data=data) if c.key == key), None)


def initial_status(store: DocumentStore, project: Mapping[str, Any], *,
                   data: ProjectWorkflow | None = None) -> Column:
    """The workflow's initial status (else its first status, else the first column)."""
    columns = all_statuses(store, project, data=data)
    flow = [c for c in columns if c.source == "workflow"]
    for candidates in ([c for c in flow if c.is_initial], flow, columns):
        if candidates:
            return candidates[0]
    key, name, category, color = BUILTIN[0]
    return Column(key, name, color, None, category, "workflow", None, None, True, False)


def category_of(store: DocumentStore, project: Mapping[str, Any], key: str, *,
                data: ProjectWorkflow | None = None) -> str | None:
    column = column_for(store, project, key, data=data)
    return column.category if column else None


# -- transitions -----------------------------------------------------------------------------
def role_name(project_role: Any) -> str | None:
    if project_role is None:
        return None
    name = getattr(project_role, "name", None) or str(project_role)
    return name.upper()


def _role_matches(role: str | None, allowed: Iterable[str]) -> bool:
    if role is None:
        return False
    names = {role, role.removeprefix("PROJECT_")}
    return any(str(a).upper() in names for a in allowed)


def is_approver(transition: Mapping[str, Any], *, project_role: Any,
                team_ids: Iterable[str]) -> bool:
    """May approve (or directly make) a transition that needs approval."""
    approvers = set(transition.get("approver_team_ids") or [])
    if approvers:
        return bool(approvers & set(team_ids))
    return role_name(project_role) in APPROVER_ROLES


def _evaluate(transition: Document, *, role: str | None, teams: set[str], project_role: Any,
              comment: str | None, names: Mapping[str, str]) -> TransitionCheck:
    label = transition.get("name") or "This move"
    roles = transition.get("allowed_roles") or []
    if roles and not _role_matches(role, roles):
        shown = ", ".join(str(r).removeprefix("PROJECT_").title() for r in roles)
        return TransitionCheck(False, "ROLE_NOT_ALLOWED",
                               f"“{label}” is limited to these roles: {shown}.", transition)
    allowed_teams = transition.get("allowed_team_ids") or []
    if allowed_teams and not set(allowed_teams) & teams:
        shown = ", ".join(names.get(t, "a team") for t in allowed_teams)
        return TransitionCheck(False, "TEAM_NOT_ALLOWED",
                               f"“{label}” is limited to members of: {shown}.", transition)
    if transition.get("requires_approval") and not is_approver(
            transition, project_role=project_role, team_ids=teams):
        approvers = transition.get("approver_team_ids") or []
        who = (", ".join(names.get(t, "a team") for t in approvers) if approvers
               else "a project owner or admin")
        return TransitionCheck(False, "REQUIRES_APPROVAL",
                               f"“{label}” needs approval from {who}; request an approval.",
                               transition)
    if transition.get("requires_comment") and not (comment or "").strip():
        return TransitionCheck(False, "REQUIRES_COMMENT",
                               f"“{label}” needs a comment explaining the move.", transition)
    return TransitionCheck(True, None, "", transition)


def check_transition(store: DocumentStore, project: Mapping[str, Any], item: Mapping[str, Any],
                     to_key: str, *, user_id: str | None, project_role: Any,
                     team_ids: Iterable[str], comment: str | None = None,
                     data: ProjectWorkflow | None = None,
                     team_names: Mapping[str, str] | None = None) -> TransitionCheck:
    """May this actor move ``item`` to the status/column ``to_key``? (see module rules)"""
    current = item.get("status")
    if to_key == current:
        return TransitionCheck(True)
    wf = _data(store, project, data)
    by_key = wf.status_by_key()
    target = by_key.get(to_key)
    if target is None:
        if any(c["key"] == to_key for c in wf.custom):
            return TransitionCheck(True)
        return TransitionCheck(False, "UNKNOWN_STATUS",
                               f"“{to_key}” is not a status of this project.")
    source = by_key.get(str(current)) if current else None
    if source is None or target.get("$id") is None:
        return TransitionCheck(True)  # leaving a custom/legacy status, or no workflow
    transitions = wf.transitions(store)
    if not transitions:
        return TransitionCheck(True)
    leading = [t for t in transitions if t["to_status_id"] == target["$id"]
               and t.get("from_status_id") in (source["$id"], None)]
    if not leading:
        return TransitionCheck(False, "TRANSITION_NOT_DEFINED",
                               f"The workflow has no transition from “{source['name']}” to "
                               f"“{target['name']}”.")
    leading.sort(key=lambda t: t.get("from_status_id") is None)  # specific ones first
    teams = set(team_ids)
    role = role_name(project_role)
    names = dict(team_names or {})
    refusals = []
    for transition in leading:
        check = _evaluate(transition, role=role, teams=teams, project_role=project_role,
                          comment=comment, names=names)
        if check.allowed:
            return check
        refusals.append(check)
    return refusals[0]


def allowed_targets(store: DocumentStore, project: Mapping[str, Any], item: Mapping[str, Any],
                    *, user_id: str | None, project_role: Any, team_ids: Iterable[str],
                    data: ProjectWorkflow | None = None) -> list[Column]:
    """Enabled columns the actor may move ``item`` to (a required comment is not counted
    as a refusal: the form asks for it), the item's own status included."""
    wf = _data(store, project, data)
    teams = list(team_ids)
    out = []
    for column in board_columns(store, project, data=wf):
        check = check_transition(store, project, item, column.key, user_id=user_id,
                                 project_role=project_role, team_ids=teams, comment="-",
                                 data=wf)
        if check.allowed:
            out.append(column)
    return out


def team_ids_of(store: DocumentStore, project_id: str, user_id: str) -> list[str]:
    """The user's project team ids (one query)."""
    return [row["team_id"] for row in store.list("project_team_members", [
        Query.equal("project_id", project_id), Query.equal("user_id", user_id),
        Query.limit(500)])]


# -- status writes and auto-transitions ------------------------------------------------------
def apply_status(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                 item: Mapping[str, Any], column: Column, *, action: str,
                 metadata: Mapping[str, Any] | None = None) -> Document | None:
    """Write ``column`` as the item's status (version-checked); None when the item changed
    meanwhile. Records ``action`` in the audit trail."""
    values: dict[str, Any] = {
        "status": column.key, "status_category": column.category,
        "version": int(item.get("version") or 1) + 1, "last_modified_by": acting.user_id,
    }
    if column.category == "CLOSED":
        if item.get("status_category") != "CLOSED":
            values["resolved_at"] = datetime.now(UTC)
    else:
        values["resolved_at"] = None
    with store.transaction():
        changed = store.update_where("work_items", [
            Query.equal("$id", item["$id"]), Query.equal("version", int(item.get("version") or 1)),
        ], values)
        if not changed:
            return None
        record(store, acting, action, "work_item", item["$id"], resource_name=item.get("key"),
               workspace_id=project.get("workspace_id"), project_id=project["$id"],
               changes={"status": [item.get("status"), column.key]},
               metadata=dict(metadata or {}))
    return {**item, **values}


def _auto(transitions: list[Document], condition: str) -> list[Document]:
    return [t for t in transitions if t.get("auto_transition")
            and t.get("auto_condition") == condition]


def _all_subtasks_done(store: DocumentStore, item: Mapping[str, Any]) -> bool:
    """At least one sub-issue or checklist entry, and all of them closed/completed."""
    children = store.list("work_items", [
        Query.equal("parent_id", item["$id"]), Query.select("status_category"),
        Query.limit(MAX)]).documents
    checklist = store.list("checklist_items", [
        Query.equal("item_id", item["$id"]), Query.select("is_completed"),
        Query.limit(MAX)]).documents
    if not children and not checklist:
        return False
    return (all(c.get("status_category") == "CLOSED" for c in children)
            and all(c.get("is_completed") for c in checklist))


def run_auto(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
             item: Mapping[str, Any], condition: str, *,
             data: ProjectWorkflow | None = None) -> Document | None:
    """Take the first auto transition with ``condition`` leaving the item's status (the
    condition is taken as met); returns the moved item or None."""
    wf = _data(store, project, data)
    by_key = wf.status_by_key()
    source = by_key.get(str(item.get("status")))
    if source is None or source.get("$id") is None:
        return None
    by_id = {s["$id"]: s for s in wf.statuses}
    for transition in _auto(wf.transitions(store), condition):
        if transition.get("from_status_id") not in (source["$id"], None):
            continue
        target = by_id.get(transition["to_status_id"])
        if target is None or target["key"] == item.get("status"):
            continue
        column = column_for(store, project, target["key"], data=wf)
        if column is None:
            continue
        return apply_status(store, acting, project, item, column,
                            action="work_item_auto_transitioned",
                            metadata={"condition": condition, "transition_id": transition["$id"],
                                      "transition": transition.get("name")})
    return None


def after_status_change(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                        item: Mapping[str, Any], *,
                        data: ProjectWorkflow | None = None) -> None:
    """Run ALL_SUBTASKS_DONE auto-transitions after ``item``'s status (or checklist)
    changed: on the item itself and up its parent chain. Costs one query (the workflow's
    transitions) when no auto-transition exists."""
    current: Mapping[str, Any] | None = item
    seen: set[str] = set()
    wf = data
    while current is not None and current["$id"] not in seen:
        seen.add(current["$id"])
        if current.get("project_id", project["$id"]) != project["$id"]:
            project = store.get("projects", current["project_id"])
            wf = None
        wf = wf or load(store, project)
        auto = _auto(wf.transitions(store), "ALL_SUBTASKS_DONE")
        if not auto:
            return
        if current.get("status_category") != "CLOSED" and _all_subtasks_done(store, current):
            run_auto(store, acting, project, current, "ALL_SUBTASKS_DONE", data=wf)
        parent_id = current.get("parent_id")
        current = store.find("work_items", parent_id) if parent_id else None
