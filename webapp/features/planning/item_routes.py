"""The work item page's collaboration regions: comments, attachments and time logs.

The item page includes ``planning/item_regions.html``, which asks ``item_regions(item)``
(a template global) for its data, so the regions render on first paint without
JavaScript. Comment and attachment forms answer their own block for htmx
(``planning_comments`` / ``planning_attachments``); time logs change the item's remaining
hours and version, so they answer the whole item (``items.web.done``). Without htmx every
write redirects back to the item page (invalid: the item page with the message, 422).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, request, send_file

from webapp.authz.guards import project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.extensions import runtime
from webapp.features.items import people
from webapp.features.items import service as items
from webapp.features.items.web import done, item_url, page
from webapp.features.planning import attachments, comments, timelogs
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, allowed, store
from webapp.htmx import is_htmx, render_fragment
from webapp.storage.base import Document
from webapp.storage.errors import NotFound
from webapp.storage.query import Query

bp = Blueprint("planning_items", __name__)
I = "/w/<workspace_id>/projects/<project_id>/items/<item_id>"  # noqa: E741
REGIONS = "planning/item_regions.html"


def _item(item_id: str) -> Document:
    try:
        return items.get_item(store(), g.project["$id"], item_id)
    except Refused:
        abort(404)


def item_regions(item: Document, **extra: Any) -> dict[str, Any]:
    """What the comments, attachments and time regions show (template global)."""
    st = store()
    threads = comments.threads(st, item["$id"])
    files = attachments.list_for(st, item["$id"])
    logs = timelogs.logs_for(st, item["$id"])
    user_ids = [u for t in threads for u in [t.comment["author_id"],
                                             *[r["author_id"] for r in t.replies]]]
    user_ids += [x["user_id"] for x in logs] + [f.get("uploaded_by") for f in files]
    members = people.members(st, item["project_id"])
    base = item_url(item)
    data = {
        "item": item, "base": base, "threads": threads,
        "comment_count": len(threads) + sum(len(t.replies) for t in threads),
        "files": files, "logs": logs,
        "names": people.names(st, [u for u in user_ids if u]),
        "handles": [p.handle for p in members if p.handle][:8],
        "totals": timelogs.totals(item, logs), "me": g.user["$id"],
        "can_comment": allowed(PP.CREATE_COMMENTS),
        "can_moderate": allowed(PP.DELETE_COMMENTS),
        "can_edit": allowed(PP.EDIT_TASKS), "can_delete_any": allowed(PP.DELETE_TASKS),
        "previewable": attachments.PREVIEW, "max_mb": attachments.MAX_SIZE // (1024 * 1024),
        "comment_errors": {}, "comment_attempt": {}, "file_errors": {}, "time_errors": {},
        "time_attempt": {}, "editing": request.args.get("edit_comment"),
    }
    data.update(extra)
    return data


def board_sprint(project: Document) -> dict[str, Any] | None:
    """The SCRUM board's sprint banner: the active sprint with its numbers, or an empty
    state (``sprint`` None) pointing to the backlog. None for other board types."""
    if project.get("board_type", "SCRUM") != "SCRUM":
        return None
    from webapp.features.planning import sprints

    active = sprints.active_sprint(store(), project["$id"])
    out: dict[str, Any] = {"sprint": active, "backlog": f"/w/{project['workspace_id']}/"
                           f"projects/{project['$id']}/backlog",
                           "can_plan": allowed(PP.VIEW_SPRINTS)}
    if active is not None:
        out["stats"] = sprints.stats(sprints.items_in(
            store(), project["$id"], active["$id"],
            [Query.select("$id", "story_points", "status_category")]))
    return out


def on_event(store: Any, event: Any, *rest: Any) -> None:
    """Event sink: a deleted work item takes its comments, time logs and files along."""
    if getattr(event, "type", None) != "WORKITEM_DELETED" or not getattr(event, "item", None):
        return
    from webapp.features.planning import cleanup

    try:
        files = runtime().files
    except RuntimeError:  # outside the app (a job): the job's runtime
        from jobs.context import runtime as job_runtime

        files = job_runtime().files
    cleanup.purge_item(store, files, str(event.item["$id"]))


def _region(block: str, item: Document, status: int = 200, **extra: Any) -> Any:
    html = render_fragment(REGIONS, block, regions=item_regions(item, **extra))
    return html, status


def _invalid(block: str, item: Document, **extra: Any) -> Any:
    """An invalid write: the region (htmx) or the item page with the message (422)."""
    if is_htmx():
        return _region(block, item, 422, **extra)
    return page(item, status=422, planning=extra)


def _after(block: str, item: Document, anchor: str) -> Any:
    if is_htmx():
        return _region(block, item)
    return redirect(item_url(item, _anchor=anchor), 303)


# -- comments ----------------------------------------------------------------------------
@bp.route(f"{I}/comments")
@project_required(PP.VIEW_TASKS)
def comments_region(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = _item(item_id)
    if not is_htmx():
        return redirect(item_url(item, _anchor="planning-comments"), 303)
    return _region("planning_comments", item)


@bp.route(f"{I}/comments", methods=["POST"])
@project_required(PP.CREATE_COMMENTS)
def comment_add(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = _item(item_id)
    body, parent = request.form.get("body", ""), request.form.get("parent_id") or None
    try:
        comments.add_comment(store(), acting(), g.project, item, body, parent_id=parent)
    except FieldErrors as exc:
        return _invalid("planning_comments", item, comment_errors={parent or "new": " ".join(
            exc.errors.values())}, comment_attempt={parent or "new": body})
    return _after("planning_comments", item, "planning-comments")


def _comment_refused(exc: Refused) -> Any:
    if exc.status == 404:
        abort(404)
    abort(exc.status, exc.message)


@bp.route(f"{I}/comments/<comment_id>/edit", methods=["POST"])
@project_required(PP.CREATE_COMMENTS)
def comment_edit(workspace_id: str, project_id: str, item_id: str, comment_id: str) -> Any:
    item = _item(item_id)
    body = request.form.get("body", "")
    try:
        comments.edit_comment(store(), acting(), g.project, item, comment_id, body)
    except FieldErrors as exc:
        return _invalid("planning_comments", item, comment_errors={comment_id: " ".join(
            exc.errors.values())}, comment_attempt={comment_id: body}, editing=comment_id)
    except Refused as exc:
        return _comment_refused(exc)
    return _after("planning_comments", item, f"comment-{comment_id}")


@bp.route(f"{I}/comments/<comment_id>/delete", methods=["POST"])
@project_required(PP.VIEW_TASKS)
def comment_delete(workspace_id: str, project_id: str, item_id: str, comment_id: str) -> Any:
    item = _item(item_id)
    try:
        comments.delete_comment(store(), acting(), g.project, item, comment_id,
                                may_delete_any=allowed(PP.DELETE_COMMENTS))
    except Refused as exc:
        return _comment_refused(exc)
    return _after("planning_comments", item, "planning-comments")


# -- attachments -------------------------------------------------------------------------
@bp.route(f"{I}/attachments", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def attachment_upload(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = _item(item_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise FieldErrors({"file": "Choose a file to attach."})
        attachments.upload(store(), runtime().files, acting(), g.project, item,
                           upload.stream, upload.filename, upload.mimetype,
                           declared_size=request.content_length)
    except FieldErrors as exc:
        return _invalid("planning_attachments", item, file_errors=exc.errors)
    return _after("planning_attachments", item, "planning-attachments")


@bp.route(f"{I}/attachments/<attachment_id>")
@project_required(PP.VIEW_TASKS)
def attachment_download(workspace_id: str, project_id: str, item_id: str,
                        attachment_id: str) -> Any:
    item = _item(item_id)
    try:
        found = attachments.get_attachment(store(), item, attachment_id)
        got = attachments.open_download(runtime().files, found)
    except (Refused, NotFound):
        abort(404)
    inline = got.inline and request.args.get("inline") == "1"
    response = send_file(got.stream, mimetype=got.mime_type, as_attachment=not inline,
                         download_name=got.name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route(f"{I}/attachments/<attachment_id>/delete", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def attachment_delete(workspace_id: str, project_id: str, item_id: str,
                      attachment_id: str) -> Any:
    item = _item(item_id)
    try:
        attachments.delete(store(), runtime().files, acting(), g.project, item,
                           attachment_id, may_delete_any=allowed(PP.DELETE_TASKS))
    except Refused as exc:
        return _comment_refused(exc)
    return _after("planning_attachments", item, "planning-attachments")


# -- time logs ---------------------------------------------------------------------------
TIME_FIELDS = ("hours", "log_date", "note", "is_billable")


def _time_values() -> dict[str, Any]:
    values = {k: request.form.get(k, "") for k in TIME_FIELDS if k != "is_billable"}
    values["is_billable"] = request.form.get("is_billable") in ("1", "on", "true")
    return values


def _time_done(item_id: str) -> Any:
    return done(store().get("work_items", item_id))


def _time_invalid(item: Document, key: str, exc: FieldErrors, values: dict[str, Any]) -> Any:
    extra = {"time_errors": {key: exc.errors}, "time_attempt": {key: values}}
    return page(item, status=422, planning=extra)


@bp.route(f"{I}/time", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def time_add(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = _item(item_id)
    values = _time_values()
    try:
        timelogs.log_time(store(), acting(), g.project, item, values)
    except FieldErrors as exc:
        return _time_invalid(item, "new", exc, values)
    except items.StaleEdit:
        abort(409, "The work item changed meanwhile; reload and log the time again.")
    return _time_done(item_id)


@bp.route(f"{I}/time/<log_id>/edit", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def time_edit(workspace_id: str, project_id: str, item_id: str, log_id: str) -> Any:
    item = _item(item_id)
    values = _time_values()
    try:
        timelogs.edit_log(store(), acting(), g.project, item, log_id, values)
    except FieldErrors as exc:
        return _time_invalid(item, log_id, exc, values)
    except Refused as exc:
        return _comment_refused(exc)
    return _time_done(item_id)


@bp.route(f"{I}/time/<log_id>/delete", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def time_delete(workspace_id: str, project_id: str, item_id: str, log_id: str) -> Any:
    item = _item(item_id)
    try:
        timelogs.delete_log(store(), acting(), g.project, item, log_id)
    except Refused as exc:
        return _comment_refused(exc)
    return _time_done(item_id)
