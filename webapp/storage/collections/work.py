"""Work management (schema v3): work items, their links and checklists, workflows with
statuses, transitions and approvals, board columns, custom fields and sprints.

A work item's ``status`` is a status *key* (``TODO``, ``IN_REVIEW`` ...) of the project's
workflow, or the key of one of the project's custom columns. ``version`` increases on every
write; an edit names the version it was made against (optimistic concurrency).
``position`` orders cards inside a column (sparse floats, spacing 1000).
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

ITEM_TYPES = ("EPIC", "STORY", "TASK", "BUG", "SUBTASK")
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
LINK_TYPES = (
    "BLOCKS", "IS_BLOCKED_BY", "RELATES_TO", "DUPLICATES", "IS_DUPLICATED_BY", "SPLIT_FROM",
    "SPLIT_TO", "CLONED_FROM", "CLONED_TO", "IS_CHILD_OF", "IS_PARENT_OF", "CAUSES",
    "IS_CAUSED_BY",
)
FIELD_TYPES = (
    "TEXT", "TEXTAREA", "NUMBER", "DATE", "DATETIME", "SELECT", "MULTI_SELECT", "USER", "USERS",
    "CHECKBOX", "URL", "EMAIL", "CURRENCY", "PERCENTAGE", "LABELS",
)

WORK_ITEMS = Collection(
    id="work_items",
    name="Work items",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("space_id", T.STRING, 36, since=V),
        A("key", T.STRING, 24, required=True, since=V),  # WEB-12
        A("number", T.INTEGER, required=True, since=V),
        A("title", T.STRING, 500, required=True, since=V),
        A("description", T.TEXT, since=V),  # Markdown source
        A("description_html", T.TEXT, since=V),  # sanitised rendering of ``description``
        A("type", T.STRING, 32, default="TASK", required=True, since=V),  # + custom type keys
        A("status", T.STRING, 36, required=True, since=V),  # status key or custom column key
        A("status_category", T.STRING, 16, default="OPEN",
          elements=("OPEN", "IN_PROGRESS", "CLOSED"), since=V),
        A("priority", T.STRING, 32, default="MEDIUM", since=V),  # + custom priority keys
        A("assignee_ids", T.STRING, 36, array=True, default=[], since=V),
        A("team_ids", T.STRING, 36, array=True, default=[], since=V),
        A("reporter_id", T.STRING, 36, since=V),
        A("labels", T.STRING, 64, array=True, default=[], since=V),
        A("story_points", T.FLOAT, since=V),
        A("estimated_hours", T.FLOAT, since=V),
        A("remaining_hours", T.FLOAT, since=V),
        A("start_date", T.DATETIME, since=V),
        A("due_date", T.DATETIME, since=V),
        A("epic_id", T.STRING, 36, since=V),
        A("parent_id", T.STRING, 36, since=V),
        A("sprint_id", T.STRING, 36, since=V),
        A("program_id", T.STRING, 36, since=V),
        A("flagged", T.BOOLEAN, default=False, since=V),
        A("position", T.FLOAT, default=0, since=V),
        A("custom_fields", T.JSON, default={}, since=V),
        A("mentions", T.STRING, 36, array=True, default=[], since=V),
        A("version", T.INTEGER, default=1, since=V),
        A("resolved_at", T.DATETIME, since=V),
        A("last_modified_by", T.STRING, 36, since=V),
        # "<field key>=<value>" per scalar custom-field value (items/query.py
        # custom_field_tokens), so the table can filter custom fields in the store
        A("custom_values", T.STRING, 200, array=True, default=[], since=V),
    ),
    indexes=(
        Index("work_items_ws_key", I.UNIQUE, ("workspace_id", "key"), since=V),
        Index("work_items_project_number", I.UNIQUE, ("project_id", "number"), since=V),
        Index("work_items_column", I.KEY, ("project_id", "status", "position"), since=V),
        Index("work_items_project_updated", I.KEY, ("project_id", "$updatedAt"), since=V),
        Index("work_items_epic", I.KEY, ("epic_id",), since=V),
        Index("work_items_parent", I.KEY, ("parent_id",), since=V),
        Index("work_items_sprint", I.KEY, ("sprint_id",), since=V),
        Index("work_items_search", I.FULLTEXT, ("key", "title", "description"), since=V),
        # table sort orders (items/query.py SORTS)
        Index("work_items_project_priority", I.KEY, ("project_id", "priority"), since=V),
        Index("work_items_status_priority", I.KEY,
              ("project_id", "status", "priority", "number"), since=V),
        Index("work_items_project_due", I.KEY, ("project_id", "due_date"), since=V),
        Index("work_items_project_points", I.KEY, ("project_id", "story_points"), since=V),
        Index("work_items_project_title", I.KEY, ("project_id", "title"), since=V),
        Index("work_items_project_type", I.KEY, ("project_id", "type", "number"),
              since=V),  # epics in key order
    ),
)

WORK_ITEM_LINKS = Collection(
    id="work_item_links",
    name="Work item links",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),  # the source's project
        A("source_id", T.STRING, 36, required=True, since=V),
        A("target_id", T.STRING, 36, required=True, since=V),
        A("link_type", T.STRING, 24, required=True, elements=LINK_TYPES, since=V),
        A("created_by", T.STRING, 36, since=V),
    ),
    indexes=(
        Index("links_unique", I.UNIQUE, ("source_id", "target_id", "link_type"), since=V),
        Index("links_target", I.KEY, ("target_id",), since=V),
        Index("links_project", I.KEY, ("project_id",), since=V),
    ),
)

CHECKLIST_ITEMS = Collection(
    id="checklist_items",
    name="Checklist subtasks",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("title", T.STRING, 500, required=True, since=V),
        A("is_completed", T.BOOLEAN, default=False, since=V),
        A("assignee_id", T.STRING, 36, since=V),
        A("due_date", T.DATETIME, since=V),
        A("position", T.FLOAT, default=0, since=V),
    ),
    indexes=(Index("checklist_item", I.KEY, ("item_id", "position"), since=V),),
)

WORKFLOWS = Collection(
    id="workflows",
    name="Workflows",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("space_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("scope", T.STRING, 16, required=True, elements=("WORKSPACE", "SPACE", "PROJECT"),
          since=V),
        A("name", T.STRING, 128, required=True, since=V),
        A("description", T.STRING, 2000, since=V),
        A("template", T.STRING, 32, since=V),
        A("is_default", T.BOOLEAN, default=False, since=V),
        A("is_system", T.BOOLEAN, default=False, since=V),
        A("status_count", T.INTEGER, default=0, since=V),
        A("created_by", T.STRING, 36, since=V),
    ),
    indexes=(
        Index("workflows_workspace", I.KEY, ("workspace_id", "scope"), since=V),
        Index("workflows_space", I.KEY, ("space_id",), since=V),
        Index("workflows_project", I.KEY, ("project_id",), since=V),
    ),
)

WORKFLOW_STATUSES = Collection(
    id="workflow_statuses",
    name="Workflow statuses",
    since=V,
    attributes=(
        A("workflow_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("key", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 64, required=True, since=V),
        A("color", T.STRING, 16, since=V),
        A("icon", T.STRING, 32, since=V),
        A("status_type", T.STRING, 16, default="OPEN", elements=("OPEN", "IN_PROGRESS", "CLOSED"),
          since=V),
        A("is_initial", T.BOOLEAN, default=False, since=V),
        A("is_final", T.BOOLEAN, default=False, since=V),
        A("position", T.INTEGER, default=0, since=V),
        A("description", T.STRING, 500, since=V),
        A("x", T.INTEGER, since=V),
        A("y", T.INTEGER, since=V),
    ),
    indexes=(Index("workflow_statuses_key", I.UNIQUE, ("workflow_id", "key"), since=V),),
)

WORKFLOW_TRANSITIONS = Collection(
    id="workflow_transitions",
    name="Workflow transitions",
    since=V,
    attributes=(
        A("workflow_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("from_status_id", T.STRING, 36, since=V),  # null: from any status
        A("to_status_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 64, since=V),
        A("description", T.STRING, 500, since=V),
        A("allowed_roles", T.STRING, 64, array=True, default=[], since=V),  # empty: anyone
        A("allowed_team_ids", T.STRING, 36, array=True, default=[], since=V),
        A("requires_approval", T.BOOLEAN, default=False, since=V),
        A("approver_team_ids", T.STRING, 36, array=True, default=[], since=V),
        A("requires_comment", T.BOOLEAN, default=False, since=V),
        A("auto_transition", T.BOOLEAN, default=False, since=V),
        A("auto_condition", T.STRING, 24, elements=("ALL_SUBTASKS_DONE", "APPROVAL_RECEIVED"),
          since=V),
    ),
    indexes=(Index("workflow_transitions_workflow", I.KEY, ("workflow_id",), since=V),),
)

WORK_ITEM_APPROVALS = Collection(
    id="work_item_approvals",
    name="Transition approvals",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("transition_id", T.STRING, 36, required=True, since=V),
        A("requested_by", T.STRING, 36, required=True, since=V),
        A("status", T.STRING, 16, default="PENDING",
          elements=("PENDING", "APPROVED", "REJECTED", "CANCELLED"), since=V),
        A("comment", T.STRING, 2000, since=V),
        A("decided_by", T.STRING, 36, since=V),
        A("decided_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("approvals_item", I.KEY, ("item_id", "status"), since=V),
        Index("approvals_project", I.KEY, ("project_id", "status"), since=V),
    ),
)

CUSTOM_COLUMNS = Collection(
    id="custom_columns",
    name="Custom board columns",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("key", T.STRING, 36, required=True, since=V),  # the status value items carry
        A("name", T.STRING, 64, required=True, since=V),
        A("color", T.STRING, 16, since=V),
        A("icon", T.STRING, 32, since=V),
        A("status_category", T.STRING, 16, required=True,
          elements=("todo", "in_progress", "done", "cancelled"), since=V),
        A("is_enabled", T.BOOLEAN, default=True, since=V),
        A("position", T.INTEGER, default=1000, since=V),
    ),
    indexes=(Index("custom_columns_key", I.UNIQUE, ("project_id", "key"), since=V),),
)

COLUMN_SETTINGS = Collection(
    id="column_settings",
    name="Built-in column settings",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("column_key", T.STRING, 36, required=True, since=V),  # a workflow status key
        A("is_enabled", T.BOOLEAN, default=True, since=V),
        A("position", T.INTEGER, default=1000, since=V),
    ),
    indexes=(Index("column_settings_key", I.UNIQUE, ("project_id", "column_key"), since=V),),
)

CUSTOM_FIELDS = Collection(
    id="custom_fields",
    name="Custom fields",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("space_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("scope", T.STRING, 16, required=True, elements=("WORKSPACE", "SPACE", "PROJECT"),
          since=V),
        A("key", T.STRING, 48, required=True, since=V),  # the key in items' custom_fields
        A("name", T.STRING, 64, required=True, since=V),
        A("field_type", T.STRING, 16, required=True, elements=FIELD_TYPES, since=V),
        A("options", T.JSON, default=[], since=V),  # [{value, label, color, is_default}]
        A("is_required", T.BOOLEAN, default=False, since=V),
        A("default_value", T.JSON, since=V),
        A("position", T.INTEGER, default=0, since=V),
        A("description", T.STRING, 500, since=V),
        A("precision", T.INTEGER, since=V),
        A("currency_code", T.STRING, 3, since=V),
        A("applies_to_types", T.STRING, 32, array=True, default=[], since=V),  # empty: all
        A("show_in_list", T.BOOLEAN, default=False, since=V),
        A("show_in_card", T.BOOLEAN, default=False, since=V),
        A("created_by", T.STRING, 36, since=V),
    ),
    indexes=(
        Index("custom_fields_workspace", I.KEY, ("workspace_id", "scope"), since=V),
        Index("custom_fields_project", I.KEY, ("project_id",), since=V),
        Index("custom_fields_space", I.KEY, ("space_id",), since=V),
    ),
)

SPRINTS = Collection(
    id="sprints",
    name="Sprints",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 128, required=True, since=V),
        A("status", T.STRING, 16, default="PLANNED",
          elements=("PLANNED", "ACTIVE", "COMPLETED", "CANCELLED"), since=V),
        A("start_date", T.DATETIME, since=V),
        A("end_date", T.DATETIME, since=V),
        A("goal", T.STRING, 2000, since=V),
        A("position", T.INTEGER, default=0, since=V),
        A("total_points", T.FLOAT, default=0, since=V),
        A("completed_points", T.FLOAT, default=0, since=V),
        A("velocity", T.FLOAT, since=V),
        A("completed_at", T.DATETIME, since=V),
        A("created_by", T.STRING, 36, since=V),
        # the project id while the sprint is ACTIVE, else null: the unique index below lets
        # the data itself refuse a second ACTIVE sprint in a project (nulls never collide)
        A("active_slot", T.STRING, 36, since=V),
        A("cancelled_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("sprints_project", I.KEY, ("project_id", "status"), since=V),
        Index("sprints_one_active", I.UNIQUE, ("active_slot",), since=V),
        Index("sprints_project_position", I.KEY, ("project_id", "position"), since=V),
    ),
)

COLLECTIONS = (
    WORK_ITEMS, WORK_ITEM_LINKS, CHECKLIST_ITEMS, WORKFLOWS, WORKFLOW_STATUSES,
    WORKFLOW_TRANSITIONS, WORK_ITEM_APPROVALS, CUSTOM_COLUMNS, COLUMN_SETTINGS, CUSTOM_FIELDS,
    SPRINTS,
)
