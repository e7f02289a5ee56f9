"""Projects (minimal: create and list) and project membership (SYSTEM.md 3.4, 4.3).

* A project's key is unique in its workspace: 2-10 characters, ``^[A-Z][A-Z0-9]{1,9}$``.
* Every project gets the four default ``project_roles`` (OWNER, ADMIN, MEMBER, VIEWER) —
  seeded idempotently — and its creator becomes PROJECT_OWNER.
* Members must be active workspace members. A member's ``role_id`` names a role document;
  on a default document ``role`` is that role, on a custom one ``role`` is VIEWER (the floor)
  and the document's keys widen it (``webapp.authz.roles``).
* A project keeps at least one active PROJECT_OWNER member; nobody hands out or takes away
  a role above their own (``check_role_assignment``).
* Removing is ``status=REMOVED`` (the row stays for history) and drops team memberships.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.grants import sync_project_grants
from webapp.authz.invariants import check_role_assignment
from webapp.authz.roles import ProjectRole, default_project_role_documents
from webapp.features.notifications import events
from webapp.features.workflows.service import attach_default_workflow
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

KEY_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
ACTIVE = "ACTIVE"
REMOVED = "REMOVED"


def scope_of(store: DocumentStore, project: Document) -> dict[str, Any]:
    workspace = store.get("workspaces", project["workspace_id"])
    return {"organization_id": workspace.get("organization_id"),
            "workspace_id": project["workspace_id"], "project_id": project["$id"]}


def clean_key(key: str | None) -> str:
    value = (key or "").strip().upper()
    if not KEY_RE.match(value):
        raise FieldErrors({"key": "Use 2 to 10 letters or digits, starting with a letter "
                                  "(for example WEB)."})
    return value


def seed_default_roles(store: DocumentStore, project: Document,
                       created_by: str | None = None) -> dict[str, Document]:
    """Create the four default roles the project lacks; returns every default by name."""
    existing = {r["name"]: r for r in store.list("project_roles", [
        Query.equal("project_id", project["$id"]), Query.limit(500),
    ])}
    out: dict[str, Document] = {}
    for doc in default_project_role_documents():
        name = str(doc["name"])
        if name not in existing:
            try:
                existing[name] = store.create("project_roles", {
                    **doc, "project_id": project["$id"],
                    "workspace_id": project["workspace_id"], "created_by": created_by,
                })
            except Conflict:  # seeded concurrently
                existing[name] = store.first("project_roles", [
                    Query.equal("project_id", project["$id"]), Query.equal("name", name),
                ])  # type: ignore[assignment]
        out[name] = existing[name]
    return out


def create_project(
    store: DocumentStore, acting: Acting, workspace_id: str, *, creator_id: str, name: str,
    key: str, space_id: str | None = None, description: str | None = None,
    board_type: str = "SCRUM", start_date: Any = None, deadline: Any = None,
    image_file_id: str | None = None, workflow_id: str | None = None,
) -> Document:
    """Create a project with its default roles, its creator as owner and its workflow
    (``attach_default_workflow`` honours the space's REQUIRE/SUGGEST/NONE inheritance)."""
    from webapp.features.projects.settings import (
        BOARD_TYPES,
        check_choice,
        check_dates,
        check_name,
        parse_day,
    )

    errors: dict[str, str] = {}
    clean_name = check_name(name, errors)
    board = check_choice(board_type or "SCRUM", BOARD_TYPES, "board_type",
                         "Choose Scrum, Kanban or Hybrid.", errors)
    start = parse_day(start_date, "start_date", errors)
    due = parse_day(deadline, "deadline", errors)
    check_dates(start, due, errors)
    try:
        clean = clean_key(key)
    except FieldErrors as exc:
        errors.update(exc.errors)
        clean = ""
    text = (description or "").strip()
    if len(text) > 2000:
        errors["description"] = "Use at most 2000 characters."
    if space_id:
        space = store.find("spaces", space_id)
        if space is None or space["workspace_id"] != workspace_id or space.get("archived"):
            errors["space_id"] = "Choose an active space of this workspace."
    if errors:
        raise FieldErrors(errors)
    workspace = store.get("workspaces", workspace_id)
    with store.transaction():
        try:
            project = store.create("projects", {
                "workspace_id": workspace_id, "space_id": space_id or None, "name": clean_name,
                "key": clean, "description": text or None, "created_by": creator_id,
                "board_type": board, "start_date": start, "deadline": due,
                "image_file_id": image_file_id, "status": ACTIVE,
                "organization_id": workspace.get("organization_id"),
            })
        except Conflict:
            raise FieldErrors({"key": "Another project in this workspace uses this key."}) from None
        project = _attach_workflow(store, acting, project, workflow_id)
        defaults = seed_default_roles(store, project, creator_id)
        store.create("project_members", {
            "project_id": project["$id"], "workspace_id": workspace_id, "user_id": creator_id,
            "role": ProjectRole.PROJECT_OWNER.stored, "role_id": defaults["OWNER"]["$id"],
            "status": ACTIVE, "added_by": creator_id, "joined_at": datetime.now(UTC),
        })
        sync_project_grants(store, project["$id"], [creator_id])
        record(store, acting, "project_created", "project", project["$id"],
               resource_name=clean_name, organization_id=workspace.get("organization_id"),
               workspace_id=workspace_id, project_id=project["$id"],
               changes=diff(None, project, ("name", "key", "space_id", "board_type",
                                             "workflow_id")))
    return project


def _attach_workflow(store: DocumentStore, acting: Acting, project: Document,
                     chosen: str | None) -> Document:
    attach_default_workflow(store, acting, project, chosen_workflow_id=chosen or None)
    return store.get("projects", project["$id"])


def list_projects(store: DocumentStore, workspace_id: str, user_id: str, *,
                  sees_all: bool) -> list[Document]:
    """The workspace's projects the user can open (all of them for admins)."""
    rows = store.list("projects", [
        Query.equal("workspace_id", workspace_id), Query.order_asc("name"), Query.limit(2000),
    ]).documents
    if sees_all:
        return rows
    mine = {m["project_id"] for m in store.list("project_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("user_id", user_id),
        Query.not_equal("status", REMOVED), Query.limit(2000),
    ])}
    return [p for p in rows if p["$id"] in mine]


