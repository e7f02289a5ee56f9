"""Custom field definitions: scopes, inheritance, validation messages, pages and guards."""

from __future__ import annotations

import pytest

from webapp.features.fields import service
from webapp.features.projects import service as projects
from webapp.features.projects.helpers import type_keys
from webapp.features.spaces.service import create_space
from webapp.features.workspaces import service as workspaces
from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.query import Query

from ..projects.test_projects import role_id
from ..workspaces.helpers import acting, login_as, post


@pytest.fixture
def space(store, owner, org_ws):
    return create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                        name="Platform", key="PLT")


@pytest.fixture
def project(store, owner, org_ws, space):
    return projects.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="Website", key="WEB", space_id=space["$id"])


def new(store, owner, ws, scope="PROJECT", **values):
    extra = {k: values.pop(k) for k in ("space_id", "project_id") if k in values}
    return service.create_field(store, acting(owner), workspace_id=ws["$id"], scope=scope,
                                values={"field_type": "TEXT", **values},
                                item_types=type_keys(None), **extra)


def test_fields_for_merges_scopes_in_order(store, owner, org_ws, space, project):
    other_space = create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                               name="Other", key="OTH")
    other = projects.create_project(store, acting(owner), org_ws["$id"],
                                    creator_id=owner["$id"], name="Other", key="OTH")
    new(store, owner, org_ws, "PROJECT", name="Budget", project_id=project["$id"])
    new(store, owner, org_ws, "SPACE", name="Tier", space_id=space["$id"])
    new(store, owner, org_ws, "WORKSPACE", name="Customer")
    new(store, owner, org_ws, "SPACE", name="Elsewhere", space_id=other_space["$id"])
    new(store, owner, org_ws, "PROJECT", name="Theirs", project_id=other["$id"])
    new(store, owner, org_ws, "PROJECT", name="Bug only", project_id=project["$id"],
        applies_to_types=["BUG"])
    names = [f["name"] for f in service.fields_for(store, project)]
    assert names == ["Customer", "Tier", "Budget", "Bug only"]
    assert [f["name"] for f in service.fields_for(store, project, "TASK")] == [
        "Customer", "Tier", "Budget"]
    assert [f["name"] for f in service.fields_for(store, other)] == ["Customer", "Theirs"]


def test_create_cleans_options_default_and_key(store, owner, org_ws, project):
    field = new(store, owner, org_ws, name="Risk level", field_type="SELECT",
                project_id=project["$id"], options="Low\n\nHigh\n", default_value="High",
                is_required="y", show_in_card="y")
    assert field["key"] == "risk_level" and field["scope"] == "PROJECT"
    assert field["options"] == [{"value": "Low", "label": "Low"},
                                {"value": "High", "label": "High"}]
    assert field["default_value"] == "High" and field["is_required"] is True
    multi = new(store, owner, org_ws, name="Areas", field_type="MULTI_SELECT",
                project_id=project["$id"], options="UI\nAPI", default_value="UI, API")
    assert multi["default_value"] == ["UI", "API"]
    money = new(store, owner, org_ws, name="Cost", field_type="CURRENCY",
                project_id=project["$id"], currency_code="eur", precision="2")
    assert money["currency_code"] == "EUR" and money["precision"] == 2
    entry = store.first("audit_logs", [Query.equal("action", "custom_field_created")])
    assert entry is not None


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"name": ""}, "name", "Enter a name."),
    ({"name": "x" * 65}, "name", "Use at most 64 characters."),
    ({"field_type": "COLOR"}, "field_type", "Choose a field type."),
    ({"key": "Bad Key"}, "key", "Use lower-case letters, digits and _, starting with a letter."),
    ({"key": "existing"}, "key", "Another field in this workspace uses this key."),
    ({"field_type": "SELECT"}, "options", "Add at least one option, one per line."),
    ({"field_type": "SELECT", "options": "A\na"}, "options", "The option “a” is listed twice."),
    ({"field_type": "NUMBER", "default_value": "abc"}, "default_value", "Enter a number."),
    ({"field_type": "SELECT", "options": "A", "default_value": "B"}, "default_value",
     "Choose one of the options."),
    ({"field_type": "NUMBER", "precision": "9"}, "precision", "Use 0 to 6 decimal places."),
    ({"field_type": "CURRENCY", "currency_code": "euro"}, "currency_code",
     "Use a three-letter currency code like EUR."),
    ({"applies_to_types": ["NOPE"]}, "applies_to_types", "Choose work types from the list."),
    ({"description": "x" * 501}, "description", "Use at most 500 characters."),
])
def test_create_messages(store, owner, org_ws, values, field, message):
    new(store, owner, org_ws, "WORKSPACE", name="Existing", key="existing")
    with pytest.raises(FieldErrors) as caught:
        new(store, owner, org_ws, "WORKSPACE", **{"name": "Some field", **values})
    assert caught.value.errors[field] == message
    assert store.count("custom_fields") == 1


