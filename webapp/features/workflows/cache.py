"""A small in-process cache of a project's workflow configuration (what ``model.load``
reads: statuses, column settings, custom columns, transitions).

Entries are keyed by ``(project id, workflow id, project["config_rev"])``. The project
document is already in hand on every request (the guard loads it), so a hit costs no
query. Every write that changes what ``load`` returns gives the affected projects a fresh
``config_rev`` through ``touch`` (or sets it in the project update it already makes), in
the same transaction and after the configuration write itself: a request that still sees
the old revision may cache old data under the old key, which is never current again. The
key lives in the database, so this holds across processes. A project without a
``config_rev`` (created before it existed, or written around the services) is not cached.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any

from webapp.storage.base import DocumentStore
from webapp.storage.query import Query

SIZE = 256
_LOCK = threading.Lock()
_ENTRIES: OrderedDict[Hashable, Any] = OrderedDict()


def key_of(project: Mapping[str, Any]) -> Hashable | None:
    """The cache key of ``project``'s configuration, None when it must not be cached."""
    rev = project.get("config_rev")
    if not rev or not project.get("$id"):
        return None
    return (project["$id"], project.get("workflow_id"), rev)


def get(key: Hashable) -> Any:
    with _LOCK:
        value = _ENTRIES.get(key)
        if value is not None:
            _ENTRIES.move_to_end(key)
        return value


def put(key: Hashable, value: Any) -> None:
    with _LOCK:
        _ENTRIES[key] = value
        _ENTRIES.move_to_end(key)
        while len(_ENTRIES) > SIZE:
            _ENTRIES.popitem(last=False)


def clear() -> None:
    with _LOCK:
        _ENTRIES.clear()


def new_rev() -> str:
    return str(uuid.uuid4())


def touch(store: DocumentStore, *, project_id: str | None = None,
          workflow_id: str | None = None) -> None:
    """The configuration of ``project_id`` / of every project using ``workflow_id`` changed:
    give them a fresh ``config_rev`` (call it after the write, inside its transaction)."""
    rev = new_rev()
    if workflow_id:
        store.update_where("projects", [Query.equal("workflow_id", workflow_id)],
                           {"config_rev": rev})
    if project_id:
        store.update("projects", project_id, {"config_rev": rev})
