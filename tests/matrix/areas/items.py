"""Matrix rows of the work item pages. Reading (page, picker) needs ``project.tasks.view``;
create, edit, checklist, links, split, clone and move need tasks.create/edit (an empty
form answers 400/422); delete needs ``project.tasks.delete`` (owners and admins).
``/w/<ws>/browse/<key>`` passes the workspace guard first (the org admin knows Core: 403),
then answers 404 to anyone who may not see the item's project.

``extras`` (after the workflows area gave RKT its workflow) creates two items in RKT through
the service, a checklist entry and a link between them."""

from __future__ import annotations

from typing import Any

from matrix.rows import ADMIN, EDIT, FORBIDDEN, HIDDEN, VIEW, Row, project
from webapp.audit import Acting

ORDER = 20


def browse_row() -> Row:
    values = project(VIEW)
    values["org_admin"] = FORBIDDEN
    values["org_moderator"] = HIDDEN
    return values


ROWS = {
    ("items.new", "GET"): project(EDIT),
    ("items.create", "POST"): project(EDIT),
    ("items.page", "GET"): project(VIEW),
    ("items.picker", "GET"): project(VIEW),
    ("items.browse", "GET"): browse_row(),
    ("items.edit", "POST"): project(EDIT),
    ("items.preview", "POST"): project(EDIT),
    ("items.delete", "POST"): project(ADMIN),
    ("items.add_sub", "POST"): project(EDIT),
    ("items.checklist_add", "POST"): project(EDIT),
    ("items.checklist_toggle", "POST"): project(EDIT),
    ("items.checklist_rename", "POST"): project(EDIT),
    ("items.checklist_delete", "POST"): project(EDIT),
    ("items.checklist_order", "POST"): project(EDIT),
    ("items.link_add", "POST"): project(EDIT),
    ("items.link_remove", "POST"): project(EDIT),
    ("items.split", "POST"): project(EDIT),
    ("items.clone", "POST"): project(EDIT),
    ("items.move", "POST"): project(EDIT),
}


def extras(store: Any, world: Any) -> None:
    from webapp.features.items import checklist, links
    from webapp.features.items import service as items

    owner = world.user("org_owner")
    acting = Acting.of(owner, "127.0.0.1")
    rkt = store.get("projects", world.project["$id"])
    item = items.create_item(store, acting, rkt, title="Matrix item", reporter_id=owner["$id"])
    other = items.create_item(store, acting, rkt, title="Matrix other",
                              reporter_id=owner["$id"])
    world.extras["item"] = item
    world.extras["item_other"] = other
    world.extras["checklist_entry"] = checklist.add(store, acting, rkt, item, "Matrix entry")
    world.extras["item_link"] = links.add_link(store, acting, rkt, item, other["$id"],
                                               "RELATES_TO")


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if not endpoint.startswith("items."):
        return {}
    return {"item_id": world.extras["item"]["$id"], "key": world.extras["item"]["key"],
            "entry_id": world.extras["checklist_entry"]["$id"],
            "link_id": world.extras["item_link"]["$id"]}
