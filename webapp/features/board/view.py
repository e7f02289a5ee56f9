"""What the board shows: columns with their first page of cards, swimlanes and the
people/epics/badges the visible cards need, read in a bounded number of queries.

Cost of a first page: the engine's column read (cached), then per column one ``list``
(limit 31, ordered by position on the ``work_items_column`` index; its total is the
header count unless a filter is on, then one ``count`` more); then one
``get_many`` for the people and one for the epics of the visible cards and one
``blocked_ids`` for the blocked badges. No per-card query.

Swimlanes (none/assignee/epic/type): lanes are the distinct lane values among the cards of
the first pages (plus the "none" lane), so a swimlane board costs exactly what a plain
board costs. Each cell (lane x column) shows the cards of that lane from the column's first
page, which are the first cards of that lane in that column (positions are ordered), and
when the column has more cards each cell pages on by itself (the column filtered to the
lane, after the cell's last card). A lane whose cards all sit deeper than the first page of
every column appears once those are loaded with swimlanes off or with a filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from webapp.features.projects import helpers
from webapp.storage.base import DocumentStore
from webapp.storage.query import Query

Document = dict[str, Any]

PAGE = 30
SWIMLANES = ("none", "assignee", "epic", "type")
NO_LANE = "none"
# what a card shows and a lane groups by (board/_macros.html card, lane_of): a column page
# reads only these, not descriptions, mentions or custom values
CARD_FIELDS = ("key", "title", "type", "priority", "status", "status_category", "version",
               "position", "assignee_ids", "epic_id", "parent_id", "labels", "story_points",
               "flagged", "sprint_id", "project_id")
NO_SPRINT = "-"
SPRINT_FIELD = re.compile(r"-|[A-Za-z0-9_.-]{1,36}")


@dataclass
class Page:
    cards: list[Document]
    more: bool
    count: int | None = None

    @property
    def last_id(self) -> str | None:
        return self.cards[-1]["$id"] if self.cards else None


@dataclass
class Lane:
    value: str
    label: str
    cells: dict[str, Page] = field(default_factory=dict)


def active_sprint_id(store: DocumentStore, project: Document) -> str | None:
    """The SCRUM board's active sprint (None: not SCRUM, or no active sprint)."""
    if project.get("board_type", "SCRUM") != "SCRUM":
        return None
    sprint = store.first("sprints", [Query.equal("project_id", project["$id"]),
                                     Query.equal("status", "ACTIVE")])
    return str(sprint["$id"]) if sprint else None


def scope_queries(store: DocumentStore, project: Document, *, sent: str | None = None
                  ) -> tuple[list[Query], str | None]:
    """Queries every column shares (project, SCRUM active sprint) and a notice, if any.

    ``sent``: the sprint the board page was drawn for (``data-sprint``: an id, or
    ``NO_SPRINT``), sent back by a move so the move reads no sprint. It only narrows the
    header counts a move answers, always inside the project, so a stale or forged value
    can show a wrong count on that user's board but reveals or changes nothing."""
    queries = [Query.equal("project_id", project["$id"])]
    if project.get("board_type", "SCRUM") != "SCRUM":
        return queries, None
    if sent is not None and SPRINT_FIELD.fullmatch(sent):
        sprint_id = None if sent == NO_SPRINT else sent
    else:
        sprint_id = active_sprint_id(store, project)
    if sprint_id is None:
        return queries, ("No active sprint — showing every work item. Start a sprint from "
                         "the backlog to focus the board on it.")
    return [*queries, Query.equal("sprint_id", sprint_id)], None


def sprint_field(scope: Sequence[Query], project: Document) -> str:
    """What the board page sends back with a move as ``sprint`` (see ``scope_queries``)."""
    if project.get("board_type", "SCRUM") != "SCRUM":
        return ""
    for query in scope:
        if getattr(query, "attribute", None) == "sprint_id":
            return str(query.values[0])
    return NO_SPRINT


def filter_queries(args: Any, user_id: str | None = None
                   ) -> tuple[list[Query], dict[str, list[str]]]:
    """The shared item filter (``items.query.ItemFilter``) as queries and URL args. Status,
    sort, grouping and page do not apply to a board (columns are statuses, positions order)."""
    from webapp.features.items.query import FilterContext, ItemFilter

    item_filter = ItemFilter.from_args(args, FilterContext(user_id=user_id))
    item_filter = replace(item_filter, status=(), sort="key", desc=True, group=None, page=1)
    return list(item_filter.queries()), item_filter.to_args()


