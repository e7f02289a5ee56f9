"""Approval requests for transitions that need approval (``work_item_approvals``).

* A mover refused with REQUIRES_APPROVAL files a request for that transition (one pending
  request per item and transition: APPROVAL_PENDING). The transition must lead from the
  item's current status (or from any) and need approval (or be an APPROVAL_RECEIVED
  auto-transition).
* A member of an approver team (no approver team: a project owner or admin) approves or
  rejects; anyone else is refused (NOT_APPROVER, 403). Approving moves the item along the
  transition right away (the APPROVAL_RECEIVED auto-transition) and records it in the audit
  trail; then the parent's ALL_SUBTASKS_DONE auto-transitions run. When the item left the
  transition's source status meanwhile, the request is cancelled (APPROVAL_STALE).
* The requester may cancel their own pending request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.features.workflows import engine
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

Refused.MESSAGES.update({
    "APPROVAL_PENDING": "An approval for this move is already pending.",
    "NOT_APPROVER": "Only members of the approver teams can decide on this approval.",
    "APPROVAL_STALE": "The work item has moved since; the approval request was cancelled.",
    "APPROVAL_NOT_NEEDED": "This transition does not need an approval.",
    "APPROVAL_DECIDED": "This approval has already been decided.",
})


def _audit(store: DocumentStore, acting: Acting, action: str, project: Mapping[str, Any],
           approval: Mapping[str, Any], **metadata: Any) -> None:
    record(store, acting, action, "work_item_approval", approval["$id"],
           workspace_id=project["workspace_id"], project_id=project["$id"],
           metadata={"item_id": approval["item_id"],
                     "transition_id": approval["transition_id"], **metadata})


def list_pending(store: DocumentStore, project_id: str) -> list[Document]:
    return store.list("work_item_approvals", [
        Query.equal("project_id", project_id), Query.equal("status", "PENDING"),
        Query.order_asc("$createdAt"), Query.limit(200)]).documents


def request_approval(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                     item: Mapping[str, Any], transition_id: str, *,
                     comment: str | None = None) -> Document:
    if item.get("project_id") != project["$id"]:
        raise Refused("NOT_FOUND", "This work item is not part of the project.", status=404)
    data = engine.load(store, project, transitions=True)
    transition = next((t for t in data.transitions(store) if t["$id"] == transition_id), None)
    if transition is None:
        raise FieldErrors({"transition_id": "Choose a transition of the project's workflow."})
    if not (transition.get("requires_approval") or (
            transition.get("auto_transition")
            and transition.get("auto_condition") == "APPROVAL_RECEIVED")):
        raise Refused("APPROVAL_NOT_NEEDED")
    source = data.status_by_key().get(str(item.get("status")))
    if transition.get("from_status_id") not in (None, (source or {}).get("$id")):
        raise FieldErrors({"transition_id": "This transition does not leave the item's "
                                            "current status."})
    text = (comment or "").strip()
    if len(text) > 2000:
        raise FieldErrors({"comment": "Use at most 2000 characters."})
    if store.first("work_item_approvals", [
            Query.equal("item_id", item["$id"]), Query.equal("status", "PENDING"),
            Query.equal("transition_id", transition_id)]):
        raise Refused("APPROVAL_PENDING")
    with store.transaction():
        approval = store.create("work_item_approvals", {
            "item_id": item["$id"], "project_id": project["$id"],
            "workspace_id": project["workspace_id"], "transition_id": transition_id,
            "requested_by": acting.user_id or "", "status": "PENDING", "comment": text or None,
        })
        _audit(store, acting, "work_item_approval_requested", project, approval,
               transition=transition.get("name"))
    return approval


def _pending(store: DocumentStore, project: Mapping[str, Any], approval_id: str) -> Document:
    approval = store.find("work_item_approvals", approval_id) if approval_id else None
    if approval is None or approval["project_id"] != project["$id"]:
        raise Refused("NOT_FOUND", "This approval request does not exist.", status=404)
    if approval["status"] != "PENDING":
        raise Refused("APPROVAL_DECIDED")
    return approval


def _decide(store: DocumentStore, acting: Acting, approval: Document, status: str,
            comment: str | None) -> Document:
    values: dict[str, Any] = {"status": status, "decided_by": acting.user_id,
                              "decided_at": datetime.now(UTC)}
    if comment and comment.strip():
        values["comment"] = comment.strip()[:2000]
    return store.update("work_item_approvals", approval["$id"], values)


def approve(store: DocumentStore, acting: Acting, project: Mapping[str, Any], approval_id: str,
            *, project_role: Any, team_ids: Iterable[str],
            comment: str | None = None) -> Document:
    """Approve and move the item along the transition; returns the moved item."""
    approval = _pending(store, project, approval_id)
    data = engine.load(store, project, transitions=True)
    transition = next((t for t in data.transitions(store)
                       if t["$id"] == approval["transition_id"]), None)
    item = store.find("work_items", approval["item_id"])
    if transition is None or item is None:
        with store.transaction():
            _decide(store, acting, approval, "CANCELLED", None)
            _audit(store, acting, "work_item_approval_cancelled", project, approval)
        raise Refused("APPROVAL_STALE")
    if not engine.is_approver(transition, project_role=project_role, team_ids=team_ids):
        raise Refused("NOT_APPROVER", status=403)
    by_id = {s["$id"]: s for s in data.statuses}
    source = data.status_by_key().get(str(item.get("status")))
    target = by_id.get(transition["to_status_id"])
    column = engine.column_for(store, project, target["key"], data=data) if target else None
    if column is None or transition.get("from_status_id") not in (None, (source or {}).get("$id")):
        with store.transaction():
            _decide(store, acting, approval, "CANCELLED", None)
            _audit(store, acting, "work_item_approval_cancelled", project, approval)
        raise Refused("APPROVAL_STALE")
    with store.transaction():
        decided = _decide(store, acting, approval, "APPROVED", comment)
        moved = engine.apply_status(store, acting, project, item, column,
                                    action="work_item_auto_transitioned",
                                    metadata={"condition": "APPROVAL_RECEIVED",
                                              "transition_id": transition["$id"],
                                              "transition": transition.get("name"),
                                              "approval_id": approval["$id"]})
        if moved is None:
            raise Refused("APPROVAL_STALE")
        _audit(store, acting, "work_item_approval_granted", project, decided,
               transition=transition.get("name"))
    engine.after_status_change(store, acting, project, moved, data=data)
    return moved


def reject(store: DocumentStore, acting: Acting, project: Mapping[str, Any], approval_id: str,
           *, project_role: Any, team_ids: Iterable[str],
           comment: str | None = None) -> Document:
    approval = _pending(store, project, approval_id)
    data = engine.load(store, project, transitions=True)
    transition = next((t for t in data.transitions(store)
                       if t["$id"] == approval["transition_id"]), None)
    if transition is not None and not engine.is_approver(
            transition, project_role=project_role, team_ids=team_ids):
        raise Refused("NOT_APPROVER", status=403)
    with store.transaction():
        decided = _decide(store, acting, approval, "REJECTED", comment)
        _audit(store, acting, "work_item_approval_rejected", project, decided)
    return decided


def cancel(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
           approval_id: str) -> Document:
    approval = _pending(store, project, approval_id)
    if approval["requested_by"] != acting.user_id:
        raise Refused("NOT_APPROVER", "Only the requester can cancel this request.", status=403)
    with store.transaction():
        decided = _decide(store, acting, approval, "CANCELLED", None)
        _audit(store, acting, "work_item_approval_cancelled", project, decided)
    return decided
