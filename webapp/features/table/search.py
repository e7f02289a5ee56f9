"""Workspace search over work items: key, title and description.

Only the projects the caller may view are searched (the caller passes their ids). A text
that looks like a key (``WEB-12``, ``web-1``) also matches keys by prefix; words match
titles and descriptions through the store's full-text index (every word, the last one as a
prefix, so results can follow typing). Title matches come before description matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

_KEYISH = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}-\d*$")
_WORD = re.compile(r"[^\W_]+")
LIVE_LIMIT = 8
PAGE_LIMIT = 50
SELECT = ("$id", "project_id", "key", "number", "title", "status", "type", "priority",
          "status_category")


@dataclass
class SearchResult:
    text: str
    items: list[Document] = field(default_factory=list)
    more: bool = False  # some matches were left out: refine the search


def search_items(store: DocumentStore, workspace_id: str, project_ids: Sequence[str],
                 text: str, *, limit: int = LIVE_LIMIT) -> SearchResult:
    text = " ".join(text.split())[:200]
    result = SearchResult(text)
    if not project_ids or not _WORD.search(text):
        return result
    base = [Query.equal("workspace_id", workspace_id),
            Query.equal("project_id", list(project_ids))]
    seen: set[str] = set()
    passes: list[list[Query]] = []
    if _KEYISH.match(text):
        passes.append([Query.starts_with("key", text.upper()), Query.order_asc("number")])
    passes.append([Query.search("title", text), Query.order_desc("$updatedAt")])
    passes.append([Query.search("description", text), Query.order_desc("$updatedAt")])
    for extra in passes:
        want = limit - len(result.items)
        if want <= 0:
            result.more = True
            break
        found = store.list("work_items", [*base, *extra, Query.select(*SELECT),
                                          Query.limit(want)])
        if found.total > len(found.documents):
            result.more = True
        for doc in found.documents:
            if doc["$id"] not in seen:
                seen.add(doc["$id"])
                result.items.append(doc)
    return result
