"""Matrix rows of the JSON API (``/api/v1``), the token pages and the API reference.

The matrix calls the API with each actor's session cookie and CSRF header (session calls
are what the browser makes); the API runs the same guards as the pages, so the rows are
the pages' rows: reading items needs ``project.tasks.view``, writing them tasks.create/
edit, deleting ``project.tasks.delete``, project settings ``project.settings.edit``. The
matrix sends a form, not JSON: an authorized actor gets 400 (invalid), an item update
without If-Match 428 (ok). Bearer tokens, scopes and rate limits are tested in tests/api.

``extras`` gives the org owner an API token, so revoking it is allowed for its owner and
404 for everyone else."""

from __future__ import annotations

from typing import Any

from matrix.areas.items import browse_row
from matrix.rows import (
    ADMIN,
    ALLOW,
    EDIT,
    HIDDEN,
    VIEW,
    everyone,
    organization,
    private_space,
    project,
    row,
    signed_in,
    workspace,
)

ORDER = 30  # after the items area created its item, checklist entry and link

ROWS = {
    ("api.me", "GET"): signed_in(),
    ("api.list_organizations", "GET"): signed_in(),
    ("api.get_organization", "GET"): organization(),
    ("api.list_workspaces", "GET"): signed_in(),
    ("api.get_workspace", "GET"): workspace(VIEW),
    ("api.list_workspace_members", "GET"): workspace(VIEW),
    ("api.list_spaces", "GET"): workspace(VIEW),
    ("api.get_space", "GET"): private_space(VIEW),
    ("api.list_projects", "GET"): workspace(VIEW),
    ("api.create_project", "POST"): workspace(EDIT),
    ("api.get_project", "GET"): project(VIEW),
    ("api.update_project", "PATCH"): project(ADMIN),
    ("api.list_project_members", "GET"): project(VIEW),
    ("api.get_project_workflow", "GET"): project(VIEW),
    ("api.list_statuses", "GET"): project(VIEW),
    ("api.list_fields", "GET"): project(VIEW),
    ("api.list_items", "GET"): project(VIEW),
    ("api.create_item", "POST"): project(EDIT),
    ("api.get_item", "GET"): project(VIEW),
    ("api.get_item_by_key", "GET"): browse_row(),
    ("api.update_item", "PATCH"): project(EDIT),
    ("api.delete_item", "DELETE"): project(ADMIN),
    ("api.list_transitions", "GET"): project(VIEW),
    ("api.list_links", "GET"): project(VIEW),
    ("api.create_link", "POST"): project(EDIT),
    ("api.delete_link", "DELETE"): project(EDIT),
    ("api.list_subtasks", "GET"): project(VIEW),
    ("api.create_subtask", "POST"): project(EDIT),
    ("api.update_subtask", "PATCH"): project(EDIT),
    ("api.delete_subtask", "DELETE"): project(EDIT),
    ("api_pages.index", "GET"): signed_in(),
    ("api_pages.create", "POST"): signed_in(),
    ("api_pages.revoke", "POST"): row(HIDDEN, org_owner=ALLOW),
    ("api_pages.openapi_json", "GET"): everyone(),
    ("api_pages.docs", "GET"): everyone(),
}


def extras(store: Any, world: Any) -> None:
    from webapp.api import tokens
    from webapp.audit import Acting

    owner = world.user("org_owner")
    created = tokens.create_token(store, Acting.of(owner, "127.0.0.1"), owner["$id"],
                                  name="Matrix", scopes=["read"])
    world.extras["api_token"] = created.token


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if endpoint == "api_pages.revoke":
        return {"token_id": world.extras["api_token"]["$id"]}
    if not endpoint.startswith("api."):
        return {}
    return {"item_id": world.extras["item"]["$id"], "key": world.extras["item"]["key"],
            "entry_id": world.extras["checklist_entry"]["$id"],
            "link_id": world.extras["item_link"]["$id"]}
