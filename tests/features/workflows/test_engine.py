"""The workflow engine: columns, every refusal code, auto-transitions, query cost."""

from __future__ import annotations

import pytest
from matrix.counting import CountingStore

from webapp.audit.service import list_entries
from webapp.authz.roles import ProjectRole
from webapp.features.workflows import engine, service
from webapp.features.workflows.templates import TEMPLATES
from webapp.storage.query import Query

from ..workspaces.helpers import acting
from .conftest import make_item, make_team, status_id

OWNER = ProjectRole.PROJECT_OWNER
MEMBER = ProjectRole.MEMBER


def check(store, project, item, to, role=MEMBER, teams=(), comment=None):
    return engine.check_transition(store, project, item, to, user_id="u1", project_role=role,
                                   team_ids=teams, comment=comment)


def test_default_workflow_is_a_software_development_copy(store, project):
    workflow = store.get("workflows", project["workflow_id"])
    assert workflow["scope"] == "PROJECT" and workflow["project_id"] == project["$id"]
    assert workflow["template"] == "SOFTWARE_DEVELOPMENT" and not project["workflow_locked"]
    columns = engine.board_columns(store, project)
    assert [c.key for c in columns] == ["TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert [c.category for c in columns] == ["OPEN", "OPEN", "IN_PROGRESS", "IN_PROGRESS",
                                             "CLOSED"]
    assert columns[0].is_initial and columns[-1].is_final and columns[0].source == "workflow"
    assert engine.initial_status(store, project).key == "TODO"
    assert workflow["status_count"] == 5


def test_same_status_and_defined_transition(store, project):
    item = make_item(store, project, "TODO")
    assert check(store, project, item, "TODO").allowed
    result = check(store, project, item, "ASSIGNED")
    assert result.allowed and result.transition["name"] == "Assign"


def test_transition_not_defined_and_unknown_status(store, project):
    item = make_item(store, project, "TODO")
    result = check(store, project, item, "DONE")
    assert not result.allowed and result.code == "TRANSITION_NOT_DEFINED"
    assert "To Do" in result.message and "Done" in result.message
    unknown = check(store, project, item, "NOPE")
    assert unknown.code == "UNKNOWN_STATUS"


def _restrict(store, owner, project, values):
    workflow = store.get("workflows", project["workflow_id"])
    transition = store.first("workflow_transitions", [
        Query.equal("workflow_id", workflow["$id"]),
        Query.equal("from_status_id", status_id(store, project, "TODO"))])
    return service.update_transition(store, acting(owner), workflow, transition["$id"], values)


def test_role_not_allowed(store, owner, project):
    _restrict(store, owner, project, {"allowed_roles": ["PROJECT_ADMIN", "PROJECT_OWNER"]})
    item = make_item(store, project, "TODO")
    refused = check(store, project, item, "ASSIGNED", role=MEMBER)
    assert refused.code == "ROLE_NOT_ALLOWED" and "Admin" in refused.message
    assert check(store, project, item, "ASSIGNED", role=OWNER).allowed
    assert check(store, project, item, "ASSIGNED", role="PROJECT_ADMIN").allowed
    assert check(store, project, item, "ASSIGNED", role=None).code == "ROLE_NOT_ALLOWED"


def test_team_not_allowed(store, owner, bob, project):
    team = make_team(store, project, "Dev", bob)
    _restrict(store, owner, project, {"allowed_team_ids": [team["$id"]]})
    item = make_item(store, project, "TODO")
    refused = engine.check_transition(store, project, item, "ASSIGNED", user_id="x",
                                      project_role=OWNER, team_ids=[],
                                      team_names={team["$id"]: "Dev"})
    assert refused.code == "TEAM_NOT_ALLOWED" and "Dev" in refused.message
    teams = engine.team_ids_of(store, project["$id"], bob["$id"])
    assert teams == [team["$id"]]
    assert check(store, project, item, "ASSIGNED", teams=teams).allowed


def test_requires_approval_and_comment(store, owner, bob, project):
    approvers = make_team(store, project, "Leads", owner)
    _restrict(store, owner, project, {"requires_approval": True,
                                      "approver_team_ids": [approvers["$id"]]})
    item = make_item(store, project, "TODO")
    refused = check(store, project, item, "ASSIGNED", role=OWNER)
    assert refused.code == "REQUIRES_APPROVAL" and refused.transition is not None
    assert check(store, project, item, "ASSIGNED", teams=[approvers["$id"]]).allowed
    _restrict(store, owner, project, {"requires_approval": False, "approver_team_ids": [],
                                      "requires_comment": True})
    assert check(store, project, item, "ASSIGNED").code == "REQUIRES_COMMENT"
    assert check(store, project, item, "ASSIGNED", comment="  ").code == "REQUIRES_COMMENT"
    assert check(store, project, item, "ASSIGNED", comment="ready").allowed


