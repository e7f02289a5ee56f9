"""Board pages: the board, a column's next page, a move, quick create.

A move answers the moved card plus the two column headers (htmx out-of-band swaps); it
never re-renders the board. A refused move answers 409 with the reason (board.js puts the
card back and shows it); a viewer gets a read-only board and 403 on every POST.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import project_required
from webapp.authz.policy import effective_project_role
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.board import view
from webapp.features.items import moves
from webapp.features.projects import helpers
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, allowed, store
from webapp.htmx import is_htmx, render
from webapp.storage.query import Query

bp = Blueprint("board", __name__)
LIST_ID = re.compile(r"list-[A-Za-z0-9_-]{1,120}")
TEMPLATE = "board/index.html"
FRAGMENTS = "board/_fragments.html"


class LazyTeams(Sequence[str]):
    """The actor's project team ids, read only if a transition asks (most never do)."""

    def __init__(self, project_id: str, user_id: str) -> None:
        self._key = (project_id, user_id)
        self._ids: tuple[str, ...] | None = None

    def _load(self) -> tuple[str, ...]:
        if self._ids is None:
            links = store().list("project_team_members", [
                Query.equal("project_id", self._key[0]), Query.equal("user_id", self._key[1]),
                Query.limit(500)])
            self._ids = tuple(sorted({str(x["team_id"]) for x in links}))
        return self._ids

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())


def actor() -> Any:
    """Who moves: user, effective project role and project teams (for transitions)."""
    user_id = g.user["$id"]
    return SimpleNamespace(user_id=user_id, project_role=effective_project_role(
        g.access.context), team_ids=LazyTeams(g.project["$id"], user_id))


def _state() -> dict[str, Any]:
    """The view state kept in the URL: swimlane + the shared item filter."""
    lane = request.args.get("swimlane") or str(g.project.get("default_swimlane") or "none")
    _, args = view.filter_queries(request.args, g.user["$id"])
    state: dict[str, Any] = {k: v for k, v in args.items() if v}
    if lane in view.SWIMLANES:
        state["swimlane"] = lane
    return state


def _scope(sent: str | None = None) -> tuple[list[Any], str | None]:
    """What is on the board (project, SCRUM sprint), cached per request; ``sent``: the
    sprint a move says its board shows (``view.scope_queries``)."""
    if "board_scope" not in g:
        g.board_scope = view.scope_queries(store(), g.project, sent=sent)
    return g.board_scope  # type: ignore[no-any-return]


def _base() -> tuple[list[Any], str | None]:
    scope, notice = _scope()
    filters, _ = view.filter_queries(request.args, g.user["$id"])
    return [*scope, *filters], notice


def _columns() -> list[Any]:
    from webapp.features.workflows import engine

    return engine.board_columns(store(), g.project,
                                data=engine.load(store(), g.project, cached=True))


def _count(key: str) -> int:
    """A column header's count: the cards on the board in that column (no user filter)."""
    scope, _ = _scope()
    return store().count("work_items", [*scope, Query.equal("status", key)])


def _wip(column: Any) -> int | None:
    limit = getattr(column, "wip_limit", None) or (g.project.get("wip_limits") or {}).get(
        column.key)
    return int(limit) if limit else None


def _urls(workspace_id: str, project_id: str) -> dict[str, str]:
    board = url_for("board.index", workspace_id=workspace_id, project_id=project_id)
    return {"move": f"{board}/move", "board": board,
            "column_base": f"{board}/columns",
            "items": f"/w/{workspace_id}/projects/{project_id}/items"}


def _common(workspace_id: str, project_id: str, *, page: bool = True) -> dict[str, Any]:
    """Template values; ``page=False`` (a move's answer) asks no further permission."""
    return {"workspace": g.workspace, "project": g.project, "urls": _urls(workspace_id,
                                                                       project_id),
            "can_move": allowed(PP.EDIT_TASKS),
            "can_create": allowed(PP.CREATE_TASKS) if page else False, "wip_of": _wip}


