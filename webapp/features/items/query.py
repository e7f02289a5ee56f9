"""Work-item list views in the URL: filters, grouping, sort order and page.

``ItemFilter.from_args(request.args, ctx)`` parses a query string; ``queries()`` gives the
store filters (the caller adds the project); ``to_args()`` gives the query string back, so
a view can be shared and bookmarked; ``describe()`` gives the chips shown above a list.
Bad values never break a page: unknown keys are dropped with a notice, a bad date or
number gets a message (``notices``).

Custom fields are filtered through ``work_items.custom_values``: one ``"<key>=<value>"``
token per scalar value, written by the items service with ``custom_field_tokens`` on every
write of ``custom_fields`` (a JSON attribute cannot be filtered in the store).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from webapp.storage.query import Query

SORTS: dict[str, str] = {
    "key": "number", "title": "title", "status": "status", "priority": "priority",
    "due": "due_date", "updated": "$updatedAt", "created": "$createdAt",
    "points": "story_points",
}
"""Sort names in the URL -> attributes. ``status`` and ``priority`` follow the project's
order (board columns, priority levels), not the alphabet."""
BUCKETED = frozenset({"status", "priority"})
GROUPS: dict[str, str] = {
    "status": "status", "priority": "priority", "type": "type", "epic": "epic_id",
    "sprint": "sprint_id",
}
DUE_PRESETS = {"overdue": "Overdue", "today": "Due today", "week": "Due within 7 days",
               "none": "No due date", "set": "Has a due date"}
CF_TYPES = frozenset({"SELECT", "CHECKBOX", "USER", "NUMBER"})
NONE = "none"
ME = "me"
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-\d+$")
_LIST_KEYS = ("status", "assignee", "priority", "type", "label", "epic", "sprint")
_LABELS = {"status": "Status", "assignee": "Assignee", "priority": "Priority", "type": "Type",
           "label": "Label", "epic": "Epic", "sprint": "Sprint"}
TOKEN_MAX = 200


@dataclass
class FilterContext:
    """What a project knows, to validate and label filter values (each ``key -> label``,
    in display order). ``fields``: custom field definitions by key."""

    statuses: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    epics: dict[str, str] = field(default_factory=dict)
    sprints: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_id: str | None = None

    def known(self, name: str) -> dict[str, str] | None:
        """Allowed values of a list filter; None accepts any value (labels, no context)."""
        table = {"status": self.statuses, "priority": self.priorities, "type": self.types,
                 "assignee": self.people, "epic": self.epics, "sprint": self.sprints}
        values = table.get(name)
        return values if values else None


@dataclass(frozen=True)
class Chip:
    """One active filter value: its text and the query string without it."""

    label: str
    remove_args: dict[str, list[str]]


@dataclass
class ItemFilter:
    status: tuple[str, ...] = ()
    assignee: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    epic: tuple[str, ...] = ()
    sprint: tuple[str, ...] = ()
    due: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    text: str = ""
    custom: tuple[tuple[str, str], ...] = ()
    sort: str = "key"
    desc: bool = True
    group: str | None = None
    page: int = 1
    user_id: str | None = None
    notices: list[str] = field(default_factory=list)

    # -- parsing -----------------------------------------------------------------------
    @classmethod
    def from_args(cls, args: Any, ctx: FilterContext | None = None) -> ItemFilter:
        """Parse ``request.args`` (any mapping; ``getlist`` honoured; comma lists too)."""
        ctx = ctx or FilterContext()
        notices: list[str] = []
        values: dict[str, Any] = {}
        for name in _LIST_KEYS:
            chosen: list[str] = []
            known = ctx.known(name)
            for raw in _many(args, name):
                if raw in chosen:
                    continue
                special = (name == "assignee" and raw == ME) or (
                    name in ("epic", "sprint") and raw == NONE)
                if special or (raw in known if known is not None else len(raw) <= 64):
                    chosen.append(raw)
                else:
                    notices.append(f"Unknown {_LABELS[name].lower()} “{raw[:40]}” was ignored.")
            values[name] = tuple(chosen)
        due = (_one(args, "due") or "").lower() or None
        if due is not None and due not in DUE_PRESETS:
            notices.append(f"Unknown due date filter “{due[:40]}” was ignored.")
            due = None
        due_from = _date(args, "due_from", "From", notices)
        due_to = _date(args, "due_to", "To", notices)
        if due_from and due_to and due_to < due_from:
            notices.append("The due date range ends before it starts; it was ignored.")
            due_from = due_to = None
        text = " ".join(str(args.get("q") or "").split())[:200]
        custom = _custom(args, ctx, notices)
        sort_raw = _one(args, "sort") or "-key"
        desc = sort_raw.startswith("-")
        sort = sort_raw.lstrip("-")
        if sort not in SORTS:
            notices.append(f"Unknown sort “{sort[:40]}”; sorted by key.")
            sort, desc = "key", True
        group = _one(args, "group") or None
        if group is not None and group not in GROUPS:
            notices.append(f"Unknown grouping “{group[:40]}” was ignored.")
            group = None
        page_raw = _one(args, "page") or "1"
        page = int(page_raw) if page_raw.isdigit() and 0 < int(page_raw) < 100_000 else 1
        return cls(**values, due=due, due_from=due_from, due_to=due_to, text=text,
                   custom=custom, sort=sort, desc=desc, group=group, page=page,
                   user_id=ctx.user_id, notices=notices)

    # -- the store's form ----------------------------------------------------------------
    def queries(self, now: datetime | None = None) -> list[Query]:
        """Store filters for the chosen values (not the project, order or page)."""
        now = now or datetime.now(UTC)
        out: list[Query] = []
        for name, attr in (("status", "status"), ("priority", "priority"), ("type", "type")):
            chosen = getattr(self, name)
            if chosen:
                out.append(Query.equal(attr, list(chosen)))
        if self.assignee:
            people = [self.user_id if a == ME else a for a in self.assignee]
            out.append(Query.contains("assignee_ids", [p for p in people if p] or ["-"]))
        if self.label:
            out.append(Query.contains("labels", list(self.label)))
        for name, attr in (("epic", "epic_id"), ("sprint", "sprint_id")):
            chosen = getattr(self, name)
            if chosen:
                out.append(Query.equal(attr, [None if c == NONE else c for c in chosen]))
        out.extend(self._due_queries(now))
        if self.text:
            if _KEY.match(self.text):
                out.append(Query.equal("key", self.text.upper()))
            else:
                out.append(Query.search("title", self.text))
        for key, value in self.custom:
            token = f"{key}={self.user_id if value == ME else value}"
            out.append(Query.contains("custom_values", token[:TOKEN_MAX]))
        return out

    def _due_queries(self, now: datetime) -> list[Query]:
        out: list[Query] = []
        today = datetime.combine(now.date(), time.min, tzinfo=UTC)
        if self.due == "overdue":
            out += [Query.less_than("due_date", now),
                    Query.not_equal("status_category", "CLOSED")]
        elif self.due == "today":
            out.append(Query.between("due_date", today, today + timedelta(days=1, seconds=-1)))
        elif self.due == "week":
            out.append(Query.between("due_date", now, now + timedelta(days=7)))
        elif self.due == "none":
            out.append(Query.is_null("due_date"))
        elif self.due == "set":
            out.append(Query.is_not_null("due_date"))
        if self.due_from:
            out.append(Query.greater_than_equal(
                "due_date", datetime.combine(self.due_from, time.min, tzinfo=UTC)))
        if self.due_to:
            out.append(Query.less_than_equal(
                "due_date", datetime.combine(self.due_to, time.max, tzinfo=UTC)))
        return out

    @property
    def sort_attribute(self) -> str:
        return SORTS[self.sort]

    @property
    def active(self) -> bool:
        return bool(self.queries())

    # -- the URL's form --------------------------------------------------------------------
    def to_args(self, **overrides: Any) -> dict[str, list[str]]:
        """The query string as ``{name: [values]}`` (``url_for(..., **args)`` takes it).
        Defaults are left out; ``overrides`` replace fields first (``page=2``)."""
        view = replace(self, **overrides) if overrides else self
        args: dict[str, list[str]] = {}
        for name in _LIST_KEYS:
            chosen = getattr(view, name)
            if chosen:
                args[name] = list(chosen)
        if view.due:
            args["due"] = [view.due]
        if view.due_from:
            args["due_from"] = [view.due_from.isoformat()]
        if view.due_to:
            args["due_to"] = [view.due_to.isoformat()]
        if view.text:
            args["q"] = [view.text]
        for key, value in view.custom:
            args.setdefault(f"cf_{key}", []).append(value)
        if (view.sort, view.desc) != ("key", True):
            args["sort"] = [("-" if view.desc else "") + view.sort]
        if view.group:
            args["group"] = [view.group]
        if view.page > 1:
            args["page"] = [str(view.page)]
        return args

    def sorted_by(self, sort: str) -> dict[str, list[str]]:
        """Args for a column header link: same view, sorted by ``sort`` (toggles), page 1."""
        desc = not self.desc if sort == self.sort else sort in ("updated", "created", "priority")
        return self.to_args(sort=sort, desc=desc, page=1)

    def describe(self, ctx: FilterContext | None = None) -> list[Chip]:
        """One chip per active value, each with the args that remove it."""
        ctx = ctx or FilterContext()
        chips: list[Chip] = []
        for name in _LIST_KEYS:
            chosen = getattr(self, name)
            names = ctx.known(name) or {}
            for value in chosen:
                if value == ME:
                    text = "me"
                elif value == NONE:
                    text = "none"
                else:
                    text = names.get(value, value)
                rest = tuple(v for v in chosen if v != value)
                chips.append(Chip(f"{_LABELS[name]}: {text}",
                                  self.to_args(**{name: rest}, page=1)))
        if self.due:
            chips.append(Chip(DUE_PRESETS[self.due], self.to_args(due=None, page=1)))
        if self.due_from:
            chips.append(Chip(f"Due from {self.due_from.isoformat()}",
                              self.to_args(due_from=None, page=1)))
        if self.due_to:
            chips.append(Chip(f"Due until {self.due_to.isoformat()}",
                              self.to_args(due_to=None, page=1)))
        if self.text:
            chips.append(Chip(f"Text: {self.text}", self.to_args(text="", page=1)))
        for key, value in self.custom:
            defn = ctx.fields.get(key) or {}
            shown = ctx.people.get(value, value) if defn.get("field_type") == "USER" else value
            rest_cf = tuple(c for c in self.custom if c != (key, value))
            chips.append(Chip(f"{defn.get('name') or key}: {shown}",
                              self.to_args(custom=rest_cf, page=1)))
        return chips


# -- custom fields ---------------------------------------------------------------------------
def custom_field_tokens(values: Mapping[str, Any] | None) -> list[str]:
    """The ``work_items.custom_values`` tokens for an item's ``custom_fields``: one
    ``key=value`` per scalar value (lists give one per element), numbers normalised."""
    tokens: list[str] = []
    for key, value in (values or {}).items():
        for one in value if isinstance(value, list) else [value]:
            text = _token_value(one)
            if text is not None:
                token = f"{key}={text}"
                if len(token) <= TOKEN_MAX and token not in tokens:
                    tokens.append(token)
    return tokens


def _token_value(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(float(value))
    text = str(value).strip()
    return text or None


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _custom(args: Any, ctx: FilterContext, notices: list[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name in _names(args):
        if not name.startswith("cf_"):
            continue
        key = name[3:]
        defn = ctx.fields.get(key)
        for raw in _many(args, name):
            if defn is None:
                notices.append(f"Unknown custom field “{key[:40]}” was ignored.")
                break
            kind = str(defn.get("field_type"))
            label = defn.get("name") or key
            if kind not in CF_TYPES:
                notices.append(f"“{label}” can't be used as a filter; it was ignored.")
                break
            value = _cf_value(kind, raw, defn, ctx)
            if value is None:
                notices.append(f"“{raw[:40]}” is not a valid value for “{label}”.")
            elif (key, value) not in out:
                out.append((key, value))
    return tuple(out)


def _cf_value(kind: str, raw: str, defn: Mapping[str, Any], ctx: FilterContext) -> str | None:
    if kind == "NUMBER":
        try:
            return _number(float(raw))
        except ValueError:
            return None
    if kind == "CHECKBOX":
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "on"):
            return "true"
        return "false" if lowered in ("false", "0", "no", "off") else None
    if kind == "USER":
        return raw if raw == ME or not ctx.people or raw in ctx.people else None
    options = [str(o.get("value")) for o in defn.get("options") or [] if isinstance(o, dict)]
    return raw if not options or raw in options else None


# -- arg helpers -----------------------------------------------------------------------------
def _names(args: Any) -> Iterable[str]:
    return list(args.keys())


def _many(args: Any, name: str) -> list[str]:
    raw = args.getlist(name) if hasattr(args, "getlist") else args.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _one(args: Any, name: str) -> str | None:
    values = _many(args, name)
    return values[0] if values else None


def _date(args: Any, name: str, label: str, notices: list[str]) -> date | None:
    raw = _one(args, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        notices.append(f"{label} date “{raw[:40]}” is not a date (use YYYY-MM-DD); "
                       "it was ignored.")
        return None