# -- members ------------------------------------------------------------------------------
def list_roles(store: DocumentStore, project_id: str) -> list[Document]:
    rows = store.list("project_roles", [Query.equal("project_id", project_id),
                                        Query.limit(500)]).documents
    order = {r.document_name: -int(r) for r in ProjectRole}
    return sorted(rows, key=lambda r: (order.get(r["name"], 0) if r.get("is_default") else 1,
                                       str(r["name"]).casefold()))


def list_project_members(store: DocumentStore, project_id: str) -> list[Document]:
    return list(store.list("project_members", [
        Query.equal("project_id", project_id), Query.not_equal("status", REMOVED),
        Query.order_asc("joined_at"), Query.limit(5000),
    ]))


def _role_document(store: DocumentStore, project_id: str, role_id: str) -> tuple[Document,
                                                                                ProjectRole]:
    doc = store.find("project_roles", role_id) if role_id else None
    if doc is None or doc["project_id"] != project_id:
        raise FieldErrors({"role_id": "Choose a role."})
    if doc.get("is_default"):
        return doc, ProjectRole.parse(doc["name"])
    return doc, ProjectRole.VIEWER


def active_owner_ids(store: DocumentStore, project_id: str) -> set[str]:
    return {m["$id"] for m in store.list("project_members", [
        Query.equal("project_id", project_id), Query.equal("status", ACTIVE),
        Query.equal("role", ProjectRole.PROJECT_OWNER.stored), Query.limit(5000),
    ])}


def _check(actor_role: ProjectRole | None, current: ProjectRole | None,
           new: ProjectRole | None) -> None:
    if actor_role is None or check_role_assignment(actor_role, current, new):
        raise Refused("ROLE_ESCALATION", status=403)


