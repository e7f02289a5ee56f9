"""Request and response models of API v1 (pydantic; their JSON Schema feeds the OpenAPI
document). Responses are built with ``of(Model, document)``, which maps a store document
(``$id``, ``$createdAt`` ...) onto the model, so a body always matches its schema."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from webapp.storage.collections.work import LINK_TYPES

LinkType = Literal[LINK_TYPES]  # type: ignore[valid-type]
Scope = Literal["read", "write", "admin"]


class Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


T = TypeVar("T", bound="Out")


def of(model: type[T], doc: dict[str, Any], **extra: Any) -> T:
    values = {k: v for k, v in doc.items() if not k.startswith("$")}
    values.update(id=doc.get("$id"), created_at=doc.get("$createdAt"),
                  updated_at=doc.get("$updatedAt"), **extra)
    return model.model_validate(values)


class Error(Out):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["This resource does not exist or is not shared with you."])
    errors: dict[str, str] = Field(default_factory=dict, examples=[{"title": "Enter a title."}])


# -- people and places ---------------------------------------------------------------------
class TokenInfo(Out):
    id: str
    name: str
    scopes: list[str]
    expires_at: dt.datetime | None = None


class Me(Out):
    id: str
    name: str | None = None
    email: str
    account_type: str | None = None
    primary_organization_id: str | None = None
    default_workspace_id: str | None = None
    created_at: dt.datetime | None = None
    token: TokenInfo | None = Field(None, description="The token of this request (null for a "
                                    "session).")


class Organization(Out):
    id: str
    name: str
    owner_id: str | None = None
    domain: str | None = None
    size: str | None = None
    member_count: int | None = None
    created_at: dt.datetime | None = None


class Workspace(Out):
    id: str
    name: str
    organization_id: str | None = None
    account_type: str | None = None
    owner_id: str | None = None
    created_at: dt.datetime | None = None


class Space(Out):
    id: str
    workspace_id: str
    name: str
    key: str
    description: str | None = None
    visibility: str | None = None
    archived: bool = False
    created_at: dt.datetime | None = None


class Member(Out):
    id: str
    user_id: str
    name: str | None = None
    email: str | None = None
    role: str
    status: str | None = None


class Project(Out):
    id: str
    workspace_id: str
    space_id: str | None = None
    name: str
    key: str
    description: str | None = None
    status: str | None = None
    board_type: str | None = None
    workflow_id: str | None = None
    start_date: dt.datetime | None = None
    deadline: dt.datetime | None = None
    color: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ProjectCreate(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Website", "key": "WEB", "board_type": "KANBAN"},
    ]})

    name: str = Field(max_length=128, examples=["Website"])
    key: str = Field(max_length=16, examples=["WEB"])
    space_id: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=2000)
    board_type: Literal["SCRUM", "KANBAN", "HYBRID"] = "SCRUM"
    start_date: dt.date | None = None
    deadline: dt.date | None = None
    workflow_id: str | None = Field(None, max_length=64)


class ProjectUpdate(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"description": "The public website", "status": "ON_HOLD"},
    ]})

    name: str | None = Field(None, max_length=128)
    description: str | None = Field(None, max_length=2000)
    board_type: Literal["SCRUM", "KANBAN", "HYBRID"] | None = None
    status: Literal["ACTIVE", "ON_HOLD", "COMPLETED"] | None = None
    start_date: dt.date | None = None
    deadline: dt.date | None = None
    color: str | None = Field(None, max_length=16, examples=["#2563eb"])


# -- work items ------------------------------------------------------------------------------
class WorkItem(Out):
    id: str
    key: str = Field(examples=["WEB-12"])
    number: int
    workspace_id: str
    project_id: str
    title: str
    description: str | None = None
    description_html: str | None = None
    type: str
    status: str
    status_category: str | None = None
    priority: str | None = None
    assignee_ids: list[str] = Field(default_factory=list)
    team_ids: list[str] = Field(default_factory=list)
    reporter_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    story_points: float | None = None
    estimated_hours: float | None = None
    remaining_hours: float | None = None
    start_date: dt.datetime | None = None
    due_date: dt.datetime | None = None
    epic_id: str | None = None
    parent_id: str | None = None
    sprint_id: str | None = None
    flagged: bool = False
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    version: int = Field(description="Send it back in If-Match to update (also the ETag).")
    resolved_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class _ItemFields(In):
    description: str | None = Field(None, max_length=65535)
    type: str | None = Field(None, max_length=32, examples=["TASK"])
    priority: str | None = Field(None, max_length=32, examples=["HIGH"])
    assignee_ids: list[str] | None = Field(None, max_length=50)
    labels: list[str] | None = Field(None, max_length=20)
    story_points: float | None = Field(None, ge=0, le=100000)
    estimated_hours: float | None = Field(None, ge=0, le=100000)
    remaining_hours: float | None = Field(None, ge=0, le=100000)
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    epic_id: str | None = Field(None, max_length=64)
    parent_id: str | None = Field(None, max_length=64)
    flagged: bool | None = None
    custom_fields: dict[str, Any] | None = None


class WorkItemCreate(_ItemFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Fix the login redirect", "type": "BUG", "priority": "HIGH",
         "labels": ["auth"], "due_date": "2026-01-31"},
    ]})

    title: str = Field(max_length=500, examples=["Fix the login redirect"])
    status: str | None = Field(None, max_length=36, description="An initial status; default: "
                               "the workflow's initial status.")


class WorkItemUpdate(_ItemFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "IN_PROGRESS", "assignee_ids": ["a1b2c3d4e5f6a7b8c9d0"]},
    ]})

    title: str | None = Field(None, max_length=500)
    status: str | None = Field(None, max_length=36, description="Moves the item through the "
                               "workflow (the transition rules apply).")
    comment: str | None = Field(None, max_length=2000, description="For transitions that "
                                "require a comment.")


class Link(Out):
    id: str
    type: str = Field(description="The link type read from this item's side.")
    label: str
    other_id: str
    source_id: str
    target_id: str


class LinkCreate(In):
    target_id: str = Field(max_length=64, description="The other work item's id.")
    type: LinkType = Field(examples=["BLOCKS"])


class Subtask(Out):
    id: str
    title: str
    done: bool
    position: float | None = None


class SubtaskCreate(In):
    title: str = Field(max_length=500, examples=["Write the migration"])


class SubtaskUpdate(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"done": True},
    ]})

    title: str | None = Field(None, max_length=500)
    done: bool | None = None


# -- workflows and fields ------------------------------------------------------------------
class Status(Out):
    key: str
    name: str
    category: str
    color: str | None = None
    source: str = Field(description="workflow or custom (a project column).")
    is_initial: bool = False
    is_final: bool = False
    enabled: bool = True


def status_from(column: Any) -> Status:
    """A workflow engine ``Column`` as a ``Status``."""
    return Status(key=column.key, name=column.name, category=column.category,
                  color=column.color, source=column.source, is_initial=column.is_initial,
                  is_final=column.is_final, enabled=column.enabled)


class Transition(Out):
    id: str
    name: str | None = None
    from_status: str | None = Field(None, description="Status key; null: from any status.")
    to_status: str | None = None
    allowed_roles: list[str] = Field(default_factory=list)
    requires_approval: bool = False
    requires_comment: bool = False


class Workflow(Out):
    id: str | None = None
    name: str | None = None
    statuses: list[Status]
    transitions: list[Transition]


class CustomField(Out):
    id: str
    key: str
    name: str
    field_type: str
    scope: str
    is_required: bool = False
    options: list[dict[str, Any]] = Field(default_factory=list)
    applies_to_types: list[str] = Field(default_factory=list)
    description: str | None = None


# -- lists -------------------------------------------------------------------------------
class OrganizationList(Out):
    data: list[Organization]


class WorkspaceList(Out):
    data: list[Workspace]


class SpaceList(Out):
    data: list[Space]


class MemberList(Out):
    data: list[Member]


class ProjectList(Out):
    data: list[Project]


class WorkItemPage(Out):
    data: list[WorkItem]
    next_cursor: str | None = Field(None, description="Pass as ``cursor`` for the next page; "
                                    "null on the last page.")


class LinkList(Out):
    data: list[Link]


class SubtaskList(Out):
    data: list[Subtask]


class StatusList(Out):
    data: list[Status]


class FieldList(Out):
    data: list[CustomField]


# -- query parameters ----------------------------------------------------------------------
class ItemQuery(In):
    status: list[str] | None = Field(None, description="Status keys (repeat for several).")
    priority: list[str] | None = None
    type: list[str] | None = None
    assignee: list[str] | None = Field(None, description="User ids, or ``me``.")
    label: list[str] | None = None
    q: str | None = Field(None, max_length=200, description="Text search in titles, or a key.")
    sort: Literal["key", "-key", "title", "-title", "due", "-due", "updated", "-updated",
                  "created", "-created", "points", "-points"] = "-key"
    limit: int = Field(25, ge=1, le=100)
    cursor: str | None = Field(None, max_length=64, description="``next_cursor`` of the "
                               "previous page.")
