"""Matrix rows of the project settings tabs (General, Work types, Priorities, Labels,
Danger zone), the project image, and custom fields (the project Fields tab and the
workspace fields page).

``extras`` gives project RKT an image (the workspace's stored picture), a custom label
"MATRIX", a project field "Matrix budget" and a workspace field "Matrix customer"."""

from __future__ import annotations

from typing import Any

from matrix.rows import ADMIN, DELETE, VIEW, project, workspace
from webapp.audit import Acting

ROWS = {
    ("project_settings.index", "GET"): project(VIEW),
    ("project_settings.general", "GET"): project(VIEW),
    # project.settings.edit: project owners and admins (and the overrides)
    ("project_settings.save_general", "POST"): project(ADMIN),
    ("project_settings.image", "GET"): project(VIEW),
    ("project_settings.upload_image", "POST"): project(ADMIN),
    ("project_settings.types", "GET"): project(VIEW),
    ("project_settings.priorities", "GET"): project(VIEW),
    ("project_settings.labels", "GET"): project(VIEW),
    ("project_settings.add_custom", "POST"): project(ADMIN),
    ("project_settings.remove_custom", "POST"): project(ADMIN),
    ("project_settings.copy", "POST"): project(ADMIN),
    # Danger zone: project.settings.manage; deleting: project.delete (owners, overrides)
    ("project_settings.danger_zone", "GET"): project(DELETE),
    ("project_settings.archive", "POST"): project(DELETE),
    ("project_settings.change_key", "POST"): project(DELETE),
    ("project_settings.delete", "POST"): project(DELETE),
    ("fields.project_fields", "GET"): project(VIEW),
    ("fields.create_project_field", "POST"): project(ADMIN),
    ("fields.edit_project_field", "GET"): project(ADMIN),
    ("fields.edit_project_field", "POST"): project(ADMIN),
    ("fields.delete_project_field", "POST"): project(ADMIN),
    # workspace and space fields: workspace.settings.manage
    ("fields.workspace_fields", "GET"): workspace(ADMIN),
    ("fields.create_workspace_field", "POST"): workspace(ADMIN),
    ("fields.edit_workspace_field", "GET"): workspace(ADMIN),
    ("fields.edit_workspace_field", "POST"): workspace(ADMIN),
    ("fields.delete_workspace_field", "POST"): workspace(ADMIN),
}

FORMS = {"project_settings.remove_custom": {"key": "MATRIX"}}


def extras(store: Any, world: Any) -> None:
    from webapp.features.fields import service as fields
    from webapp.features.projects import settings

    acting = Acting.of(world.user("org_owner"), "127.0.0.1")
    rkt = world.project
    store.update("projects", rkt["$id"],
                 {"image_file_id": world.workspace.get("image_file_id")})
    settings.add_custom(store, acting, rkt["$id"], "labels", {"name": "MATRIX"})
    rkt.update(store.get("projects", rkt["$id"]))
    world.extras["project_field"] = fields.create_field(
        store, acting, workspace_id=rkt["workspace_id"], scope="PROJECT",
        project_id=rkt["$id"], values={"name": "Matrix budget", "field_type": "NUMBER"})
    world.extras["workspace_field"] = fields.create_field(
        store, acting, workspace_id=world.workspace["$id"], scope="WORKSPACE",
        values={"name": "Matrix customer", "field_type": "TEXT"})


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if endpoint.startswith("project_settings."):
        return {"kind": "labels"}
    if endpoint in ("fields.edit_project_field", "fields.delete_project_field"):
        return {"field_id": world.extras["project_field"]["$id"]}
    if endpoint.startswith("fields."):
        return {"field_id": world.extras["workspace_field"]["$id"]}
    return {}
