"""Comments on work items: Markdown (rendered once on save and sanitised like item
descriptions), ``@handle`` mentions of project members, one level of replies.

* A reply to a reply attaches to the top-level comment (one level of threading).
* Only the author edits a comment (it is marked edited). The author, or a holder of
  ``project.comments.delete``, deletes it; deleting a top-level comment deletes its replies.
* After each write the notifications dispatcher gets the events (``_notify``, the single
  call site): WORKITEM_COMMENT_ADDED for the item's assignees and reporter (mentioned users
  excluded, they get WORKITEM_MENTION), WORKITEM_REPLY for the parent comment's author;
  an edit notifies only users newly mentioned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.features.items import markdown, people
from webapp.features.items.service import scope
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

MAX_BODY = 20000
EXCERPT = 200


@dataclass
class Thread:
    comment: Document
    replies: list[Document] = field(default_factory=list)


def _body(store: DocumentStore, project: Document, text: str | None) -> dict[str, Any]:
    body = (text or "").strip()
    if not body:
        raise FieldErrors({"body": "Write a comment first."})
    if len(body) > MAX_BODY:
        raise FieldErrors({"body": f"Use at most {MAX_BODY} characters."})
    mention_map = people.mention_map(people.members(store, project["$id"])) if "@" in body \
        else {}
    html, mentioned = markdown.render(body, mention_map)
    return {"body": body, "body_html": html, "mentions": mentioned}


def get_comment(store: DocumentStore, item: Document, comment_id: str) -> Document:
    comment = store.find("comments", comment_id)
    if comment is None or comment["item_id"] != item["$id"]:
        raise Refused("COMMENT_NOT_FOUND", "This comment does not exist.", status=404)
    return comment


def threads(store: DocumentStore, item_id: str, limit: int = 500) -> list[Thread]:
    """Top-level comments oldest first, each with its replies oldest first (one list)."""
    rows = store.list("comments", [Query.equal("item_id", item_id),
                                   Query.order_asc("$createdAt"), Query.limit(limit)])
    tops: dict[str, Thread] = {}
    orphans: list[Document] = []
    for row in rows:
        if row.get("parent_id"):
            orphans.append(row)
        else:
            tops[row["$id"]] = Thread(row)
    for row in orphans:
        if row["parent_id"] in tops:
            tops[row["parent_id"]].replies.append(row)
    return list(tops.values())


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1] + "…"


def _notify(store: DocumentStore, acting: Acting, project: Document, item: Document,
            comment: Document, *, mentioned: Sequence[str], parent: Document | None = None,
            edited: bool = False) -> None:
    """The one place comment writes reach the notifications dispatcher."""
    try:
        from webapp.features.notifications import events
    except ImportError:  # the notifications area is not installed
        return
    extra = {"comment_id": comment["$id"], "excerpt": _excerpt(comment["body"]),
             "exclude_user_ids": list(mentioned)}
    common: dict[str, Any] = {"actor_id": acting.user_id, "actor_name": acting.name,
                              "item": item, "project": project, "extra": extra}
    if not edited:
        events.emit(store, events.COMMENT_ADDED, **common)
        if parent is not None and parent["author_id"] not in mentioned:
            events.emit(store, events.REPLY, recipient_ids=[parent["author_id"]], **common)
    if mentioned:
        events.emit(store, events.MENTION, mentioned_ids=mentioned, **common)


def add_comment(store: DocumentStore, acting: Acting, project: Document, item: Document,
                body: str | None, *, parent_id: str | None = None) -> Document:
    values = _body(store, project, body)
    parent = None
    if parent_id:
        parent = store.find("comments", parent_id)
        if parent is None or parent["item_id"] != item["$id"]:
            raise FieldErrors({"body": "The comment you reply to no longer exists."})
        if parent.get("parent_id"):  # one level: reply to the thread's top comment
            parent = store.get("comments", parent["parent_id"])
    with store.transaction():
        comment = store.create("comments", {
            **values, "item_id": item["$id"], "project_id": project["$id"],
            "workspace_id": project["workspace_id"], "author_id": acting.user_id,
            "parent_id": parent["$id"] if parent else None})
        record(store, acting, "comment_added", "comment", comment["$id"],
               resource_name=item["key"], metadata={"item_id": item["$id"],
                                                    "reply_to": comment["parent_id"]},
               **scope(store, project))
        _notify(store, acting, project, item, comment, mentioned=values["mentions"],
                parent=parent)
    return comment


def edit_comment(store: DocumentStore, acting: Acting, project: Document, item: Document,
                 comment_id: str, body: str | None) -> Document:
    comment = get_comment(store, item, comment_id)
    if comment["author_id"] != acting.user_id:
        raise Refused("NOT_AUTHOR", "Only the author can edit a comment.", status=403)
    values = _body(store, project, body)
    if values["body"] == comment["body"]:
        return comment
    new_mentions = [u for u in values["mentions"] if u not in (comment.get("mentions") or [])]
    with store.transaction():
        after = store.update("comments", comment_id, {**values, "is_edited": True,
                                                      "edited_at": datetime.now(UTC)})
        record(store, acting, "comment_edited", "comment", comment_id,
               resource_name=item["key"], metadata={"item_id": item["$id"]},
               **scope(store, project))
        _notify(store, acting, project, item, after, mentioned=new_mentions, edited=True)
    return after


def delete_comment(store: DocumentStore, acting: Acting, project: Document, item: Document,
                   comment_id: str, *, may_delete_any: bool) -> int:
    """Delete a comment (and its replies); returns how many comments went."""
    comment = get_comment(store, item, comment_id)
    if comment["author_id"] != acting.user_id and not may_delete_any:
        raise Refused("NOT_AUTHOR", "Only the author or a project admin can delete this "
                      "comment.", status=403)
    with store.transaction():
        replies = store.delete_where("comments", [Query.equal("parent_id", comment_id)])
        store.delete("comments", comment_id)
        record(store, acting, "comment_deleted", "comment", comment_id,
               resource_name=item["key"], metadata={"item_id": item["$id"],
                                                    "author_id": comment["author_id"],
                                                    "replies": replies},
               **scope(store, project))
    return replies + 1


def authors(store: DocumentStore, rows: Iterable[Thread]) -> dict[str, str]:
    ids = [u for t in rows for u in [t.comment["author_id"],
                                     *[r["author_id"] for r in t.replies]]]
    return people.names(store, ids)
