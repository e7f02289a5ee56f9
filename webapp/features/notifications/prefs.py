"""Notification preferences: per channel and event group, muted items and projects, and
self-action suppression (on by default). Missing rows mean the defaults (every channel on).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from webapp.audit import Acting, record
from webapp.features.notifications.events import GROUPS
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

CHANNELS: dict[str, str] = {"in_app": "In-app", "email": "E-mail", "push": "Push (live)"}


@dataclass(frozen=True)
class Prefs:
    user_id: str
    channels: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)
    muted_items: tuple[str, ...] = ()
    muted_projects: tuple[str, ...] = ()
    self_suppression: bool = True

    def wants(self, group: str, channel: str) -> bool:
        return bool((self.channels.get(group) or {}).get(channel, True))

    def mutes(self, item_id: str | None, project_id: str | None) -> bool:
        return bool((item_id and item_id in self.muted_items)
                    or (project_id and project_id in self.muted_projects))


def _row(store: DocumentStore, user_id: str) -> Document | None:
    return store.first("notification_prefs", [Query.equal("user_id", user_id)])


def _of(user_id: str, row: Document | None) -> Prefs:
    if row is None:
        return Prefs(user_id)
    return Prefs(user_id, dict(row.get("channels") or {}), tuple(row.get("muted_items") or ()),
                 tuple(row.get("muted_projects") or ()), bool(row.get("self_suppression", True)))


def get(store: DocumentStore, user_id: str) -> Prefs:
    return _of(user_id, _row(store, user_id))


def get_many(store: DocumentStore, user_ids: Iterable[str]) -> dict[str, Prefs]:
    ids = list(dict.fromkeys(user_ids))
    rows = {r["user_id"]: r for r in store.list("notification_prefs", [
        Query.equal("user_id", ids), Query.limit(len(ids) or 1)])} if ids else {}
    return {u: _of(u, rows.get(u)) for u in ids}


def _write(store: DocumentStore, user_id: str, values: Mapping[str, Any]) -> Document:
    row = _row(store, user_id)
    if row is not None:
        return store.update("notification_prefs", row["$id"], dict(values))
    try:
        return store.create("notification_prefs", {"user_id": user_id, **values})
    except Conflict:  # a concurrent first save
        row = _row(store, user_id)
        assert row is not None
        return store.update("notification_prefs", row["$id"], dict(values))


def save(store: DocumentStore, acting: Acting, user_id: str, *,
         channels: Mapping[str, Mapping[str, bool]], self_suppression: bool) -> Prefs:
    """Store the channel matrix (unknown groups/channels are ignored)."""
    clean = {g: {c: bool((channels.get(g) or {}).get(c, False)) for c in CHANNELS}
             for g in GROUPS}
    with store.transaction():
        row = _write(store, user_id, {"channels": clean,
                                      "self_suppression": bool(self_suppression)})
        record(store, acting, "notification_prefs_updated", "user", user_id,
               changes={"self_suppression": [None, bool(self_suppression)]})
    return _of(user_id, row)


def set_channel(store: DocumentStore, user_id: str, group: str, channel: str,
                value: bool) -> Prefs:
    """Switch one cell (the unsubscribe link turns e-mail off for one group)."""
    if group not in GROUPS or channel not in CHANNELS:
        raise ValueError("unknown group or channel")
    current = get(store, user_id)
    channels = {g: {c: current.wants(g, c) for c in CHANNELS} for g in GROUPS}
    channels[group][channel] = bool(value)
    return _of(user_id, _write(store, user_id, {"channels": channels}))


def set_muted(store: DocumentStore, user_id: str, *, item_id: str | None = None,
              project_id: str | None = None, muted: bool) -> Prefs:
    """Mute or unmute one work item or project."""
    current = get(store, user_id)
    items, projects = list(current.muted_items), list(current.muted_projects)
    for target, values in ((item_id, items), (project_id, projects)):
        if target is None:
            continue
        if muted and target not in values:
            values.append(target)
        if not muted and target in values:
            values.remove(target)
    return _of(user_id, _write(store, user_id, {"muted_items": items,
                                                "muted_projects": projects}))
