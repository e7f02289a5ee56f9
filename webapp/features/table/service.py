"""The project table: one page of work items for an ``ItemFilter``, with what its rows show.

A page costs one ``list`` (filters + order + limit/offset; its ``total`` pages the view),
one ``get_many`` for the people and epics of the page and one query for the blocked
badges. Status and priority orders follow the project (board columns, priority levels):
the rows are read bucket by bucket (one ``count`` per status or priority, then a ``list``
per bucket the page window touches), so no row outside the page is loaded.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from webapp.features.fields.service import fields_for
from webapp.features.items.links import blocked_ids
from webapp.features.items.query import BUCKETED, GROUPS, FilterContext, ItemFilter
from webapp.features.projects import helpers
from webapp.features.workflows import engine
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

PER_PAGE = 50
ROW = ("$id", "$updatedAt", "key", "number", "title", "status", "status_category", "priority",
       "type", "assignee_ids", "labels", "due_date", "story_points", "epic_id", "sprint_id",
       "flagged", "version")
"""The attributes a table row shows (descriptions are not read)."""
COLLECTION = "work_items"


@dataclass
class Status:
    key: str
    name: str
    category: str
    color: str | None = None


@dataclass
class TablePage:
    items: list[Document]
    total: int
    page: int
    per_page: int = PER_PAGE
    people: dict[str, Document] = field(default_factory=dict)
    epics: dict[str, Document] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


# -- what the project knows ------------------------------------------------------------------
def statuses(store: DocumentStore, project: Document) -> list[Status]:
    """The project's statuses in board order (workflow statuses and custom columns)."""
    data = engine.load(store, project, cached=True)
    return [Status(c.key, c.name, c.category, c.color)
            for c in engine.all_statuses(store, project, data=data)]


def custom_fields(store: DocumentStore, project: Document) -> list[Document]:
    return list(fields_for(store, project))


def members(store: DocumentStore, project: Document) -> dict[str, str]:
    """The project's people: user id -> name, sorted by name."""
    rows = store.list("project_members", [
        Query.equal("project_id", project["$id"]), Query.not_equal("status", "REMOVED"),
        Query.limit(1000)]).documents
    users = store.get_many("users", sorted({str(r["user_id"]) for r in rows}))
    names = {uid: str(u.get("name") or u.get("email") or uid) for uid, u in users.items()}
    return dict(sorted(names.items(), key=lambda kv: kv[1].lower()))


def filter_context(store: DocumentStore, project: Document, user_id: str | None,
                   status_list: Sequence[Status] | None = None) -> FilterContext:
    pid = project["$id"]
    epics = store.list(COLLECTION, [
        Query.equal("project_id", pid), Query.equal("type", "EPIC"),
        Query.select("$id", "key", "title"), Query.order_asc("number"), Query.limit(300),
    ]).documents
    sprints = store.list("sprints", [
        Query.equal("project_id", pid), Query.order_asc("position"), Query.limit(300),
    ]).documents
    return FilterContext(
        statuses={s.key: s.name for s in (status_list or statuses(store, project))},
        priorities={str(p["key"]): str(p["label"]) for p in helpers.priorities(project)},
        types={str(t["key"]): str(t["label"]) for t in helpers.item_types(project)},
        people=members(store, project),
        epics={e["$id"]: f"{e['key']} {e['title']}" for e in epics},
        sprints={s["$id"]: str(s["name"]) for s in sprints},
        labels={str(x["name"]): str(x["name"]) for x in helpers.labels(project)
                if x.get("name")},
        fields={str(f["key"]): f for f in custom_fields(store, project)},
        user_id=user_id,
    )


# -- the page ------------------------------------------------------------------------------
def list_page(store: DocumentStore, project: Document, flt: ItemFilter, ctx: FilterContext,
              *, per_page: int = PER_PAGE) -> TablePage:
    base = [Query.equal("project_id", project["$id"]), *flt.queries()]
    order = _order(flt)
    levels = _levels(flt, ctx)
    offset = (flt.page - 1) * per_page
    if not levels:
        found = store.list(COLLECTION, [*base, *order, Query.select(*ROW),
                                        Query.limit(per_page), Query.offset(offset)])
        items, total = found.documents, found.total
    else:
        items, total = _bucketed(store, base, order, levels, offset, per_page)
    page = TablePage(items, total, flt.page, per_page)
    _decorate(store, page)
    return page


def _order(flt: ItemFilter) -> list[Query]:
    out: list[Query] = []
    if flt.group and flt.group not in BUCKETED:
        out.append(Query.order_asc(GROUPS[flt.group]))
    if flt.sort not in BUCKETED:
        attr = flt.sort_attribute
        out.append(Query.order_desc(attr) if flt.desc else Query.order_asc(attr))
    if flt.sort != "key":
        out.append(Query.order_desc("number"))
    return out


Level = list[list[Query]]


def _levels(flt: ItemFilter, ctx: FilterContext) -> list[Level]:
    """The bucket filters of the ordered attributes (group first, then sort)."""
    levels: list[Level] = []
    wanted: list[tuple[str, bool]] = []
    if flt.group in BUCKETED:
        wanted.append((str(flt.group), False))
    if flt.sort in BUCKETED and flt.sort != flt.group:
        wanted.append((flt.sort, flt.desc))
    for name, desc in wanted:
        known = list(ctx.statuses if name == "status" else ctx.priorities)
        chosen = getattr(flt, name)
        values = [v for v in known if v in chosen] if chosen else known
        buckets: Level = [[Query.equal(name, v)] for v in values]
        if desc:
            buckets.reverse()
        if not chosen and values:
            buckets.append([Query.not_equal(name, values)])  # values the project no longer has
        elif chosen:
            buckets += [[Query.equal(name, v)] for v in chosen if v not in known]
        levels.append(buckets)
    return levels


def _bucketed(store: DocumentStore, base: list[Query], order: list[Query],
              levels: list[Level], offset: int, limit: int) -> tuple[list[Document], int]:
    combos = [[q for part in combo for q in part] for combo in itertools.product(*levels)]
    counts = [store.count(COLLECTION, [*base, *combo]) for combo in combos]
    total = sum(counts)
    items: list[Document] = []
    start = 0
    for combo, count in zip(combos, counts, strict=True):
        end = start + count
        if count and end > offset and len(items) < limit:
            local = max(0, offset - start)
            take = min(limit - len(items), count - local)
            found = store.list(COLLECTION, [*base, *combo, *order, Query.select(*ROW),
                                            Query.limit(take), Query.offset(local)])
            items.extend(found.documents)
            offset = start + local + take
        start = end
    return items, total


def _decorate(store: DocumentStore, page: TablePage) -> None:
    people = {a for item in page.items for a in item.get("assignee_ids") or []}
    epic_ids = {str(item["epic_id"]) for item in page.items if item.get("epic_id")}
    if people:
        page.people = store.get_many("users", sorted(people))
    if epic_ids:
        page.epics = store.get_many(COLLECTION, sorted(epic_ids))
    if page.items:
        page.blocked = blocked(store, [item["$id"] for item in page.items])


def blocked(store: DocumentStore, item_ids: list[str]) -> set[str]:
    return set(blocked_ids(store, item_ids))
