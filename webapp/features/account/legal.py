"""The legal gate: Terms of Service + Data Processing Agreement, current version "v1".

A user accepts for themself (``users.accepted_terms_version`` … and an entry appended to
``users.legal_history``). In an organization that has not accepted the current version,
its OWNERs and ADMINs accept *for the organization* too (``organizations.legal_version``,
``legal_accepted_at``, ``legal_accepted_by``); every other member is held on the legal
screen until one of them does. Accepting for an organization invalidates the lifecycle
cache of all its members, so they are let through on their next request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.identity.lifecycle import (
    LEGAL_VERSION,
    invalidate,
    invalidate_many,
    primary_membership,
)
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .errors import FieldErrors

MANAGING_ROLES = ("OWNER", "ADMIN")


@dataclass(frozen=True)
class LegalStatus:
    must_accept: bool  # the user's own acceptance is due
    org_must_accept: bool  # the user's organization has not accepted the current version
    can_accept_for_org: bool  # the user is an OWNER/ADMIN of that organization
    organization: Document | None

    @property
    def held(self) -> bool:
        """Waiting for the organization's management (nothing the user can do)."""
        return self.org_must_accept and not self.can_accept_for_org and not self.must_accept


def _org_membership(store: DocumentStore, user: Mapping[str, Any]) -> tuple[Document | None,
                                                                             Document | None]:
    if user.get("account_type") != "ORG":
        return None, None
    return primary_membership(store, dict(user))


def legal_status(store: DocumentStore, user: Mapping[str, Any]) -> LegalStatus:
    member, org = _org_membership(store, user)
    org_due = org is not None and org.get("legal_version") != LEGAL_VERSION
    manages = member is not None and member["role"] in MANAGING_ROLES
    return LegalStatus(
        must_accept=user.get("accepted_terms_version") != LEGAL_VERSION
        or user.get("accepted_dpa_version") != LEGAL_VERSION
        or (org_due and manages),
        org_must_accept=org_due,
        can_accept_for_org=org_due and manages,
        organization=org,
    )


def org_member_user_ids(store: DocumentStore, org_id: str) -> list[str]:
    rows = store.list("organization_members",
                      [Query.equal("organization_id", org_id), Query.limit(5000)])
    return [str(r["user_id"]) for r in rows]


def record_org_acceptance(store: DocumentStore, acting: Acting, org: Document,
                          *, now: datetime) -> Document:
    """Mark the organization as having accepted the current version (inside a transaction)."""
    updated = store.update("organizations", org["$id"], {
        "legal_version": LEGAL_VERSION,
        "legal_accepted_at": now,
        "legal_accepted_by": acting.user_id,
    })
    record(store, acting, "user_accepted_legal", "organization", org["$id"],
           resource_name=org.get("name"), organization_id=org["$id"],
           changes={"legal_version": [org.get("legal_version"), LEGAL_VERSION]},
           metadata={"scope": "organization", "version": LEGAL_VERSION})
    return updated


def accept_legal(
    store: DocumentStore,
    acting: Acting,
    user_id: str,
    *,
    accept_terms: bool,
    accept_dpa: bool,
    apply_to_org: bool = False,
    now: datetime | None = None,
) -> LegalStatus:
    """Accept the current Terms + DPA; OWNER/ADMIN of an organization that has not accepted
    must also accept for it (``apply_to_org``). Raises FieldErrors and writes nothing."""
    now = now or datetime.now(UTC)
    user = store.get("users", user_id)
    status = legal_status(store, user)
    errors: dict[str, str] = {}
    if not accept_terms:
        errors["accept_terms"] = "Accept the Terms of Service to continue."
    if not accept_dpa:
        errors["accept_dpa"] = "Accept the Data Processing Agreement to continue."
    if status.can_accept_for_org and not apply_to_org:
        errors["apply_to_org"] = "As an owner or admin, accept on behalf of your organization."
    if errors:
        raise FieldErrors(errors)
    org = status.organization
    for_org = bool(status.can_accept_for_org and org is not None)
    entry = {"version": LEGAL_VERSION, "accepted_at": now.isoformat(), "terms": True,
             "dpa": True, "organization_id": org["$id"] if for_org and org else None}
    with store.transaction():
        store.update("users", user_id, {
            "accepted_terms_version": LEGAL_VERSION,
            "accepted_terms_at": now,
            "accepted_dpa_version": LEGAL_VERSION,
            "accepted_dpa_at": now,
            "legal_history": [*list(user.get("legal_history") or []), entry],
        })
        record(store, acting, "user_accepted_legal", "user", user_id,
               resource_name=user.get("name"),
               organization_id=org["$id"] if org else None,
               changes={"accepted_terms_version": [user.get("accepted_terms_version"),
                                                   LEGAL_VERSION]},
               metadata={"scope": "user", "apply_to_org": for_org, "version": LEGAL_VERSION})
        if for_org and org is not None:
            record_org_acceptance(store, acting, org, now=now)
    if for_org and org is not None:
        invalidate_many(org_member_user_ids(store, org["$id"]))
    else:
        invalidate(user_id)
    return legal_status(store, store.get("users", user_id))