def test_space_scope_needs_a_space_of_the_workspace(store, owner, org, org_ws):
    other = workspaces.create_workspace(store, acting(owner), owner_id=owner["$id"],
                                        name="Other", organization_id=org["$id"])
    foreign = create_space(store, acting(owner), other["$id"], creator_id=owner["$id"],
                           name="Far", key="FAR")
    with pytest.raises(FieldErrors) as caught:
        new(store, owner, org_ws, "SPACE", name="Tier", space_id=foreign["$id"])
    assert caught.value.errors["space_id"] == "Choose a space of this workspace."


def test_update_keeps_type_and_key_and_delete(store, owner, org_ws, project):
    field = new(store, owner, org_ws, name="Size", field_type="NUMBER", project_id=project["$id"])
    after = service.update_field(store, acting(owner), field,
                                 {"name": "T-shirt", "field_type": "TEXT", "key": "other",
                                  "default_value": "3", "show_in_list": True})
    assert (after["name"], after["field_type"], after["key"]) == ("T-shirt", "NUMBER", "size")
    assert after["default_value"] == 3 and after["show_in_list"] is True
    with pytest.raises(FieldErrors):
        service.update_field(store, acting(owner), after, {"name": "", "default_value": "x"})
    service.delete_field(store, acting(owner), after)
    assert store.find("custom_fields", field["$id"]) is None


# -- pages ----------------------------------------------------------------------------------
def test_project_tab_lists_inherited_and_creates(client, store, owner, org_ws, space, project):
    new(store, owner, org_ws, "WORKSPACE", name="Customer")
    new(store, owner, org_ws, "SPACE", name="Tier", space_id=space["$id"])
    login_as(client, owner)
    url = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings/fields"
    html = client.get(url).get_data(as_text=True)
    assert "from the workspace" in html and "from the space Platform" in html
    bad = post(client, url, url, {"name": "Stage", "field_type": "SELECT", "options": ""})
    assert bad.status_code == 422
    assert "Add at least one option, one per line." in bad.get_data(as_text=True)
    made = post(client, url, url, {"name": "Stage", "field_type": "SELECT",
                                   "options": "Alpha\nBeta", "applies_to_types": ["BUG"]})
    assert made.status_code == 303
    field = store.first("custom_fields", [Query.equal("key", "stage")])
    assert field["project_id"] == project["$id"] and field["applies_to_types"] == ["BUG"]
    edit = f"{url}/{field['$id']}"
    assert client.get(edit).status_code == 200
    saved = post(client, edit, edit, {"name": "Phase", "options": "Alpha\nBeta\nGamma"})
    assert saved.status_code == 303
    assert store.get("custom_fields", field["$id"])["name"] == "Phase"
    inherited = store.first("custom_fields", [Query.equal("key", "customer")])
    assert client.get(f"{url}/{inherited['$id']}").status_code == 404
    assert post(client, url, f"{url}/{field['$id']}/delete").status_code == 303
    assert store.find("custom_fields", field["$id"]) is None


def test_workspace_page_space_selector(client, store, owner, org_ws, space):
    login_as(client, owner)
    url = f"/w/{org_ws['$id']}/fields"
    assert "Projects of the space Platform" in client.get(url).get_data(as_text=True)
    made = post(client, url, url, {"name": "Tier", "field_type": "NUMBER",
                                   "scope": f"space:{space['$id']}"})
    assert made.status_code == 303
    field = store.first("custom_fields", [Query.equal("key", "tier")])
    assert field["scope"] == "SPACE" and field["space_id"] == space["$id"]
    bad = post(client, url, url, {"name": "X", "field_type": "TEXT", "scope": "space:nope"})
    assert bad.status_code == 422
    assert "Choose a space of this workspace." in bad.get_data(as_text=True)
    assert post(client, url, f"{url}/{field['$id']}", {"name": "Level"}).status_code == 303
    assert post(client, url, f"{url}/{field['$id']}/delete").status_code == 303
    assert store.count("custom_fields") == 0


def test_viewer_reads_only(client, store, owner, editor, org_ws, project):
    projects.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                                role_id(store, project, "VIEWER"),
                                actor_role=projects.ProjectRole.PROJECT_OWNER)
    field = new(store, owner, org_ws, name="Budget", project_id=project["$id"])
    login_as(client, editor)
    url = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings/fields"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Budget" in html and "Add a field" not in html
    assert f"{field['$id']}/delete" not in html
    assert post(client, url, url, {"name": "X", "field_type": "TEXT"}).status_code == 403
    assert post(client, url, f"{url}/{field['$id']}/delete").status_code == 403
    assert client.get(f"{url}/{field['$id']}").status_code == 403
    assert client.get(f"/w/{org_ws['$id']}/fields").status_code == 403  # WS_EDITOR
    assert store.count("custom_fields") == 1


def test_other_tenant_404(client, store, owner, alice, org_ws, project):
    field = new(store, owner, org_ws, "WORKSPACE", name="Customer")
    workspaces.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Mine")
    login_as(client, alice)
    assert client.get(f"/w/{org_ws['$id']}/fields").status_code == 404
    assert client.get(f"/w/{org_ws['$id']}/fields/{field['$id']}").status_code == 404
    assert client.get(f"/w/{org_ws['$id']}/projects/{project['$id']}/settings/fields"
                      ).status_code == 404