def test_approval_without_teams_means_owner_or_admin(store, owner, project):
    _restrict(store, owner, project, {"requires_approval": True})
    item = make_item(store, project, "TODO")
    assert check(store, project, item, "ASSIGNED", role=MEMBER).code == "REQUIRES_APPROVAL"
    assert check(store, project, item, "ASSIGNED", role=OWNER).allowed


def test_from_any_and_specific_first(store, owner, project):
    workflow = store.get("workflows", project["workflow_id"])
    done = status_id(store, project, "DONE")
    service.add_transition(store, acting(owner), workflow, {
        "from_status_id": "", "to_status_id": done, "name": "Close",
        "allowed_roles": ["PROJECT_OWNER"]})
    item = make_item(store, project, "TODO")
    assert check(store, project, item, "DONE", role=OWNER).transition["name"] == "Close"
    assert check(store, project, item, "DONE", role=MEMBER).code == "ROLE_NOT_ALLOWED"
    # from IN_REVIEW the specific "Approve" (no restriction) passes for a member
    review = make_item(store, project, "IN_REVIEW", status_category="IN_PROGRESS")
    assert check(store, project, review, "DONE", role=MEMBER).transition["name"] == "Approve"


def test_custom_columns_and_legacy_statuses_are_free(store, owner, project):
    from webapp.features.workflows import columns

    col = columns.add_custom_column(store, acting(owner), project, {
        "name": "Waiting", "status_category": "in_progress"})
    item = make_item(store, project, "TODO")
    assert check(store, project, item, col["key"]).allowed
    parked = make_item(store, project, col["key"], status_category="IN_PROGRESS")
    assert check(store, project, parked, "DONE").allowed
    legacy = make_item(store, project, "OLD_STATUS", status_category="OPEN")
    assert check(store, project, legacy, "DONE").allowed
    keys = [c.key for c in engine.board_columns(store, project)]
    assert keys[-1] == col["key"] and engine.column_for(store, project, col["key"]).category \
        == "IN_PROGRESS"


def test_workflow_without_transitions_and_project_without_workflow(store, owner, project):
    store.delete_where("workflow_transitions", [
        Query.equal("workflow_id", project["workflow_id"])])
    item = make_item(store, project, "TODO")
    assert check(store, project, item, "DONE").allowed
    bare = {**project, "workflow_id": None}
    assert next(c.key for c in engine.board_columns(store, bare)) == "TODO"
    assert check(store, bare, item, "DONE").allowed


def test_allowed_targets(store, owner, project):
    item = make_item(store, project, "IN_REVIEW", status_category="IN_PROGRESS")
    keys = [c.key for c in engine.allowed_targets(store, project, item, user_id="u",
                                                  project_role=MEMBER, team_ids=[])]
    assert keys == ["IN_PROGRESS", "IN_REVIEW", "DONE"]


def test_board_columns_cost_three_queries_and_cache(store, project):
    counting = CountingStore(store)
    data = engine.load(counting, project)
    assert counting.total == 3
    engine.board_columns(counting, project, data=data)
    engine.initial_status(counting, project, data=data)
    assert counting.total == 3
    item = make_item(store, project, "TODO")
    engine.check_transition(counting, project, item, "ASSIGNED", user_id="u", project_role=MEMBER,
                            team_ids=[], data=data)
    engine.check_transition(counting, project, item, "DONE", user_id="u", project_role=MEMBER,
                            team_ids=[], data=data)
    assert counting.total == 4  # the transitions, read once
    counting.reset()
    engine.board_columns(counting, project)
    assert counting.total == 3


