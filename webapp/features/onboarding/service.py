"""Onboarding: account type → (organization details) → first workspace or skip.

Each step is allowed only in the lifecycle state it belongs to, so a step that is saved
cannot be taken again (the account type, once chosen, is locked):

    choose_account_type     ACCOUNT_TYPE_PENDING → PERSONAL_ONBOARDING | ORG_OWNER_ONBOARDING
    create_org              ORG_OWNER_ONBOARDING → ORG_OWNER_NO_WORKSPACE (onboarding step
                            "workspace": the owner is still sent to /onboarding)
    create_first_workspace  PERSONAL_ONBOARDING → PERSONAL_ACTIVE,
                            ORG_OWNER_NO_WORKSPACE → ORG_OWNER_ACTIVE
    skip_workspace          ORG_OWNER_NO_WORKSPACE (onboarding) → ORG_OWNER_NO_WORKSPACE (/welcome)

``users.onboarding_step`` records where the user is: "organization" (org details due),
"workspace" (org created, the first workspace not yet created or skipped), "done".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.features.account.errors import FieldErrors, Refused
from webapp.features.account.legal import record_org_acceptance
from webapp.features.orgs.service import clean_name, clean_size, create_organization
from webapp.features.workspaces.errors import Refused as WorkspaceRefused
from webapp.features.workspaces.service import create_workspace
from webapp.identity.lifecycle import (
    ONBOARDING_WORKSPACE_STEP,
    LifecycleState,
    Resolution,
    compute,
    invalidate,
)
from webapp.storage.base import Document, DocumentStore

S = LifecycleState
ACCOUNT_TYPES = ("PERSONAL", "ORG")
ORG_SIZES = ("1-10", "11-50", "51-200", "201-500", "500+")
DONE = "done"


def state_of(store: DocumentStore, user_id: str) -> tuple[Document, Resolution]:
    user = store.get("users", user_id)
    return user, compute(store, user)


def choose_account_type(store: DocumentStore, acting: Acting, user_id: str,
                        account_type: str) -> Document:
    """Step 1: PERSONAL or ORG. Locked once saved."""
    user, resolution = state_of(store, user_id)
    if resolution.state is not S.ACCOUNT_TYPE_PENDING:
        raise Refused("STEP_LOCKED")
    if account_type not in ACCOUNT_TYPES:
        raise FieldErrors({"account_type": "Choose Personal or Organization."})
    step = "organization" if account_type == "ORG" else "workspace"
    with store.transaction():
        updated = store.update("users", user_id,
                               {"account_type": account_type, "onboarding_step": step})
        record(store, acting, "account_type_chosen", "user", user_id,
               resource_name=user.get("name"),
               changes={"account_type": [None, account_type]})
    invalidate(user_id)
    return updated


def create_org(
    store: DocumentStore,
    acting: Acting,
    user_id: str,
    *,
    name: str,
    size: str | None,
    accept_legal: bool,
    logo_file_id: str | None = None,
) -> Document:
    """Step 2 (organization): create it with the user as OWNER and accept the Terms + DPA
    on its behalf. Raises FieldErrors (nothing written) or Refused STEP_LOCKED."""
    _user, resolution = state_of(store, user_id)
    if resolution.state is not S.ORG_OWNER_ONBOARDING:
        raise Refused("STEP_LOCKED")
    errors: dict[str, str] = {}
    for cleaner, value in ((clean_name, name), (clean_size, size or None)):
        try:
            cleaner(value)
        except FieldErrors as exc:
            errors.update(exc.errors)
    if not accept_legal:
        errors["accept_legal"] = ("Accept the Terms of Service and the Data Processing "
                                  "Agreement on behalf of the organization.")
    if errors:
        raise FieldErrors(errors)
    with store.transaction():
        org = create_organization(store, acting, owner_id=user_id, name=name, size=size or None,
                                  logo_file_id=logo_file_id)
        org = record_org_acceptance(store, acting, org, now=datetime.now(UTC))
        store.update("users", user_id, {"onboarding_step": ONBOARDING_WORKSPACE_STEP,
                                        "primary_organization_id": org["$id"]})
    invalidate(user_id)
    return org


def _may_create_first_workspace(resolution: Resolution) -> bool:
    return resolution.state in (S.PERSONAL_ONBOARDING, S.ORG_OWNER_NO_WORKSPACE)


def create_first_workspace(store: DocumentStore, acting: Acting, user_id: str,
                           name: str) -> Document:
    """The first workspace (personal, or in the owner's organization).

    A personal account that already has its workspace gets the workspaces' own refusal
    (``PERSONAL_LIMIT``: "Personal accounts can only have one workspace. Upgrade to
    Organization to create more.")."""
    _user, resolution = state_of(store, user_id)
    if resolution.state is S.PERSONAL_ACTIVE:
        # the workspaces service refuses a second personal workspace with its upgrade message
        try:
            return create_workspace(store, acting, owner_id=user_id, name=name)
        except WorkspaceRefused as exc:
            raise Refused(exc.code, exc.message, status=exc.status) from None
    if not _may_create_first_workspace(resolution):
        raise Refused("NOT_IN_ONBOARDING")
    org_id = resolution.organization_id if resolution.state is S.ORG_OWNER_NO_WORKSPACE else None
    with store.transaction():
        try:
            workspace = create_workspace(store, acting, owner_id=user_id, name=name,
                                         organization_id=org_id)
        except WorkspaceRefused as exc:
            raise Refused(exc.code, exc.message, status=exc.status) from None
        store.update("users", user_id, {"onboarding_step": DONE,
                                        "default_workspace_id": workspace["$id"]})
    invalidate(user_id)
    return workspace


def skip_workspace(store: DocumentStore, acting: Acting, user_id: str) -> Document:
    """Organization owners may finish onboarding without a workspace (→ /welcome)."""
    _user, resolution = state_of(store, user_id)
    if resolution.state is not S.ORG_OWNER_NO_WORKSPACE or not resolution.onboarding_in_progress:
        raise Refused("STEP_LOCKED")
    updated = store.update("users", user_id, {"onboarding_step": DONE})
    invalidate(user_id)
    return updated


def step_of(resolution: Resolution) -> str | None:
    """The onboarding step to show: "account_type", "workspace", "organization",
    "org_workspace", or None when onboarding is over."""
    steps: dict[Any, str] = {
        S.ACCOUNT_TYPE_PENDING: "account_type",
        S.PERSONAL_ONBOARDING: "workspace",
        S.ORG_OWNER_ONBOARDING: "organization",
    }
    if resolution.state is S.ORG_OWNER_NO_WORKSPACE and resolution.onboarding_in_progress:
        return "org_workspace"
    return steps.get(resolution.state)
