"""Projects and their membership, roles, grants and teams (schema v2).

The work-management capability adds the project's board and workflow settings in a later
schema version; membership and the permission model live here from the start.
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 2

PROJECTS = Collection(
    id="projects",
    name="Projects",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("space_id", T.STRING, 36, since=V),
        A("program_id", T.STRING, 36, since=V),
        A("name", T.STRING, 128, required=True, since=V),
        A("key", T.STRING, 16, required=True, since=V),
        A("description", T.STRING, 2000, since=V),
        A("status", T.STRING, 16, default="ACTIVE",
          elements=("ACTIVE", "ON_HOLD", "COMPLETED", "ARCHIVED"), since=V),
        A("created_by", T.STRING, 36, since=V),
        # work management (schema v3)
        A("image_file_id", T.STRING, 36, since=3),
        A("start_date", T.DATETIME, since=3),
        A("deadline", T.DATETIME, since=3),
        A("board_type", T.STRING, 8, default="SCRUM", elements=("SCRUM", "KANBAN", "HYBRID"),
          since=3),
        A("workflow_id", T.STRING, 36, since=3),
        A("workflow_locked", T.BOOLEAN, default=False, since=3),
        A("default_assignee_id", T.STRING, 36, since=3),
        A("auto_assign_creator", T.BOOLEAN, default=False, since=3),
        A("enable_time_tracking", T.BOOLEAN, default=True, since=3),
        A("wip_limits", T.JSON, default={}, since=3),  # {status key: n}
        A("default_swimlane", T.STRING, 8, default="none",
          elements=("none", "assignee", "epic", "type"), since=3),
        A("default_sprint_duration", T.INTEGER, default=14, since=3),
        A("sprint_start_day", T.INTEGER, default=1, since=3),  # 0=Sun .. 6=Sat
        A("color", T.STRING, 16, since=3),
        A("position", T.INTEGER, default=0, since=3),
        A("custom_types", T.JSON, default=[], since=3),  # [{key, label, icon, color}]
        A("custom_priorities", T.JSON, default=[], since=3),  # [{key, label, color, level}]
        A("custom_labels", T.JSON, default=[], since=3),  # [{name, color}]
        A("item_seq", T.INTEGER, default=0, since=3),  # last issued item number
        A("last_modified_by", T.STRING, 36, since=3),
        A("organization_id", T.STRING, 36, since=3),  # the workspace's (authz.mirrors)
        A("config_rev", T.STRING, 36, since=3),  # workflow/columns revision (workflows.cache)
    ),
    indexes=(
        Index("projects_ws_key", I.UNIQUE, ("workspace_id", "key"), since=V),
        Index("projects_space", I.KEY, ("space_id",), since=V),
    ),
)

PROJECT_ROLES = Collection(
    id="project_roles",
    name="Project roles",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 64, required=True, since=V),
        A("description", T.STRING, 500, since=V),
        A("permissions", T.STRING, 64, array=True, default=[], since=V),
        A("color", T.STRING, 16, since=V),
        A("is_default", T.BOOLEAN, default=False, since=V),
        A("created_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("project_roles_name", I.UNIQUE, ("project_id", "name"), since=V),),
)

PROJECT_MEMBERS = Collection(
    id="project_members",
    name="Project members",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("role", T.STRING, 16, required=True,
          elements=("PROJECT_OWNER", "PROJECT_ADMIN", "MEMBER", "VIEWER"), since=V),
        A("role_id", T.STRING, 36, since=V),  # project_roles $id (default or custom)
        A("status", T.STRING, 16, default="ACTIVE",
          elements=("ACTIVE", "INVITED", "REMOVED"), since=V),
        A("added_by", T.STRING, 36, since=V),
        A("joined_at", T.DATETIME, since=V),
        # copies of the member's grants beyond the role's defaults (webapp.authz.grants):
        # the role document's keys, the teams' keys and the direct grants; null: no copy yet
        A("role_keys", T.STRING, 64, array=True, since=3),
        A("team_keys", T.STRING, 64, array=True, since=3),
        A("user_keys", T.STRING, 64, array=True, since=3),
    ),
    indexes=(
        Index("project_members_unique", I.UNIQUE, ("project_id", "user_id"), since=V),
        Index("project_members_user", I.KEY, ("user_id",), since=V),
    ),
)

PROJECT_PERMISSIONS = Collection(
    id="project_permissions",
    name="Explicit project grants",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("permission", T.STRING, 64, required=True, since=V),
        A("team_id", T.STRING, 36, since=V),
        A("user_id", T.STRING, 36, since=V),
        A("granted_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("project_permissions_project", I.KEY, ("project_id",), since=V),),
)

PROJECT_TEAMS = Collection(
    id="project_teams",
    name="Project teams",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 64, required=True, since=V),
        A("description", T.STRING, 500, since=V),
        A("color", T.STRING, 16, since=V),
        A("icon", T.STRING, 32, since=V),
        A("permissions", T.STRING, 64, array=True, default=[], since=V),
        A("member_count", T.INTEGER, default=0, since=V),
        A("created_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("project_teams_name", I.UNIQUE, ("project_id", "name"), since=V),),
)

PROJECT_TEAM_MEMBERS = Collection(
    id="project_team_members",
    name="Project team members",
    since=V,
    attributes=(
        A("team_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("role", T.STRING, 8, default="member", elements=("lead", "member"), since=V),
        A("team_role_label", T.STRING, 64, since=V),
    ),
    indexes=(
        Index("team_members_unique", I.UNIQUE, ("team_id", "user_id"), since=V),
        Index("team_members_project_user", I.KEY, ("project_id", "user_id"), since=V),
    ),
)

COLLECTIONS = (
    PROJECTS, PROJECT_ROLES, PROJECT_MEMBERS, PROJECT_PERMISSIONS, PROJECT_TEAMS,
    PROJECT_TEAM_MEMBERS,
)
