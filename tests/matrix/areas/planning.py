"""Matrix rows of planning: the backlog and sprint pages (sprints.view), sprint writes
(sprints.create/edit/delete/start/complete: owners and admins), backlog moves, quick
create, bulk actions and epics (tasks.edit/create), and the item page's comments
(comments.create; edit by the author only; delete by the author or comments.delete),
attachments (tasks.edit to upload; delete by the uploader or tasks.delete) and time logs
(tasks.edit; edit/delete by the person who logged).

``extras`` gives RKT a planned sprint, an item in it, and on that item a comment, an
attachment (a real file through the files port) and a time log, all by the org owner."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matrix.rows import ADMIN, EDIT, FORBIDDEN, VIEW, Row, project
from webapp.audit import Acting

ORDER = 60


def author_only() -> Row:
    """Only the org owner (who wrote it) may; every other project actor gets 403."""
    values = project(VIEW)
    for actor, outcome in list(values.items()):
        if outcome not in (FORBIDDEN,) and isinstance(outcome, frozenset) \
                and actor != "org_owner":
            values[actor] = FORBIDDEN
    return values


ROWS = {
    ("planning.backlog", "GET"): project(VIEW),
    ("planning.sprint", "GET"): project(VIEW),
    ("planning.sprint_create", "POST"): project(ADMIN),
    ("planning.sprint_edit", "POST"): project(ADMIN),
    ("planning.sprint_delete", "POST"): project(ADMIN),
    ("planning.sprint_start", "POST"): project(ADMIN),
    ("planning.sprint_complete", "POST"): project(ADMIN),
    ("planning.sprint_cancel", "POST"): project(ADMIN),
    ("planning.backlog_move", "POST"): project(EDIT),
    ("planning.backlog_create", "POST"): project(EDIT),
    ("planning.backlog_bulk", "POST"): project(EDIT),
    ("planning.epic_create", "POST"): project(EDIT),
    ("planning_items.comments_region", "GET"): project(VIEW),
    ("planning_items.comment_add", "POST"): project(EDIT),
    ("planning_items.comment_edit", "POST"): author_only(),
    ("planning_items.comment_delete", "POST"): project(ADMIN),
    ("planning_items.attachment_upload", "POST"): project(EDIT),
    ("planning_items.attachment_download", "GET"): project(VIEW),
    ("planning_items.attachment_delete", "POST"): project(ADMIN),
    ("planning_items.time_add", "POST"): project(EDIT),
    ("planning_items.time_edit", "POST"): author_only(),
    ("planning_items.time_delete", "POST"): author_only(),
}


def _files(store: Any) -> Any:
    """The app's files port: ``<instance>/files`` next to the SQLite database."""
    from webapp.storage.files import LocalFileStore

    return LocalFileStore(Path(store.engine.url.database).parent / "files")


def extras(store: Any, world: Any) -> None:
    from webapp.features.items import service as items
    from webapp.features.planning import attachments, backlog, comments, sprints, timelogs

    owner = world.user("org_owner")
    acting = Acting.of(owner, "127.0.0.1")
    rkt = store.get("projects", world.project["$id"])
    sprint = sprints.create_sprint(store, acting, rkt, {"name": "Matrix sprint"})
    item = items.create_item(store, acting, rkt, title="Planned item",
                             reporter_id=owner["$id"])
    item = backlog.move(store, acting, rkt, item["$id"], sprint["$id"])
    world.extras["sprint"] = sprint
    world.extras["planned_item"] = item
    world.extras["comment"] = comments.add_comment(store, acting, rkt, item, "Matrix comment")
    world.extras["attachment"] = attachments.upload(
        store, _files(store), acting, rkt, item, io.BytesIO(b"matrix"), "matrix.txt",
        "text/plain")
    world.extras["time_log"] = timelogs.log_time(store, acting, rkt, item, {"hours": "1"})


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if not endpoint.startswith("planning"):
        return {}
    return {"sprint_id": world.extras["sprint"]["$id"],
            "item_id": world.extras["planned_item"]["$id"],
            "comment_id": world.extras["comment"]["$id"],
            "attachment_id": world.extras["attachment"]["$id"],
            "log_id": world.extras["time_log"]["$id"]}