@bp.route("/w/<workspace_id>/projects/<project_id>/board")
@project_required(PP.VIEW_BOARD)
def index(workspace_id: str, project_id: str) -> Any:
    if not allowed(PP.VIEW_TASKS):
        abort(403)
    state = _state()
    swimlane = state.get("swimlane", "none")
    base, notice = _base()
    columns = _columns()
    pages = {c.key: view.column_page(store(), base, c.key) for c in columns}
    unfiltered = len(base) == len(_scope()[0])  # then a page's total is the header count
    counts = {c.key: pages[c.key].count if unfiltered and pages[c.key].count is not None
              else _count(c.key) for c in columns}
    cards = [card for page in pages.values() for card in page.cards]
    ctx = view.card_context(store(), g.project, cards)
    lanes = view.build_lanes(swimlane, columns, pages, ctx) if swimlane != "none" else []
    query = urlencode(state, doseq=True)
    return render(TEMPLATE, "board_body", columns=columns, pages=pages, ctx=ctx, lanes=lanes,
                  swimlane=swimlane, state=state, query=query, notice=notice, counts=counts,
                  sprint=view.sprint_field(_scope()[0], g.project),
                  swimlanes=view.SWIMLANES, types=helpers.item_types(g.project),
                  priorities=helpers.priorities(g.project), **_common(workspace_id, project_id))


@bp.route("/w/<workspace_id>/projects/<project_id>/board/columns/<status>")
@project_required(PP.VIEW_BOARD)
def column(workspace_id: str, project_id: str, status: str) -> Any:
    """The next page of a column (or of one swimlane cell): cards + the next sentinel."""
    if not allowed(PP.VIEW_TASKS):
        abort(403)
    state = _state()
    base, _ = _base()
    after = request.args.get("after") or None
    lane = request.args.get("lane")
    kind = state.get("swimlane", "none")
    if lane is not None and kind != "none":
        page = view.lane_page(store(), base, status, kind, lane, after)
        if kind == "assignee" and lane != view.NO_LANE:
            page.cards = [c for c in page.cards if view.lane_of(c, kind) == lane]
    else:
        lane = None
        page = view.column_page(store(), base, status, after=after)
    ctx = view.card_context(store(), g.project, page.cards)
    if not is_htmx():
        return redirect(url_for(".index", workspace_id=workspace_id, project_id=project_id,
                                **state), 303)
    return render(FRAGMENTS, "more_page", page=page, ctx=ctx, status_key=status, lane=lane,
                  query=urlencode(state, doseq=True), **_common(workspace_id, project_id))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _back(workspace_id: str, project_id: str) -> Any:
    state: dict[str, Any] = {k[2:]: request.form.getlist(k) for k in request.form
                             if k.startswith("s_")}
    return redirect(url_for(".index", workspace_id=workspace_id, project_id=project_id,
                            **state), 303)


def _refusal(exc: Refused, item_id: str, workspace_id: str, project_id: str) -> Any:
    if not is_htmx():
        flash(exc.message, "error")
        return _back(workspace_id, project_id)
    return render(FRAGMENTS, "refusal", status=exc.status, code=exc.code,
                  message=exc.message, item_id=item_id,
                  transition=getattr(exc, "transition", None),
                  **_common(workspace_id, project_id))


