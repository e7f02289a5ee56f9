"""What the workflow engine reads about a project: its statuses (or the five built-in ones),
column settings and custom columns, loaded once per request by ``load``; the ``Column`` and
``TransitionCheck`` results. ``engine`` re-exports all of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from webapp.features.workflows import cache
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

CATEGORIES = ("OPEN", "IN_PROGRESS", "CLOSED")
CUSTOM_CATEGORY = {"todo": "OPEN", "in_progress": "IN_PROGRESS", "done": "CLOSED",
                   "cancelled": "CLOSED"}
BUILTIN = (  # key, name, category, color
    ("TODO", "To Do", "OPEN", "#64748b"),
    ("ASSIGNED", "Assigned", "OPEN", "#8b5cf6"),
    ("IN_PROGRESS", "In Progress", "IN_PROGRESS", "#3b82f6"),
    ("IN_REVIEW", "In Review", "IN_PROGRESS", "#f59e0b"),
    ("DONE", "Done", "CLOSED", "#22c55e"),
)
CODES = ("TRANSITION_NOT_DEFINED", "ROLE_NOT_ALLOWED", "TEAM_NOT_ALLOWED", "REQUIRES_APPROVAL",
         "REQUIRES_COMMENT", "UNKNOWN_STATUS")
APPROVER_ROLES = ("PROJECT_OWNER", "PROJECT_ADMIN")
MAX = 5000


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    name: str
    color: str | None
    icon: str | None
    category: str  # OPEN / IN_PROGRESS / CLOSED
    source: str  # "workflow" | "custom"
    status_id: str | None
    wip_limit: int | None
    is_initial: bool
    is_final: bool
    enabled: bool = True
    position: float = 0
    custom_id: str | None = None  # the custom_columns document


@dataclass(frozen=True, slots=True)
class TransitionCheck:
    allowed: bool
    code: str | None = None
    message: str = ""
    transition: Document | None = None


@dataclass
class ProjectWorkflow:
    """What the engine knows about one project, loaded once (see ``load``)."""

    project: Mapping[str, Any]
    statuses: list[Document]
    settings: dict[str, Document]
    custom: list[Document]
    _transitions: list[Document] | None = field(default=None, repr=False)

    def transitions(self, store: DocumentStore) -> list[Document]:
        if self._transitions is None:
            workflow_id = self.project.get("workflow_id")
            self._transitions = [] if not workflow_id else store.list(
                "workflow_transitions",
                [Query.equal("workflow_id", workflow_id), Query.limit(MAX)]).documents
        return self._transitions

    def status_by_key(self) -> dict[str, Document]:
        return {s["key"]: s for s in self.statuses}


def builtin_statuses() -> list[Document]:
    """The five built-in statuses as in-memory status documents (no ``$id``)."""
    return [{"$id": None, "key": key, "name": name, "status_type": cat, "color": color,
             "icon": None, "is_initial": i == 0, "is_final": key == "DONE", "position": i}
            for i, (key, name, cat, color) in enumerate(BUILTIN)]


def load(store: DocumentStore, project: Mapping[str, Any], *,
         transitions: bool = False, cached: bool = False) -> ProjectWorkflow:
    """Statuses + column settings + custom columns (3 queries; 4 with ``transitions``).
    ``cached``: answer from the in-process cache (``cache.py``; a hit costs no query, a
    miss reads all 4 and keeps them)."""
    key = cache.key_of(project) if cached else None
    if key is not None:
        hit = cache.get(key)
        if hit is None:
            data = load(store, project, transitions=True)
            hit = (tuple(data.statuses), dict(data.settings), tuple(data.custom),
                   tuple(data.transitions(store)))
            cache.put(key, hit)
        statuses_, settings_, custom_, transitions_ = hit
        return ProjectWorkflow(project, list(statuses_), dict(settings_), list(custom_),
                               list(transitions_))
    workflow_id = project.get("workflow_id")
    if workflow_id:
        statuses = store.list("workflow_statuses", [
            Query.equal("workflow_id", workflow_id), Query.order_asc("position"),
            Query.limit(MAX)]).documents
    else:
        statuses = builtin_statuses()
    settings = {s["column_key"]: s for s in store.list("column_settings", [
        Query.equal("project_id", project["$id"]), Query.limit(MAX)])}
    custom = store.list("custom_columns", [
        Query.equal("project_id", project["$id"]), Query.order_asc("position"),
        Query.limit(MAX)]).documents
    data = ProjectWorkflow(project, statuses, settings, custom)
    if transitions:
        data.transitions(store)
    return data
