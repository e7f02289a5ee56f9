"""Admin-created accounts: adding a person by e-mail, the first-login magic link, and the
forced password choice that activates the membership (SYSTEM.md section 2.3).

* ``add_member_account`` re-uses an existing account, or creates one with a random
  password nobody sees (e-mail verified, ``must_reset_password``, ORG account, primary
  organization). The membership starts INVITED. The caller queues the welcome e-mail
  (``jobs.orgs.send_welcome_email(member_id)``); the job mints the 24-hour single-use
  FIRST_LOGIN token, so no secret travels through Redis.
* ``complete_first_login`` consumes the token. An account created by an admin is then
  signed in and must choose a password (``set_initial_password``) before anything else;
  an existing account only activates its invitation and signs in the ordinary way (a link
  in an e-mail never bypasses someone's password or second factor).
* Activation applies to every INVITED membership of the account: each was an invitation
  the owner of the address accepts by proving they read its mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from webapp.audit import Acting, record
from webapp.authz.invariants import check_role_assignment
from webapp.authz.mirrors import sync_org_member
from webapp.authz.roles import OrgMemberStatus
from webapp.identity.errors import TokenInvalid
from webapp.identity.security import hash_password, password_problem
from webapp.identity.service import normalize_email
from webapp.identity.tokens import consume_token, retire_tokens
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .errors import FieldErrors, Refused
from .members import actor_role, get_member, parse_role
from .service import MAX_MEMBERSHIPS, get_membership, invalidate_users, utcnow

FIRST_LOGIN = "first_login"
FIRST_LOGIN_TTL = timedelta(hours=24)
NAME_MAX = 128


@dataclass(frozen=True)
class Added:
    member: Document
    user: Document
    created_account: bool


@dataclass(frozen=True)
class FirstLogin:
    user: Document
    needs_password: bool
    activated: list[Document]


def clean_person(name: str | None, email: str | None, role: str | None) -> tuple[str, str, str]:
    """Validated (name, e-mail, stored role); raises FieldErrors for every bad field."""
    errors: dict[str, str] = {}
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors["name"] = "Enter the person's name."
    elif len(clean_name) > NAME_MAX:
        errors["name"] = f"Use at most {NAME_MAX} characters."
    address = ""
    try:
        address = normalize_email(email or "")
    except FieldErrors as exc:
        errors.update(exc.errors)
    stored = ""
    try:
        stored = parse_role(role).stored
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    return clean_name, address, stored


def add_member_account(
    store: DocumentStore, acting: Acting, org_id: str, *, name: str, email: str, role: str
) -> Added:
    """Add a person to the org as an INVITED member, creating their account if needed.

    Raises FieldErrors (name, email, role), Refused(ROLE_ESCALATION) for a role above the
    actor's, and FieldErrors on ``email`` when the person already belongs to the org.
    """
    clean_name, address, stored = clean_person(name, email, role)
    actor = actor_role(store, org_id, acting)
    new_role = parse_role(stored)
    if check_role_assignment(actor, None, new_role):
        raise Refused("ROLE_ESCALATION", "You cannot add a member with a role above your own.",
                      status=403)
    org = store.get("organizations", org_id)
    if org.get("deleted_at"):
        raise Refused("DELETED")
    now = utcnow()
    with store.transaction():
        user = store.first("users", [Query.equal("email", address)])
        created = user is None
        if user is None:
            user = store.create("users", {
                "name": clean_name,
                "email": address,
                "password_hash": hash_password(secrets.token_urlsafe(32)),
                "email_verified_at": now,
                "password_changed_at": now,
                "must_reset_password": True,
                "account_type": "ORG",
                "primary_organization_id": org_id,
            })
        else:
            if get_membership(store, org_id, user["$id"]) is not None:
                raise FieldErrors({"email": "This person is already a member."})
            changes = {}
            if not user.get("account_type"):
                changes["account_type"] = "ORG"
            if not user.get("primary_organization_id") and user.get("account_type") != "PERSONAL":
                changes["primary_organization_id"] = org_id
            if changes:
                user = store.update("users", user["$id"], changes)
        try:
            member = store.create("organization_members", {
                "organization_id": org_id,
                "user_id": user["$id"],
                "role": stored,
                "status": OrgMemberStatus.INVITED.value,
                "must_reset_password": bool(created),
                "name": user.get("name") or clean_name,
                "email": address,
                "invited_at": now,
                "invited_by": acting.user_id,
                "department_ids": [], "org_keys": [],  # access copies (authz.mirrors)
            })
        except Conflict:
            raise FieldErrors({"email": "This person is already a member."}) from None
        if not created:  # an existing account may keep rows in the org's workspaces
            sync_org_member(store, org_id, user["$id"])
        store.increment("organizations", org_id, "member_count", 1)
        record(store, acting, "member_added", "organization_member", member["$id"],
               resource_name=member["name"], organization_id=org_id,
               changes={"role": [None, stored], "status": [None, member["status"]]},
               metadata={"user_id": user["$id"], "email": address,
                         "created_account": created})
    invalidate_users([user["$id"]])
    return Added(member, user, created)


def resend_welcome(store: DocumentStore, acting: Acting, org_id: str, member_id: str) -> Document:
    """Record a welcome resend (OWNER/ADMIN only, INVITED members only); the caller queues it."""
    member = get_member(store, org_id, member_id)
    actor = actor_role(store, org_id, acting)
    if actor.stored not in ("OWNER", "ADMIN"):
        raise Refused("OWNER_ONLY", "Only owners and admins can resend a welcome e-mail.",
                      status=403)
    if member.get("status") != OrgMemberStatus.INVITED.value:
        raise Refused("NOT_INVITED")
    record(store, acting, "welcome_resent", "organization_member", member_id,
           resource_name=member.get("name"), organization_id=org_id,
           metadata={"user_id": member["user_id"]})
    return member


def issue_first_login(store: DocumentStore, member: Document) -> str:
    """A fresh first-login token for the member's account (older ones stop working).

    Called by the welcome mail job; returns the raw token for the link.
    """
    from webapp.identity.tokens import issue_token

    with store.transaction():
        retire_tokens(store, member["user_id"], FIRST_LOGIN)
        raw = issue_token(store, member["user_id"], FIRST_LOGIN, ttl=FIRST_LOGIN_TTL)
        record(store, Acting.system(), "first_login_token_created", "user", member["user_id"],
               resource_name=member.get("name"), organization_id=member["organization_id"],
               metadata={"member_id": member["$id"],
                         "expires_in_hours": int(FIRST_LOGIN_TTL.total_seconds() // 3600)})
    return raw


def _invited(store: DocumentStore, user_id: str) -> list[Document]:
    return store.list("organization_members", [
        Query.equal("user_id", user_id), Query.equal("status", OrgMemberStatus.INVITED.value),
        Query.limit(MAX_MEMBERSHIPS),
    ]).documents


def _activate(store: DocumentStore, acting: Acting, user_id: str) -> list[Document]:
    now = utcnow()
    activated = []
    for member in _invited(store, user_id):
        updated = store.update("organization_members", member["$id"], {
            "status": OrgMemberStatus.ACTIVE.value, "must_reset_password": False,
            "joined_at": now,
        })
        sync_org_member(store, member["organization_id"], user_id)
        record(store, acting, "member_activated", "organization_member", member["$id"],
               resource_name=member.get("name"), organization_id=member["organization_id"],
               changes={"status": [member["status"], updated["status"]]},
               metadata={"user_id": user_id})
        activated.append(updated)
    return activated


def complete_first_login(store: DocumentStore, raw_token: str, *, ip: str | None = None
                         ) -> FirstLogin:
    """Use a first-login link once; raises TokenInvalid, TokenExpired or TokenUsed."""
    with store.transaction():
        token = consume_token(store, raw_token, FIRST_LOGIN)
        user = store.find("users", token["user_id"])
        if user is None or user.get("status") != "active":
            raise TokenInvalid()
        acting = Acting.of(user, ip)
        invited = _invited(store, user["$id"])
        record(store, acting, "first_login_token_used", "user", user["$id"],
               resource_name=user.get("name"),
               organization_id=invited[0]["organization_id"] if invited else None)
        needs_password = bool(user.get("must_reset_password"))
        activated = [] if needs_password else _activate(store, acting, user["$id"])
    invalidate_users([user["$id"]])
    return FirstLogin(user, needs_password, activated)


def set_initial_password(
    store: DocumentStore, acting: Acting, user_id: str, password: str
) -> list[Document]:
    """Choose the first password of an admin-created account and activate its invitations.

    Raises FieldErrors on ``password`` and Refused(NOT_INVITED) when the account already
    chose one. Returns the memberships activated.
    """
    user = store.get("users", user_id)
    if not user.get("must_reset_password"):
        raise Refused("NOT_INVITED", "Your password is already set.")
    problem = password_problem(password or "", user["email"])
    if problem:
        raise FieldErrors({"password": problem})
    now = utcnow()
    with store.transaction():
        store.update("users", user_id, {
            "password_hash": hash_password(password), "password_changed_at": now,
            "must_reset_password": False,
        })
        store.update_where("organization_members", [Query.equal("user_id", user_id)],
                           {"must_reset_password": False})
        retire_tokens(store, user_id, FIRST_LOGIN, now=now)
        activated = _activate(store, acting, user_id)
    invalidate_users([user_id])
    return activated