@bp.route("/w/<workspace_id>/projects/<project_id>/board/move", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def move(workspace_id: str, project_id: str) -> Any:
    form = request.form
    item_id = form.get("item_id", "")
    if not item_id or not form.get("to_status"):
        return _refusal(Refused("NOTHING_TO_MOVE", "Choose a card and a column.", status=400),
                        item_id, workspace_id, project_id)
    lane_kind, lane_value = form.get("lane_kind", ""), form.get("lane", "")
    swimlane = (lane_kind, lane_value) if lane_kind in moves.LANE_FIELDS and lane_value else None
    if swimlane and swimlane[0] == "assignee" and not allowed(PP.ASSIGN_TASKS):
        swimlane = None  # moving between assignee lanes needs the assign key; keep the lane
    scope, _ = _scope(sent=form.get("sprint"))
    try:
        result = moves.move_item(
            store(), acting(), g.project, item_id, to_status=form.get("to_status", ""),
            before_id=form.get("before_id") or None, after_id=form.get("after_id") or None,
            swimlane=swimlane, expected_version=_int(form.get("version")), actor=actor(),
            scope=scope[1:])
    except Refused as exc:
        return _refusal(exc, item_id, workspace_id, project_id)
    except Exception as exc:  # the items module's StaleEdit
        if type(exc).__name__ != "StaleEdit":
            raise
        message = ("Someone else changed this card since you loaded the board; it was not "
                   "moved. Reload the board to see the latest version.")
        return _refusal(Refused("STALE_VERSION", message), item_id, workspace_id, project_id)
    if not is_htmx():
        return _back(workspace_id, project_id)
    headers: list[tuple[Any, int | None]] = []
    if result.status_changed:
        if result.from_column is not None:
            headers.append((result.from_column, _count(result.from_status)))
        headers.append((result.to_column, result.to_count))
    light = not (result.changes or {}).keys() & {"assignee_ids", "epic_id"}
    ctx = view.card_context(store(), g.project, [] if light else [result.item])
    return render(FRAGMENTS, "moved", item=result.item, ctx=ctx, headers=headers,
                  light=light, warning=result.wip_warning,
                  **_common(workspace_id, project_id, page=False))


@bp.route("/w/<workspace_id>/projects/<project_id>/board/columns/<status>/items",
          methods=["POST"])
@project_required(PP.CREATE_TASKS)
def quick_create(workspace_id: str, project_id: str, status: str) -> Any:
    from webapp.features.items import service as items

    title = (request.form.get("title") or "").strip()
    columns = {c.key: c for c in _columns()}
    if status not in columns:
        abort(404)
    try:
        if not title:
            raise FieldErrors({"title": "Enter a title."})
        top = store().first("work_items", [Query.equal("project_id", g.project["$id"]),
                                           Query.equal("status", status),
                                           Query.order_asc("position")])
        position = float(top.get("position") or 0) - moves.SPACING if top else moves.SPACING
        item = items.create_item(store(), acting(), g.project, title=title, status=status,
                                 type=request.form.get("type") or "TASK",
                                 reporter_id=g.user["$id"], position=position)
        sprint_id = view.sprint_field(_scope()[0], g.project)
        if sprint_id and sprint_id != view.NO_SPRINT:  # planning hook: a card created on a
            from webapp.features.planning import backlog  # sprint board joins the sprint

            item = backlog.write_move(store(), acting(), g.project, item,
                                      {"sprint_id": sprint_id}, reason="created_in_sprint")
    except FieldErrors as exc:
        if not is_htmx():
            flash(next(iter(exc.errors.values())), "error")
            return redirect(url_for(".index", workspace_id=workspace_id,
                                    project_id=project_id), 303)
        return render(FRAGMENTS, "quick_error", status=422, status_key=status,
                      errors=exc.errors, title=title, **_common(workspace_id, project_id))
    except Refused as exc:
        return _refusal(exc, "", workspace_id, project_id)
    if not is_htmx():
        flash(f"{item['key']} created.", "success")
        return redirect(url_for(".index", workspace_id=workspace_id, project_id=project_id),
                        303)
    col = columns.get(str(item["status"]))
    headers = [(col, _count(col.key))] if col else []
    ctx = view.card_context(store(), g.project, [item])
    list_id = request.form.get("list") or f"list-{item['status']}"
    if not LIST_ID.fullmatch(list_id):
        list_id = f"list-{item['status']}"
    return render(FRAGMENTS, "created", item=item, ctx=ctx, headers=headers, list_id=list_id,
                  status_key=str(item["status"]), **_common(workspace_id, project_id))
