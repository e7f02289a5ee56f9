"""Matrix rows of the project board: the page and a column's next page (board + tasks
view keys), a move (tasks.edit; an empty form is refused with 400) and quick create
(tasks.create; an empty title answers 422, or a redirect with the message without htmx).
``extras`` puts one card on RKT's board so every actor renders a card."""

from __future__ import annotations

from typing import Any

from matrix.rows import EDIT, VIEW, project
from webapp.audit import Acting

ORDER = 30

ROWS = {
    ("board.index", "GET"): project(VIEW),
    ("board.column", "GET"): project(VIEW),
    ("board.move", "POST"): project(EDIT),
    ("board.quick_create", "POST"): project(EDIT),
}


def extras(store: Any, world: Any) -> None:
    from webapp.features.items import service as items

    owner = world.user("org_owner")
    rkt = store.get("projects", world.project["$id"])
    world.extras["board_item"] = items.create_item(
        store, Acting.of(owner, "127.0.0.1"), rkt, title="Board card",
        reporter_id=owner["$id"])


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if not endpoint.startswith("board."):
        return {}
    return {"status": "TODO"}