def add_project_member(store: DocumentStore, acting: Acting, project_id: str, user_id: str,
                       role_id: str, *, actor_role: ProjectRole | None) -> Document:
    project = store.get("projects", project_id)
    doc, role = _role_document(store, project_id, role_id)
    _check(actor_role, None, role)
    ws_member = store.first("workspace_members", [
        Query.equal("workspace_id", project["workspace_id"]), Query.equal("user_id", user_id),
    ])
    if ws_member is None or ws_member["status"] != ACTIVE:
        raise Refused("NOT_WORKSPACE_MEMBER", status=400)
    existing = store.first("project_members", [
        Query.equal("project_id", project_id), Query.equal("user_id", user_id),
    ])
    if existing is not None and existing["status"] != REMOVED:
        raise Refused("ALREADY_MEMBER")
    values = {"role": role.stored, "role_id": doc["$id"], "status": ACTIVE,
              "added_by": acting.user_id, "joined_at": datetime.now(UTC)}
    with store.transaction():
        if existing is not None:
            member = store.update("project_members", existing["$id"], values)
        else:
            member = store.create("project_members", {
                "project_id": project_id, "workspace_id": project["workspace_id"],
                "user_id": user_id, **values,
            })
        sync_project_grants(store, project_id, [user_id])
        record(store, acting, "project_member_added", "project_member", member["$id"],
               resource_name=ws_member.get("name"), changes=diff(existing, member,
                                                                 ("role", "role_id", "status")),
               metadata={"user_id": user_id, "role_name": doc["name"]},
               **scope_of(store, project))
        events.emit(store, events.PROJECT_MEMBER_ADDED, actor_id=acting.user_id,
                    actor_name=acting.name, project=project, recipient_ids=[user_id])
    return member


def _project_member(store: DocumentStore, project_id: str, member_id: str) -> Document:
    member = store.find("project_members", member_id)
    if member is None or member["project_id"] != project_id or member["status"] == REMOVED:
        raise Refused("NOT_A_MEMBER", status=404)
    return member


def change_project_member_role(store: DocumentStore, acting: Acting, project_id: str,
                               member_id: str, role_id: str, *,
                               actor_role: ProjectRole | None) -> Document:
    project = store.get("projects", project_id)
    member = _project_member(store, project_id, member_id)
    doc, role = _role_document(store, project_id, role_id)
    current = ProjectRole.parse(member["role"])
    _check(actor_role, current, role)
    if current is ProjectRole.PROJECT_OWNER and role is not ProjectRole.PROJECT_OWNER and (
        active_owner_ids(store, project_id) <= {member_id}
    ):
        raise Refused("LAST_OWNER", "A project must keep at least one owner.")
    with store.transaction():
        after = store.update("project_members", member_id,
                             {"role": role.stored, "role_id": doc["$id"]})
        sync_project_grants(store, project_id, [str(member["user_id"])])
        after = store.get("project_members", member_id)
        changes = diff(member, after, ("role", "role_id"))
        if changes:
            record(store, acting, "project_member_role_changed", "project_member", member_id,
                   changes=changes, metadata={"user_id": member["user_id"],
                                              "role_name": doc["name"]},
                   **scope_of(store, project))
    return after


def remove_project_member(store: DocumentStore, acting: Acting, project_id: str,
                          member_id: str, *, actor_role: ProjectRole | None) -> None:
    project = store.get("projects", project_id)
    member = _project_member(store, project_id, member_id)
    current = ProjectRole.parse(member["role"])
    _check(actor_role, current, None)
    if current is ProjectRole.PROJECT_OWNER and active_owner_ids(store, project_id) <= {
        member_id
    }:
        raise Refused("LAST_OWNER", "A project must keep at least one owner.")
    teams = store.list("project_team_members", [
        Query.equal("project_id", project_id), Query.equal("user_id", member["user_id"]),
        Query.limit(500),
    ])
    with store.transaction():
        after = store.update("project_members", member_id, {"status": REMOVED})
        for row in teams:
            store.delete("project_team_members", row["$id"])
            store.increment("project_teams", row["team_id"], "member_count", -1)
        sync_project_grants(store, project_id, [str(member["user_id"])])
        record(store, acting, "project_member_removed", "project_member", member_id,
               changes=diff(member, after, ("status",)),
               metadata={"user_id": member["user_id"]}, **scope_of(store, project))
        events.emit(store, events.PROJECT_MEMBER_REMOVED, actor_id=acting.user_id,
                    actor_name=acting.name, project=project, recipient_ids=[member["user_id"]])
