"""The current user, organizations, workspaces, spaces and members (read)."""

from __future__ import annotations

from typing import Any

from flask import g

from webapp.api import schemas as s
from webapp.api.base import api, store
from webapp.api.router import ok
from webapp.authz.guards import login_required, org_required, space_required, workspace_required
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.orgs import service as orgs
from webapp.features.spaces import service as spaces
from webapp.features.workspaces import service as workspaces
from webapp.features.workspaces.members import list_members
from webapp.features.workspaces.web import allowed


@api.operation("GET", "/me", guard=login_required, scope="read", response=s.Me,
               summary="The current user", tag="Account")
def me() -> Any:
    """The user the token (or session) acts for, and the token itself."""
    token = g.get("api_token")
    info = s.of(s.TokenInfo, token) if token else None
    return ok(s.of(s.Me, g.user, token=info))


@api.operation("GET", "/organizations", guard=login_required, scope="read",
               response=s.OrganizationList, summary="List my organizations", tag="Organizations")
def list_organizations() -> Any:
    """Organizations the user belongs to, by name (soft-deleted ones left out)."""
    rows = orgs.list_user_organizations(store(), g.user["$id"])
    return ok(s.OrganizationList(data=[s.of(s.Organization, o) for o in rows]))


@api.operation("GET", "/organizations/<org_id>", guard=org_required(), scope="read",
               response=s.Organization, summary="Get an organization", tag="Organizations")
def get_organization(org_id: str) -> Any:
    """An organization the user is an active member of."""
    return ok(s.of(s.Organization, g.org))


@api.operation("GET", "/workspaces", guard=login_required, scope="read",
               response=s.WorkspaceList, summary="List my workspaces", tag="Workspaces")
def list_workspaces() -> Any:
    """Workspaces the user can open (active memberships and, for org owners, every
    workspace of their organizations)."""
    rows = workspaces.list_user_workspaces(store(), g.user["$id"])
    return ok(s.WorkspaceList(data=[s.of(s.Workspace, w) for w in rows]))


@api.operation("GET", "/workspaces/<workspace_id>", guard=workspace_required(), scope="read",
               response=s.Workspace, summary="Get a workspace", tag="Workspaces")
def get_workspace(workspace_id: str) -> Any:
    """A workspace the user may view."""
    return ok(s.of(s.Workspace, g.workspace))


@api.operation("GET", "/workspaces/<workspace_id>/members", guard=workspace_required(),
               scope="read", response=s.MemberList, summary="List workspace members",
               tag="Workspaces")
def list_workspace_members(workspace_id: str) -> Any:
    """Active members of the workspace, by name."""
    rows = list_members(store(), workspace_id)
    return ok(s.MemberList(data=[s.of(s.Member, m) for m in rows]))


@api.operation("GET", "/workspaces/<workspace_id>/spaces", guard=workspace_required(),
               scope="read", response=s.SpaceList, summary="List spaces", tag="Spaces")
def list_spaces(workspace_id: str) -> Any:
    """Spaces of the workspace the user may see (private ones need membership, or the
    workspace's settings permission)."""
    rows = spaces.list_spaces(store(), workspace_id, g.user["$id"],
                              sees_private=allowed(WP.MANAGE_SETTINGS))
    return ok(s.SpaceList(data=[s.of(s.Space, x) for x in rows]))


@api.operation("GET", "/workspaces/<workspace_id>/spaces/<space_id>", guard=space_required(),
               scope="read", response=s.Space, summary="Get a space", tag="Spaces")
def get_space(workspace_id: str, space_id: str) -> Any:
    """A space the user may view."""
    return ok(s.of(s.Space, g.space))
