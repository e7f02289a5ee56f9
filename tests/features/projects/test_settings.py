"""Project settings: create options, workflow inheritance, General/custom tabs, copy
settings, Danger zone (archive, key change, delete cascade) and the pages' guards."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from webapp.features.fields import service as fields
from webapp.features.projects import danger, helpers, service, settings
from webapp.features.spaces.service import create_space
from webapp.features.workspaces import service as workspaces
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, login_as, post
from .test_projects import role_id

OWNER = service.ProjectRole.PROJECT_OWNER


def make(store, owner, ws, key="APP", **kw):
    return service.create_project(store, acting(owner), ws["$id"], creator_id=owner["$id"],
                                  name=kw.pop("name", "App"), key=key, **kw)


def add_item(store, target, number=1, **extra):
    return store.create("work_items", {
        "workspace_id": target["workspace_id"], "project_id": target["$id"],
        "key": f"{target['key']}-{number}", "number": number, "title": f"Item {number}",
        "status": "TODO", **extra})


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, format="PNG")
    return out.getvalue()


# -- create ---------------------------------------------------------------------------------
def test_create_with_board_type_dates_and_default_workflow(store, owner, org_ws):
    made = make(store, owner, org_ws, board_type="KANBAN", start_date="2026-01-05",
                deadline="2026-03-31", description="  Site  ")
    assert made["board_type"] == "KANBAN" and made["status"] == "ACTIVE"
    assert made["start_date"] == datetime(2026, 1, 5, tzinfo=UTC)
    assert made["description"] == "Site"
    workflow = store.get("workflows", made["workflow_id"])
    assert workflow["scope"] == "PROJECT" and workflow["project_id"] == made["$id"]
    keys = {s["key"] for s in store.list("workflow_statuses",
                                         [Query.equal("workflow_id", workflow["$id"])])}
    assert keys == {"TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"}
    assert made["workflow_locked"] is False


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"name": ""}, "name", "Enter a name."),
    ({"name": "x" * 129}, "name", "Use at most 128 characters."),
    ({"key": "1AB"}, "key", "Use 2 to 10 letters or digits"),
    ({"board_type": "WATERFALL"}, "board_type", "Choose Scrum, Kanban or Hybrid."),
    ({"start_date": "31/12/2026"}, "start_date", "Enter a date like 2026-03-31."),
    ({"start_date": "2026-05-01", "deadline": "2026-04-01"}, "deadline",
     "The deadline cannot be before the start date."),
    ({"description": "x" * 2001}, "description", "Use at most 2000 characters."),
    ({"space_id": "nope"}, "space_id", "Choose an active space of this workspace."),
])
def test_create_validation_messages(store, owner, org_ws, values, field, message):
    args = {"name": "App", "key": "APP", **values}
    with pytest.raises(FieldErrors) as caught:
        service.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                               **args)
    assert caught.value.errors[field].startswith(message)
    assert store.count("projects", [Query.equal("workspace_id", org_ws["$id"])]) == 0


def test_key_unique_per_workspace_not_globally(store, owner, org, org_ws):
    make(store, owner, org_ws, key="WEB")
    with pytest.raises(FieldErrors) as caught:
        make(store, owner, org_ws, key="web")
    assert caught.value.errors["key"] == "Another project in this workspace uses this key."
    other = workspaces.create_workspace(store, acting(owner), owner_id=owner["$id"],
                                        name="Other", organization_id=org["$id"])
    assert make(store, owner, other, key="WEB")["key"] == "WEB"


def _space_with_default(store, owner, ws, inheritance):
    from webapp.features.workflows.service import create_from_template

    space = create_space(store, acting(owner), ws["$id"], creator_id=owner["$id"],
                         name="Platform", key="PLT")
    flow = create_from_template(store, acting(owner), ws["$id"], scope="SPACE",
                                space_id=space["$id"], name="Platform flow")
    store.update("spaces", space["$id"], {"default_workflow_id": flow["$id"],
                                          "workflow_inheritance": inheritance})
    other = create_from_template(store, acting(owner), ws["$id"], scope="WORKSPACE",
                                 name="Company flow")
    return space, flow, other


def test_inheritance_require_locks_the_space_default(store, owner, org_ws):
    space, flow, other = _space_with_default(store, owner, org_ws, "REQUIRE")
    made = make(store, owner, org_ws, space_id=space["$id"], workflow_id=other["$id"])
    assert made["workflow_id"] == flow["$id"] and made["workflow_locked"] is True


def test_inheritance_suggest_default_unless_chosen(store, owner, org_ws):
    space, flow, other = _space_with_default(store, owner, org_ws, "SUGGEST")
    plain = make(store, owner, org_ws, key="ONE", space_id=space["$id"])
    assert plain["workflow_id"] == flow["$id"] and not plain["workflow_locked"]
    chosen = make(store, owner, org_ws, key="TWO", space_id=space["$id"],
                  workflow_id=other["$id"])
    assert chosen["workflow_id"] == other["$id"] and not chosen["workflow_locked"]


def test_inheritance_none_gets_own_copy(store, owner, org_ws):
    space, flow, _ = _space_with_default(store, owner, org_ws, "NONE")
    made = make(store, owner, org_ws, space_id=space["$id"])
    assert made["workflow_id"] != flow["$id"]
    assert store.get("workflows", made["workflow_id"])["project_id"] == made["$id"]


def test_unknown_chosen_workflow_writes_nothing(store, owner, org_ws):
    with pytest.raises(FieldErrors) as caught:
        make(store, owner, org_ws, workflow_id="missing")
    assert "workflow_id" in caught.value.errors
    assert store.count("projects", [Query.equal("workspace_id", org_ws["$id"])]) == 0
    assert store.count("project_roles", [Query.equal("workspace_id", org_ws["$id"])]) == 0


# -- general --------------------------------------------------------------------------------
GENERAL = {"name": "Website 2", "description": "", "board_type": "HYBRID", "status": "ON_HOLD",
           "start_date": "2026-02-01", "deadline": "", "default_assignee_id": "",
           "auto_assign_creator": True, "default_swimlane": "epic",
           "default_sprint_duration": "21", "sprint_start_day": "3", "color": "#2563eb"}


def test_update_general(store, owner, project):
    after = settings.update_general(store, acting(owner), project["$id"],
                                    {**GENERAL, "default_assignee_id": owner["$id"]})
    assert (after["name"], after["board_type"], after["status"]) == ("Website 2", "HYBRID",
                                                                      "ON_HOLD")
    assert after["default_sprint_duration"] == 21 and after["sprint_start_day"] == 3
    assert after["default_swimlane"] == "epic" and after["auto_assign_creator"] is True
    assert after["default_assignee_id"] == owner["$id"]
    entry = store.first("audit_logs", [Query.equal("action", "project_settings_updated")])
    assert entry is not None and entry["changes"]["board_type"] == ["SCRUM", "HYBRID"]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"name": " "}, "name", "Enter a name."),
    ({"board_type": "X"}, "board_type", "Choose Scrum, Kanban or Hybrid."),
    ({"status": "ARCHIVED"}, "status", "Choose Active, On hold or Completed."),
    ({"default_sprint_duration": "0"}, "default_sprint_duration",
     "Use a whole number of days from 1 to 60."),
    ({"default_sprint_duration": "61"}, "default_sprint_duration",
     "Use a whole number of days from 1 to 60."),
    ({"default_sprint_duration": "two"}, "default_sprint_duration",
     "Use a whole number of days from 1 to 60."),
    ({"sprint_start_day": "7"}, "sprint_start_day", "Choose a weekday."),
    ({"default_swimlane": "sprint"}, "default_swimlane", "Choose none, assignee, epic or type."),
    ({"default_assignee_id": "stranger"}, "default_assignee_id",
     "Choose a member of this project."),
    ({"color": "red"}, "color", "Use a colour like #2563eb."),
    ({"deadline": "2026-01-01"}, "deadline", "The deadline cannot be before the start date."),
    ({"description": "x" * 2001}, "description", "Use at most 2000 characters."),
])
def test_general_messages(store, owner, project, values, field, message):
    with pytest.raises(FieldErrors) as caught:
        settings.update_general(store, acting(owner), project["$id"], {**GENERAL, **values})
    assert caught.value.errors[field] == message
    assert store.get("projects", project["$id"])["name"] == "Website"


# -- custom types / priorities / labels, copy ----------------------------------------------
def test_customs_add_remove_and_helpers(store, owner, project):
    pid = project["$id"]
    settings.add_custom(store, acting(owner), pid, "types",
                        {"key": "spike", "label": "Spike", "color": "#123456", "icon": "zap"})
    settings.add_custom(store, acting(owner), pid, "priorities",
                        {"key": "BLOCKER", "label": "Blocker", "color": "#ff0000", "level": "9"})
    after = settings.add_custom(store, acting(owner), pid, "labels",
                                {"name": "frontend", "color": "#00ff00"})
    assert [t["key"] for t in helpers.item_types(after)][-1] == "SPIKE"
    assert helpers.item_types(after)[0] == {"key": "EPIC", "label": "Epic", "icon": "bolt",
                                            "color": "#7c3aed", "builtin": True}
    assert [p["key"] for p in helpers.priorities(after)] == ["LOW", "MEDIUM", "HIGH", "URGENT",
                                                             "BLOCKER"]
    assert helpers.labels(after) == [{"name": "frontend", "color": "#00ff00", "builtin": False}]
    add_item(store, after, type="SPIKE", priority="BLOCKER")
    for kind, key in (("types", "SPIKE"), ("priorities", "BLOCKER")):
        with pytest.raises(Refused) as caught:
            settings.remove_custom(store, acting(owner), pid, kind, key)
        assert caught.value.code == "IN_USE"
    after = settings.remove_custom(store, acting(owner), pid, "labels", "frontend")
    assert after["custom_labels"] == []
    with pytest.raises(Refused):
        settings.remove_custom(store, acting(owner), pid, "types", "TASK")  # built-in


@pytest.mark.parametrize(("kind", "values", "field", "message"), [
    ("types", {"key": "TASK", "label": "Task 2"}, "key", "This key is already in use."),
    ("types", {"key": "a", "label": "A"}, "key",
     "Use 2 to 32 capital letters, digits or _, starting with a letter."),
    ("types", {"key": "SPIKE", "label": ""}, "label", "Enter a name."),
    ("types", {"key": "SPIKE", "label": "S", "icon": "Bad Icon"}, "icon",
     "Use an icon name like bug or star."),
    ("types", {"key": "SPIKE", "label": "S", "color": "blue"}, "color",
     "Use a colour like #2563eb."),
    ("priorities", {"key": "HIGH", "label": "High"}, "key", "This key is already in use."),
    ("priorities", {"key": "P0", "label": "P0", "level": "10"}, "level",
     "Use a level from 1 (lowest) to 9."),
    ("labels", {"name": ""}, "name", "Enter a label."),
    ("labels", {"name": "x" * 65}, "name", "Use at most 64 characters."),
])
def test_custom_messages(store, owner, project, kind, values, field, message):
    with pytest.raises(FieldErrors) as caught:
        settings.add_custom(store, acting(owner), project["$id"], kind, values)
    assert caught.value.errors[field] == message


def test_duplicate_label_is_case_insensitive(store, owner, project):
    settings.add_custom(store, acting(owner), project["$id"], "labels", {"name": "UI"})
    with pytest.raises(FieldErrors) as caught:
        settings.add_custom(store, acting(owner), project["$id"], "labels", {"name": "ui"})
    assert caught.value.errors["name"] == "This project already has this label."


def test_copy_settings(store, owner, org, org_ws, project):
    source = make(store, owner, org_ws, key="SRC")
    for kind, values in (("types", {"key": "SPIKE", "label": "Spike"}),
                         ("priorities", {"key": "P0", "label": "P0", "level": "9"}),
                         ("labels", {"name": "ui"}), ("labels", {"name": "api"})):
        settings.add_custom(store, acting(owner), source["$id"], kind, values)
    settings.add_custom(store, acting(owner), project["$id"], "labels", {"name": "UI"})
    after = settings.copy_settings(store, acting(owner), project["$id"], source["$id"])
    assert [t["key"] for t in after["custom_types"]] == ["SPIKE"]
    assert [p["key"] for p in after["custom_priorities"]] == ["P0"]
    assert [x["name"] for x in after["custom_labels"]] == ["UI", "api"]
    again = settings.copy_settings(store, acting(owner), project["$id"], source["$id"])
    assert again["custom_labels"] == after["custom_labels"]
    other_ws = workspaces.create_workspace(store, acting(owner), owner_id=owner["$id"],
                                           name="Other", organization_id=org["$id"])
    foreign = make(store, owner, other_ws, key="FOR")
    for bad in (foreign["$id"], project["$id"], "missing"):
        with pytest.raises(FieldErrors) as caught:
            settings.copy_settings(store, acting(owner), project["$id"], bad)
        assert caught.value.errors["source_id"] == "Choose another project of this workspace."


# -- danger zone ----------------------------------------------------------------------------
def test_archive_and_restore(store, owner, project):
    assert danger.set_archived(store, acting(owner), project["$id"], True)["status"] == "ARCHIVED"
    kept = settings.update_general(store, acting(owner), project["$id"],
                                   {**GENERAL, "status": "ACTIVE"})
    assert kept["status"] == "ARCHIVED"  # General does not unarchive
    assert danger.set_archived(store, acting(owner), project["$id"], False)["status"] == "ACTIVE"


def test_change_key(store, owner, org_ws, project):
    make(store, owner, org_ws, key="TAKEN")
    with pytest.raises(FieldErrors) as caught:
        danger.change_key(store, acting(owner), project["$id"], "taken")
    assert caught.value.errors["key"] == "Another project in this workspace uses this key."
    with pytest.raises(FieldErrors):
        danger.change_key(store, acting(owner), project["$id"], "9X")
    assert danger.change_key(store, acting(owner), project["$id"], "site")["key"] == "SITE"
    add_item(store, store.get("projects", project["$id"]))
    with pytest.raises(Refused) as refused:
        danger.change_key(store, acting(owner), project["$id"], "NEW")
    assert refused.value.code == "KEY_LOCKED"
    assert store.get("projects", project["$id"])["key"] == "SITE"


def test_delete_cascade_leaves_nothing(store, owner, org_ws, project):
    pid, wid = project["$id"], org_ws["$id"]
    keep = make(store, owner, org_ws, key="KEEP")
    one, two = add_item(store, project, 1), add_item(store, project, 2)
    outside = add_item(store, keep, 1)
    common = {"workspace_id": wid, "project_id": pid}
    store.create("work_item_links", {**common, "source_id": one["$id"], "target_id": two["$id"],
                                     "link_type": "BLOCKS"})
    store.create("work_item_links", {"workspace_id": wid, "project_id": keep["$id"],
                                     "source_id": outside["$id"], "target_id": one["$id"],
                                     "link_type": "RELATES_TO"})
    store.create("checklist_items", {**common, "item_id": one["$id"], "title": "Check"})
    store.create("custom_columns", {**common, "key": "QA", "name": "QA",
                                    "status_category": "in_progress"})
    store.create("column_settings", {**common, "column_key": "TODO"})
    store.create("sprints", {**common, "name": "Sprint 1"})
    store.create("work_item_approvals", {**common, "item_id": one["$id"], "transition_id": "t",
                                         "requested_by": owner["$id"]})
    fields.create_field(store, acting(owner), workspace_id=wid, scope="PROJECT", project_id=pid,
                        values={"name": "Budget", "field_type": "NUMBER"})
    fields.create_field(store, acting(owner), workspace_id=wid, scope="WORKSPACE",
                        values={"name": "Team size", "field_type": "NUMBER"})
    from webapp.features.projects import access
    access.create_team(store, acting(owner), pid, name="Core")
    workflow_id = store.get("projects", pid)["workflow_id"]
    with pytest.raises(FieldErrors) as caught:
        danger.delete_project(store, acting(owner), pid, confirm="web")
    assert caught.value.errors["confirm"] == "Type the project key WEB to confirm."
    assert store.find("projects", pid) is not None
    removed = danger.delete_project(store, acting(owner), pid, confirm="WEB")
    assert removed["work_items"] == 2 and removed["work_item_links"] == 2
    assert store.find("projects", pid) is None
    for collection in ("work_items", "work_item_links", "checklist_items", "custom_columns",
                       "column_settings", "sprints", "work_item_approvals", "custom_fields",
                       "project_members", "project_roles", "project_teams",
                       "project_team_members", "project_permissions", "workflows"):
        assert store.count(collection, [Query.equal("project_id", pid)]) == 0, collection
    for collection in ("workflow_statuses", "workflow_transitions"):
        assert store.count(collection, [Query.equal("workflow_id", workflow_id)]) == 0
    assert store.find("workflows", workflow_id) is None
    assert store.count("work_item_links", [Query.equal("source_id", outside["$id"])]) == 0
    assert store.find("work_items", outside["$id"]) is not None  # other projects untouched
    assert store.count("custom_fields", [Query.equal("scope", "WORKSPACE")]) == 1
    assert store.first("audit_logs", [Query.equal("action", "project_deleted")]) is not None


# -- pages ----------------------------------------------------------------------------------
def test_pages_for_owner(client, store, owner, org_ws, project):
    login_as(client, owner)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings"
    for tab in ("general", "types", "priorities", "labels", "danger"):
        page = client.get(f"{base}/{tab}")
        assert page.status_code == 200, tab
        assert 'aria-label="Project settings"' in page.get_data(as_text=True)
    bad = post(client, f"{base}/general", f"{base}/general",
               {**GENERAL, "default_sprint_duration": "99", "auto_assign_creator": "y"})
    assert bad.status_code == 422
    assert "Use a whole number of days from 1 to 60." in bad.get_data(as_text=True)
    ok = post(client, f"{base}/general", f"{base}/general",
              {**GENERAL, "auto_assign_creator": "y"})
    assert ok.status_code == 303
    assert store.get("projects", project["$id"])["board_type"] == "HYBRID"
    added = post(client, f"{base}/types", f"{base}/types",
                 {"key": "SPIKE", "label": "Spike", "color": "#123456", "icon": "zap"})
    assert added.status_code == 303
    dup = post(client, f"{base}/types", f"{base}/types", {"key": "SPIKE", "label": "Again"})
    assert dup.status_code == 422 and "This key is already in use." in dup.get_data(as_text=True)
    assert post(client, f"{base}/types", f"{base}/types/remove",
                {"key": "SPIKE"}).status_code == 303
    image = post(client, f"{base}/general", f"{base}/image",
                 {"image": (io.BytesIO(png()), "a.png")}, content_type="multipart/form-data")
    assert image.status_code == 303
    assert client.get(f"/w/{org_ws['$id']}/projects/{project['$id']}/image").status_code == 200
    notimg = post(client, f"{base}/general", f"{base}/image",
                  {"image": (io.BytesIO(b"nope"), "a.png")}, content_type="multipart/form-data")
    assert notimg.status_code == 422
    assert post(client, f"{base}/danger", f"{base}/archive",
                {"archived": "1"}).status_code == 303
    assert store.get("projects", project["$id"])["status"] == "ARCHIVED"
    wrong = post(client, f"{base}/danger", f"{base}/delete", {"confirm": "nope"})
    assert wrong.status_code == 422 and "Type the project key WEB" in wrong.get_data(as_text=True)
    gone = post(client, f"{base}/danger", f"{base}/delete", {"confirm": "WEB"})
    assert gone.status_code == 303 and store.find("projects", project["$id"]) is None


def test_create_page_with_board_type_and_image(client, store, owner, org_ws):
    login_as(client, owner)
    url = f"/w/{org_ws['$id']}/projects"
    bad = post(client, url, url, {"name": "Ops", "key": "OPS", "board_type": "KANBAN",
                                  "start_date": "2026-05-01", "deadline": "2026-04-01"})
    assert bad.status_code == 422
    assert "The deadline cannot be before the start date." in bad.get_data(as_text=True)
    made = post(client, url, url, {"name": "Ops", "key": "ops", "board_type": "KANBAN",
                                   "image": (io.BytesIO(png()), "x.png")},
                content_type="multipart/form-data")
    assert made.status_code == 303
    ops = store.first("projects", [Query.equal("key", "OPS")])
    assert ops["board_type"] == "KANBAN" and ops["image_file_id"]
    listing = client.get(url).get_data(as_text=True)
    assert "Kanban" in listing and "0 items" in listing and "OPS" in listing


def test_viewer_reads_but_cannot_write(client, store, owner, editor, org_ws, project):
    service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                               role_id(store, project, "VIEWER"), actor_role=OWNER)
    login_as(client, editor)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings"
    page = client.get(f"{base}/general")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "disabled" in html and "Save settings" not in html and "Danger zone" not in html
    assert "Add a work type" not in client.get(f"{base}/types").get_data(as_text=True)
    assert client.get(f"{base}/danger").status_code == 403
    for action, data in (("general", GENERAL), ("types", {"key": "X1", "label": "X"}),
                         ("labels/remove", {"key": "x"}), ("copy", {"source_id": "x"}),
                         ("archive", {"archived": "1"}), ("key", {"key": "NEW"}),
                         ("delete", {"confirm": "WEB"})):
        assert post(client, f"{base}/general", f"{base}/{action}",
                    data).status_code == 403, action
    assert store.get("projects", project["$id"])["name"] == "Website"


def test_other_tenant_gets_404(client, store, owner, alice, org_ws, project):
    workspaces.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Mine")
    login_as(client, alice)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings"
    for tab in ("general", "types", "danger"):
        assert client.get(f"{base}/{tab}").status_code == 404
    assert client.post(f"{base}/delete", data={"confirm": "WEB"}).status_code in (400, 404)
    assert store.find("projects", project["$id"]) is not None
