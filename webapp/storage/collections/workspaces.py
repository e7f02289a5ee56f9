"""Workspaces, their members, spaces and custom roles (schema v2)."""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 2
WS_ROLES = ("OWNER", "ADMIN", "MEMBER", "WS_ADMIN", "WS_EDITOR", "WS_VIEWER")

WORKSPACES = Collection(
    id="workspaces",
    name="Workspaces",
    since=V,
    attributes=(
        A("name", T.STRING, 128, required=True, since=V),
        A("owner_id", T.STRING, 36, required=True, since=V),
        A("organization_id", T.STRING, 36, since=V),  # null = personal workspace
        A("account_type", T.STRING, 16, required=True,
          elements=("personal", "organization"), since=V),
        A("image_file_id", T.STRING, 36, since=V),
        A("invite_code", T.STRING, 16, since=V),
        A("ui_mode", T.STRING, 16, default="ADVANCED", elements=("SIMPLE", "ADVANCED"), since=V),
        A("features", T.JSON, default={}, since=V),
        A("is_default", T.BOOLEAN, default=False, since=V),
        A("billing_scope", T.STRING, 16, default="user",
          elements=("user", "organization"), since=V),
        A("billing_account_id", T.STRING, 36, since=V),
        A("created_by", T.STRING, 36, since=V),
        A("last_modified_by", T.STRING, 36, since=V),
        # copied from organizations.deleted_at while the org awaits its purge (authz.mirrors)
        A("org_deleted_at", T.DATETIME, since=3),
    ),
    indexes=(
        Index("workspaces_invite_code", I.UNIQUE, ("invite_code",), since=V),
        Index("workspaces_org", I.KEY, ("organization_id",), since=V),
        Index("workspaces_owner", I.KEY, ("owner_id",), since=V),
    ),
)

WORKSPACE_MEMBERS = Collection(
    id="workspace_members",
    name="Workspace members",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("org_member_id", T.STRING, 36, since=V),
        A("role", T.STRING, 64, required=True, since=V),  # WS_ROLES or a custom role name
        A("custom_role_id", T.STRING, 36, since=V),
        A("status", T.STRING, 16, default="ACTIVE",
          elements=("ACTIVE", "INVITED", "INACTIVE", "DELETED"), since=V),
        A("name", T.STRING, 128, since=V),
        A("email", T.STRING, 254, since=V),
        A("deleted_at", T.DATETIME, since=V),
        A("deleted_by", T.STRING, 36, since=V),
        # the member's org membership, copied for the access loader (authz.mirrors);
        # org_role NONE = not an org member, null = not copied yet
        A("organization_id", T.STRING, 36, since=3),
        A("org_role", T.STRING, 16, elements=("OWNER", "ADMIN", "MODERATOR", "MEMBER", "NONE"),
          since=3),
        A("org_status", T.STRING, 16, since=3),
    ),
    indexes=(
        Index("ws_members_unique", I.UNIQUE, ("workspace_id", "user_id"), since=V),
        Index("ws_members_user", I.KEY, ("user_id",), since=V),
    ),
)

SPACES = Collection(
    id="spaces",
    name="Spaces",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 128, required=True, since=V),
        A("key", T.STRING, 16, required=True, since=V),
        A("description", T.STRING, 2000, since=V),
        A("color", T.STRING, 16, since=V),
        A("icon", T.STRING, 32, since=V),
        A("visibility", T.STRING, 8, default="PUBLIC", elements=("PUBLIC", "PRIVATE"), since=V),
        A("template", T.STRING, 16, default="SOFTWARE",
          elements=("SOFTWARE", "KANBAN_ONLY", "MARKETING", "OPERATIONS", "CUSTOM"), since=V),
        A("owner_id", T.STRING, 36, since=V),
        A("default_workflow_id", T.STRING, 36, since=V),
        A("workflow_inheritance", T.STRING, 8, default="SUGGEST",
          elements=("REQUIRE", "SUGGEST", "NONE"), since=V),
        A("position", T.INTEGER, default=0, since=V),
        A("archived", T.BOOLEAN, default=False, since=V),
        A("member_count", T.INTEGER, default=0, since=V),
        A("organization_id", T.STRING, 36, since=3),  # the workspace's (authz.mirrors)
    ),
    indexes=(Index("spaces_ws_key", I.UNIQUE, ("workspace_id", "key"), since=V),),
)

SPACE_MEMBERS = Collection(
    id="space_members",
    name="Space members",
    since=V,
    attributes=(
        A("space_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("member_id", T.STRING, 36, since=V),  # workspace_members $id
        A("role", T.STRING, 8, required=True, elements=("ADMIN", "MEMBER", "VIEWER"), since=V),
        A("joined_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("space_members_unique", I.UNIQUE, ("space_id", "user_id"), since=V),
        Index("space_members_user", I.KEY, ("workspace_id", "user_id"), since=V),
    ),
)

CUSTOM_ROLES = Collection(
    id="custom_roles",
    name="Workspace custom roles",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 64, required=True, since=V),
        A("description", T.STRING, 500, since=V),
        A("permissions", T.STRING, 64, array=True, default=[], since=V),
        A("color", T.STRING, 16, since=V),
        A("is_default", T.BOOLEAN, default=False, since=V),
    ),
    indexes=(Index("custom_roles_ws_name", I.UNIQUE, ("workspace_id", "name"), since=V),),
)

COLLECTIONS = (WORKSPACES, WORKSPACE_MEMBERS, SPACES, SPACE_MEMBERS, CUSTOM_ROLES)
