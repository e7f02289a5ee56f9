"""Duplicate detection for a new work item, without AI.

The candidate's title (and description, if given) is compared with the project's most
recently updated items (at most ``SCAN``): the score mixes word overlap (Jaccard over
lower-cased words of ≥ 2 characters without common stop words) with the titles'
character similarity (``difflib``); a description overlap adds a little. Items scoring at
least ``THRESHOLD`` are offered, best first, at most ``LIMIT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

SCAN, LIMIT, THRESHOLD = 500, 5, 0.45
WORD = re.compile(r"[a-z0-9]{2,}")
STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it",
    "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
    "when", "not", "no", "can", "cannot", "should",
})


@dataclass(frozen=True)
class Match:
    item: Document
    score: float


def words(text: str | None) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if w not in STOP}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def score(title: str, description: str | None, item: Document) -> float:
    t1, t2 = title.strip().lower(), str(item.get("title") or "").strip().lower()
    if not t1 or not t2:
        return 0.0
    value = 0.6 * _jaccard(words(t1), words(t2)) + 0.4 * SequenceMatcher(None, t1, t2).ratio()
    if description and item.get("description"):
        value += 0.15 * _jaccard(words(description), words(item["description"]))
    return min(1.0, value)


def similar_items(store: DocumentStore, project_id: str, title: str,
                  description: str | None = None) -> list[Match]:
    if len(words(title)) == 0:
        return []
    items = store.list("work_items", [
        Query.equal("project_id", project_id), Query.order_desc("$updatedAt"),
        Query.select("$id", "key", "title", "description", "status", "status_category"),
        Query.limit(SCAN)]).documents
    found = [Match(i, score(title, description, i)) for i in items]
    return sorted((m for m in found if m.score >= THRESHOLD),
                  key=lambda m: -m.score)[:LIMIT]