def lane_query(kind: str, value: str) -> list[Query]:
    if kind == "type":
        return [Query.equal("type", value)]
    if kind == "epic":
        return [Query.is_null("epic_id")] if value == NO_LANE else [Query.equal("epic_id", value)]
    if kind == "assignee" and value != NO_LANE:
        return [Query.contains("assignee_ids", value)]
    return []


def lane_of(card: Document, kind: str) -> str:
    if kind == "type":
        return str(card.get("type") or "TASK")
    if kind == "epic":
        return str(card.get("epic_id") or NO_LANE)
    if kind == "assignee":
        ids = card.get("assignee_ids") or []
        return str(ids[0]) if ids else NO_LANE
    return NO_LANE


def column_page(store: DocumentStore, base: Sequence[Query], status: str, *,
                after: str | None = None, count: bool = False) -> Page:
    """One page of a column: ``PAGE`` cards ordered by position (+1 to know if there is
    more), optionally with the column's total."""
    queries = [*base, Query.equal("status", status), Query.order_asc("position"),
               Query.limit(PAGE + 1), Query.select(*CARD_FIELDS)]
    if after:
        queries.append(Query.cursor_after(after))
    found = store.list("work_items", queries)
    rows = list(found)
    total = found.total if after is None else None  # the list counts the column anyway
    if count and total is None:
        total = store.count("work_items", [*base, Query.equal("status", status)])
    return Page(rows[:PAGE], len(rows) > PAGE, total)


def lane_page(store: DocumentStore, base: Sequence[Query], status: str, kind: str, value: str,
              after: str | None) -> Page:
    page = column_page(store, [*base, *lane_query(kind, value)], status, after=after)
    if kind == "assignee" and value == NO_LANE:  # no "empty array" query: filter here
        page.cards = [c for c in page.cards if not c.get("assignee_ids")]
    return page


@dataclass
class CardContext:
    """What the card template looks up: people, epics, blocked ids, types, priorities."""

    people: dict[str, Document]
    epics: dict[str, Document]
    blocked: set[str]
    types: dict[str, dict[str, Any]]
    priorities: dict[str, dict[str, Any]]
    labels: dict[str, dict[str, Any]]


def card_context(store: DocumentStore, project: Document, cards: Iterable[Document],
                 *, extra_people: Iterable[str] = ()) -> CardContext:
    cards = list(cards)
    people_ids = {u for c in cards for u in (c.get("assignee_ids") or [])} | set(extra_people)
    people_ids.discard(NO_LANE)
    epic_ids = {str(c["epic_id"]) for c in cards if c.get("epic_id")}
    people = store.get_many("users", sorted(people_ids)) if people_ids else {}
    epics = store.get_many("work_items", sorted(epic_ids)) if epic_ids else {}
    blocked: set[str] = set()
    if cards:
        from webapp.features.items import links

        blocked = set(links.blocked_ids(store, [c["$id"] for c in cards]))
    return CardContext(
        people=dict(people), epics=dict(epics), blocked=blocked,
        types={str(t["key"]): t for t in helpers.item_types(project)},
        priorities={str(p["key"]): p for p in helpers.priorities(project)},
        labels={str(x["name"]): x for x in helpers.labels(project)})


def lane_label(kind: str, value: str, ctx: CardContext) -> str:
    if value == NO_LANE:
        return {"assignee": "Unassigned", "epic": "No epic"}.get(kind, "None")
    if kind == "assignee":
        person = ctx.people.get(value) or {}
        return str(person.get("name") or person.get("email") or "Former member")
    if kind == "epic":
        epic = ctx.epics.get(value) or {}
        return f"{epic.get('key', '')} {epic.get('title', 'Epic')}".strip()
    return str((ctx.types.get(value) or {}).get("label") or value.title())


def build_lanes(kind: str, columns: Sequence[Any], pages: Mapping[str, Page],
                ctx: CardContext) -> list[Lane]:
    """Lanes = distinct lane values among the first pages; "none" always last."""
    values: list[str] = []
    for column in columns:
        for card in pages[column.key].cards:
            value = lane_of(card, kind)
            if value not in values:
                values.append(value)
    if kind == "type":
        order = list(ctx.types)
        values.sort(key=lambda v: order.index(v) if v in order else len(order))
    else:
        values = sorted((v for v in values if v != NO_LANE),
                        key=lambda v: lane_label(kind, v, ctx).lower())
        values.append(NO_LANE)
    lanes = []
    for value in values:
        lane = Lane(value, lane_label(kind, value, ctx))
        for column in columns:
            page = pages[column.key]
            lane.cells[column.key] = Page(
                [c for c in page.cards if lane_of(c, kind) == value], page.more)
        lanes.append(lane)
    return lanes
