"""Live pushes (Flask side): the bell of each notified user and the project room.

Registered as an event sink in ``init_app``. After an item write commits, the project room
``project:<id>`` gets one message: the moved/edited card (the board's own ``card`` macro),
the column headers with their counts (``col_head``) and a ``#live-signal`` element that
tells ``live.js`` where the card goes and which other blocks to refresh (the table view,
the item page notice). Only sockets whose user may view the project are in that room (its
authorizer is ``can_view_project``). The message starts with ``<!--live:<tab>-->``, the tab
id the sending page put in the ``X-Keel-Tab`` header, so that tab ignores its own echo.
A notified user's sockets get the bell count (``user:<id>``). Pushes are fire-and-forget:
a Redis outage is logged by ``realtime.publish`` and pages still show everything on load.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template,
    request,
)

from webapp import realtime
from webapp.features.notifications import dispatcher
from webapp.features.notifications import events as ev
from webapp.features.notifications.events import Event
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

log = logging.getLogger(__name__)

TAB = re.compile(r"[A-Za-z0-9_-]{1,40}")
# item page regions other areas render (planning: comments and attachments), refreshed by
# live.js from their own routes when one of these events happens
# ("": no region route to ask, the page shows the "changed" notice)
REGION_EVENTS = {ev.COMMENT_ADDED: "comments", ev.ATTACHMENT_ADDED: "",
                 ev.ATTACHMENT_DELETED: ""}


def origin_tab() -> str:
    if not has_request_context():
        return ""
    tab = request.headers.get("X-Keel-Tab", "")
    return tab if TAB.fullmatch(tab) else ""


# -- dispatch after the response ------------------------------------------------------------
def runner(store: DocumentStore, event: Event) -> None:
    """In a request: keep the committed event for after the response; else dispatch now."""
    if not has_request_context():
        ev.dispatch(store, event)
        return
    tab = origin_tab()
    if tab:
        event = replace(event, extra={**event.extra, "origin_tab": tab})
    pending: list[tuple[DocumentStore, Event]] = g.setdefault("keel_events", [])
    pending.append((store, event))


def _run(app: Flask, pending: list[tuple[DocumentStore, Event]]) -> None:
    with app.app_context():
        for store, event in pending:
            ev.dispatch(store, event)


def after_request(response: Response) -> Response:
    """Dispatch the request's events once the response has been sent (``close``)."""
    pending = g.pop("keel_events", None)
    if pending:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: _run(app, pending))
    return response


def teardown(exc: BaseException | None) -> None:
    """A request that failed after its writes committed still dispatches their events."""
    pending = g.pop("keel_events", None)
    if pending:
        _run(current_app._get_current_object(), pending)  # type: ignore[attr-defined]


def sink(store: DocumentStore, event: Event, rows: list[Document]) -> None:
    """Push the bell to every notified user, and item changes to the project room."""
    if not has_app_context():
        return
    from webapp.features.notifications import prefs

    users = sorted({str(r["user_id"]) for r in rows if not r.get("is_read")})
    wanted = prefs.get_many(store, users)
    for user_id in users:
        if not wanted[user_id].wants(event.group, "push"):
            continue
        try:
            push_bell(store, user_id)
        except Exception:
            log.exception("bell push to %s failed", user_id)
    if event.type == ev.CHANGED and event.project and event.item:
        push_item(store, event)
    elif event.type in REGION_EVENTS and event.project and event.item:
        push_region(event, REGION_EVENTS[event.type])


def push_bell(store: DocumentStore, user_id: str) -> bool:
    count = dispatcher.unread_count(store, user_id)
    html = render_template("notifications/_bell_oob.html", unread=count)
    return realtime.publish_to_user(user_id, html)


def _next_card(store: DocumentStore, item: Document) -> str:
    after = store.first("work_items", [
        Query.equal("project_id", item["project_id"]), Query.equal("status", item["status"]),
        Query.greater_than("position", float(item.get("position") or 0)),
        Query.order_asc("position")])
    return str(after["$id"]) if after else ""


def push_item(store: DocumentStore, event: Event) -> bool:
    from webapp.features.board import view
    from webapp.features.workflows import engine

    project, item = event.project or {}, event.item or {}
    removed = bool(event.extra.get("removed"))
    pair = list(event.changes.get("status") or [None, None])
    statuses = [s for s in dict.fromkeys(pair) if s]
    columns = {c.key: c for c in engine.board_columns(
        store, project, data=engine.load(store, project, cached=True))}
    scope, _ = view.scope_queries(store, project)
    heads = [(columns[s], store.count("work_items", [*scope, Query.equal("status", s)]))
             for s in statuses if s in columns]
    current = None if removed else store.find("work_items", item["$id"])
    if current is not None and current.get("project_id") != project["$id"]:
        current, removed = None, True
    ctx = view.card_context(store, project, [current] if current else [])
    base = f"/w/{project['workspace_id']}/projects/{project['$id']}"
    urls = {"items": f"{base}/items", "move": f"{base}/board/move", "board": f"{base}/board",
            "column_base": f"{base}/board/columns"}
    html = render_template(
        "notifications/_live_push.html", tab=str(event.extra.get("origin_tab") or ""),
        item=current, item_id=item["$id"],
        removed=removed, created=bool(event.extra.get("created")), heads=heads, ctx=ctx,
        urls=urls, next_id=_next_card(store, current) if current else "",
        wip_of=_wip_of(project), actor=event.actor_name, key=item.get("key"),
        room=f"project:{project['$id']}")
    return realtime.publish(f"project:{project['$id']}", html)


def push_region(event: Event, region: str) -> bool:
    """A comment or attachment changed: item pages refresh that region (no card moves)."""
    project, item = event.project or {}, event.item or {}
    html = render_template(
        "notifications/_live_push.html", tab=str(event.extra.get("origin_tab") or ""),
        item=None, item_id=item["$id"], removed=False, created=False, heads=[], ctx=None,
        urls={}, next_id="", wip_of=None, actor=event.actor_name, key=item.get("key"),
        region=region, room=f"project:{project['$id']}")
    return realtime.publish(f"project:{project['$id']}", html)


def _wip_of(project: Document) -> Any:
    def wip(column: Any) -> int | None:
        limit = getattr(column, "wip_limit", None) or (project.get("wip_limits") or {}).get(
            column.key)
        return int(limit) if limit else None
    return wip


def runtime_provider() -> Any:
    if has_app_context() and "keel.runtime" in current_app.extensions:
        return current_app.extensions["keel.runtime"]
    return None
