"""Deleting one's own account (soft delete with the personal data scrubbed).

Refused with ``LAST_OWNER_BLOCK`` (403) while the user is the only active OWNER of an
organization that is not deleted; the refusal is audited (``account_delete_attempt_blocked``).
Otherwise, in one transaction: the user row keeps its id (audit rows and history still point
at it) but becomes ``status=deleted`` with ``deleted_at``, its e-mail is replaced by a
tombstone address (so the real one can sign up again), its name and profile are cleared,
password and second factors are dropped; its organization memberships (with department links
and direct grants) are removed, its workspace memberships marked DELETED, its linked
identities, tokens, recovery codes and sessions deleted; ``account_deleted`` is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.audit import Acting, record
from webapp.identity.lifecycle import invalidate
from webapp.identity.security import verify_password
from webapp.storage.base import DocumentStore
from webapp.storage.query import Query

from .errors import FieldErrors, Refused

TOMBSTONE_DOMAIN = "deleted.keel.invalid"
DELETED_NAME = "Deleted user"


def tombstone_email(user_id: str) -> str:
    return f"deleted-{user_id}@{TOMBSTONE_DOMAIN}"


def sole_owner_org_ids(store: DocumentStore, user_id: str) -> list[str]:
    """Organizations (not deleted) in which the user is the only active OWNER."""
    owned = store.list("organization_members", [
        Query.equal("user_id", user_id), Query.equal("role", "OWNER"),
        Query.equal("status", "ACTIVE"), Query.limit(500),
    ])
    blocking = []
    for member in owned:
        org = store.find("organizations", member["organization_id"])
        if org is None or org.get("deleted_at") is not None:
            continue
        owners = store.count("organization_members", [
            Query.equal("organization_id", member["organization_id"]),
            Query.equal("role", "OWNER"), Query.equal("status", "ACTIVE"),
        ])
        if owners <= 1:
            blocking.append(str(member["organization_id"]))
    return blocking


def delete_account(
    store: DocumentStore,
    acting: Acting,
    user_id: str,
    *,
    password: str = "",
    confirm_email: str = "",
    now: datetime | None = None,
) -> None:
    """Delete the account after checking the password (or, for accounts without one, the
    typed e-mail address). Raises FieldErrors (nothing written) or Refused LAST_OWNER_BLOCK."""
    now = now or datetime.now(UTC)
    user = store.get("users", user_id)
    if user.get("password_hash"):
        if not verify_password(user["password_hash"], password or ""):
            raise FieldErrors({"password": "That isn't your password."})
    elif (confirm_email or "").strip().lower() != user["email"]:
        raise FieldErrors({"password": "Type your email address to confirm."})
    blocking = sole_owner_org_ids(store, user_id)
    if blocking:
        with store.transaction():
            for org_id in blocking:
                record(store, acting, "account_delete_attempt_blocked", "user", user_id,
                       resource_name=user.get("name"), organization_id=org_id,
                       metadata={"reason": "LAST_OWNER_BLOCK"})
        raise Refused("LAST_OWNER_BLOCK", status=403)
    memberships = list(store.list("organization_members",
                                  [Query.equal("user_id", user_id), Query.limit(500)]))
    with store.transaction():
        for member in memberships:
            for collection in ("org_member_departments", "org_member_permissions"):
                store.delete_where(collection, [Query.equal("member_id", member["$id"])])
            store.delete("organization_members", member["$id"])
            org = store.find("organizations", member["organization_id"])
            if org is not None and (org.get("member_count") or 0) > 0:
                store.increment("organizations", org["$id"], "member_count", -1)
        store.update_where("workspace_members", [Query.equal("user_id", user_id)], {
            "status": "DELETED", "deleted_at": now, "deleted_by": user_id,
        })
        for collection in ("identities", "tokens", "recovery_codes", "email_otp_codes",
                           "sessions"):
            store.delete_where(collection, [Query.equal("user_id", user_id)])
        store.update("users", user_id, {
            "status": "deleted",
            "deleted_at": now,
            "email": tombstone_email(user_id),
            "name": DELETED_NAME,
            "password_hash": None,
            "pending_email": None,
            "two_factor_enabled": False,
            "two_factor_method": None,
            "totp_secret": None,
            "avatar_file_id": None,
            "phone": None,
            "linkedin_url": None,
            "portfolio_url": None,
            "working_domain": None,
            "job_role": None,
            "designation": None,
            "tools": None,
        })
        record(store, acting, "account_deleted", "user", user_id,
               resource_name=user.get("name"),
               metadata={"organization_ids": [m["organization_id"] for m in memberships]})
    invalidate(user_id)