def test_column_settings_and_wip(store, owner, project):
    from webapp.features.workflows import columns

    columns.set_enabled(store, acting(owner), project, "ASSIGNED", False)
    columns.reorder(store, acting(owner), project, ["DONE", "TODO", "IN_PROGRESS", "IN_REVIEW",
                                                    "ASSIGNED"])
    columns.set_wip_limits(store, acting(owner), project, {"IN_PROGRESS": "3"})
    project = store.get("projects", project["$id"])
    shown = engine.board_columns(store, project)
    assert [c.key for c in shown] == ["DONE", "TODO", "IN_PROGRESS", "IN_REVIEW"]
    assert [c.enabled for c in engine.all_statuses(store, project)][-1] is False
    assert next(c for c in shown if c.key == "IN_PROGRESS").wip_limit == 3


def test_all_subtasks_done_auto_transition_really_runs(store, owner, project):
    workflow = store.get("workflows", project["workflow_id"])
    service.add_transition(store, acting(owner), workflow, {
        "from_status_id": status_id(store, project, "IN_PROGRESS"),
        "to_status_id": status_id(store, project, "DONE"), "name": "All done",
        "auto_transition": True, "auto_condition": "ALL_SUBTASKS_DONE"})
    parent = make_item(store, project, "IN_PROGRESS", status_category="IN_PROGRESS")
    first = make_item(store, project, "DONE", parent_id=parent["$id"])
    second = make_item(store, project, "IN_REVIEW", parent_id=parent["$id"],
                       status_category="IN_PROGRESS")
    check_item = store.create("checklist_items", {
        "item_id": parent["$id"], "project_id": project["$id"],
        "workspace_id": project["workspace_id"], "title": "Docs", "is_completed": False})
    engine.after_status_change(store, acting(owner), project, first)
    assert store.get("work_items", parent["$id"])["status"] == "IN_PROGRESS"
    second = store.update("work_items", second["$id"], {"status": "DONE",
                                                        "status_category": "CLOSED"})
    engine.after_status_change(store, acting(owner), project, second)
    assert store.get("work_items", parent["$id"])["status"] == "IN_PROGRESS"  # checklist open
    store.update("checklist_items", check_item["$id"], {"is_completed": True})
    engine.after_status_change(store, acting(owner), project, store.get("work_items",
                                                                        parent["$id"]))
    moved = store.get("work_items", parent["$id"])
    assert moved["status"] == "DONE" and moved["status_category"] == "CLOSED"
    assert moved["resolved_at"] is not None and moved["version"] == 2
    entry = list_entries(store, project_id=project["$id"]).documents[0]
    assert entry["action"] == "work_item_auto_transitioned"
    assert entry["metadata"]["condition"] == "ALL_SUBTASKS_DONE"


def test_auto_transition_needs_children_and_costs_one_query_without_auto(store, project):
    item = make_item(store, project, "IN_PROGRESS", status_category="IN_PROGRESS")
    counting = CountingStore(store)
    data = engine.load(store, project)
    engine.after_status_change(counting, acting({"$id": "x", "name": "X"}), project, item,
                               data=data)
    assert counting.total == 1


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_template_shapes(store, owner, org_ws, key):
    template = TEMPLATES[key]
    workflow = service.create_from_template(store, acting(owner), org_ws["$id"], key)
    statuses = store.list("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                                Query.order_asc("position"),
                                                Query.limit(100)]).documents
    assert [s["key"] for s in statuses] == [s[0] for s in template.statuses]
    assert [s["key"] for s in statuses if s["is_initial"]] == [template.statuses[0][0]]
    assert [s["key"] for s in statuses if s["is_final"]] == list(template.final)
    transitions = store.list("workflow_transitions", [
        Query.equal("workflow_id", workflow["$id"]), Query.limit(100)]).documents
    assert sorted(t["name"] for t in transitions) == sorted(t[0] for t in template.transitions)
    result = service.analyse_workflow(store, workflow)
    assert not result.orphaned and not result.unreachable and not result.dead_ends


def test_template_names_match_the_reference():
    assert [t.name for t in TEMPLATES.values()] == ["Software Development", "Simple Kanban",
                                                    "Bug Tracking", "Sprint/Agile"]
    software = {t[0] for t in TEMPLATES["SOFTWARE_DEVELOPMENT"].transitions}
    assert software == {"Assign", "Start Work", "Request Review", "Submit for Review",
                        "Approve", "Request Changes"}
    assert [s[1] for s in TEMPLATES["BUG_TRACKING"].statuses] == [
        "Open", "Confirmed", "In Progress", "Fixed", "Verified", "Closed"]
    assert [s[1] for s in TEMPLATES["SPRINT_AGILE"].statuses] == [
        "Backlog", "Selected", "In Progress", "Blocked", "Review", "Done"]
