"""The identity lifecycle: one resolver turns the signed-in user into one of 16 states.

``resolve(store, user)`` applies the documented order (first match wins):

1. no user → UNAUTHENTICATED
2. ``users.status == "deleted"`` or ``deleted_at`` set → DELETED
3. ``users.must_reset_password`` → MUST_RESET_PASSWORD
4. address not verified → EMAIL_UNVERIFIED
5. no ``users.account_type`` → ACCOUNT_TYPE_PENDING
6. lookups: the user's organization membership (ORG only; the primary organization's, else
   the first; memberships of soft-deleted organizations do not count), the first active
   workspace membership, the organization document, the billing account status.
7. legal: ``must_accept_legal`` when the user has not accepted the current Terms ("v1");
   for ORG users whose organization has not accepted them, OWNER/ADMIN must accept for the
   organization (``must_accept_legal``) and every other role is ``legal_blocked``.
8. billing account SUSPENDED → SUSPENDED
9. PERSONAL: no workspace → PERSONAL_ONBOARDING, else PERSONAL_ACTIVE
10. ORG: no membership → ORG_OWNER_ONBOARDING; membership INVITED → ORG_MEMBER_PENDING;
    OWNER → ORG_OWNER_NO_WORKSPACE/ACTIVE; ADMIN or MODERATOR → ORG_ADMIN_*; MEMBER → ORG_MEMBER_*.

The billing account status is read through ``billing_status_provider`` (billing accounts
arrive with the billing issue, which registers its own with ``set_billing_status_provider``;
until then every account is "ACTIVE").

Resolutions are cached in Redis per user (``CACHE_TTL`` seconds) and checked against the
user document's ``$updatedAt``, so changes to the user itself (verification, legal
acceptance, account type, forced reset) are seen at once. Changes elsewhere (memberships,
organizations, workspaces) must call ``invalidate(user_id)`` / ``invalidate_many(ids)`` after
their transaction. Plain functions: no Flask here (see ``lifecycle_routes`` for the guard).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .lifecycle_table import (
    ROUTES,
    LifecycleState,
    PathGroup,
    Route,
    is_active_state,
    is_restricted_org_member,
    requires_onboarding,
)

__all__ = [
    "CACHE_TTL",
    "LEGAL_VERSION",
    "LifecycleInvariantError",
    "LifecycleState",
    "PathGroup",
    "Resolution",
    "check_invariants",
    "compute",
    "invalidate",
    "invalidate_many",
    "is_active_state",
    "is_restricted_org_member",
    "primary_membership",
    "requires_onboarding",
    "resolve",
    "set_billing_status_provider",
]

log = logging.getLogger(__name__)

LEGAL_VERSION = "v1"
CACHE_TTL = 30
CACHE_PREFIX = "keel:lifecycle:"
ONBOARDING_WORKSPACE_STEP = "workspace"  # users.onboarding_step while the org owner decides
S = LifecycleState

BillingStatusProvider = Callable[[DocumentStore, Document, "Document | None"], str]


def _always_active(store: DocumentStore, user: Document, org: Document | None) -> str:
    return "ACTIVE"


_billing_status: list[BillingStatusProvider] = [_always_active]


def set_billing_status_provider(provider: BillingStatusProvider | None) -> None:
    """Install how the billing account status is read: ``provider(store, user, org)``
    returns "ACTIVE", "SUSPENDED", … (the org's account for ORG users, the user's own
    otherwise). ``None`` restores the default (always "ACTIVE")."""
    _billing_status[0] = provider or _always_active


def billing_account_status(store: DocumentStore, user: Document, org: Document | None) -> str:
    try:
        return str(_billing_status[0](store, user, org) or "ACTIVE").upper()
    except Exception:  # a billing outage must not lock everyone out
        log.exception("billing status lookup failed for user %s", user.get("$id"))
        return "ACTIVE"


class LifecycleInvariantError(AssertionError):
    """A resolution that contradicts the facts it was computed from."""


@dataclass(frozen=True)
class Resolution:
    state: LifecycleState
    user_id: str | None = None
    account_type: str | None = None
    organization_id: str | None = None
    org_role: str | None = None
    org_member_status: str | None = None
    workspace_id: str | None = None  # the first workspace the user is an active member of
    must_accept_legal: bool = False
    legal_blocked: bool = False
    onboarding_in_progress: bool = False
    billing_status: str = "ACTIVE"
    user_updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_workspace(self) -> bool:
        return self.workspace_id is not None

    @property
    def route(self) -> Route:
        route = ROUTES[self.state]
        if self.state is S.ORG_OWNER_NO_WORKSPACE and self.onboarding_in_progress:
            # the owner has not yet created or skipped the first workspace
            return Route(route.label, PathGroup.ONBOARDING,
                         route.allowed | {PathGroup.ONBOARDING},
                         route.blocked - {PathGroup.ONBOARDING})
        return route

    @property
    def redirect_to(self) -> PathGroup | None:
        return self.route.redirect_to

    @property
    def allowed(self) -> frozenset[PathGroup]:
        return self.route.allowed

    @property
    def blocked(self) -> frozenset[PathGroup]:
        return self.route.blocked

    @property
    def label(self) -> str:
        return self.route.label

    @property
    def needs_legal(self) -> bool:
        """The legal screen replaces the app (acceptance due, or held until the org accepts)."""
        return self.must_accept_legal or self.legal_blocked

    def reaches(self, group: PathGroup) -> bool:
        return self.route.reaches(group)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(raw: str | bytes) -> Resolution:
        data = json.loads(raw)
        data["state"] = LifecycleState(data["state"])
        return Resolution(**data)


# -- the resolver -------------------------------------------------------------------------
def _stamp(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return None if value is None else str(value)


def primary_membership(
    store: DocumentStore, user: Document
) -> tuple[Document | None, Document | None]:
    """The user's organization membership (primary org first) and that organization."""
    rows = store.list(
        "organization_members", [Query.equal("user_id", user["$id"]), Query.limit(25)]
    ).documents
    if not rows:
        return None, None
    primary = user.get("primary_organization_id")
    rows = sorted(rows, key=lambda m: (m["organization_id"] != primary, m["status"] != "ACTIVE"))
    orgs = store.get_many("organizations", [m["organization_id"] for m in rows])
    for member in rows:
        org = orgs.get(member["organization_id"])
        if org is not None and org.get("deleted_at") is None:
            return member, org
    return None, None


def _first_workspace(store: DocumentStore, user_id: str) -> str | None:
    row = store.first(
        "workspace_members",
        [Query.equal("user_id", user_id), Query.equal("status", "ACTIVE"),
         Query.order_asc("$createdAt")],
    )
    return None if row is None else str(row["workspace_id"])


def compute(store: DocumentStore, user: Mapping[str, Any] | None) -> Resolution:
    """Resolve without the cache (see the module docstring for the order)."""
    if user is None:
        return Resolution(S.UNAUTHENTICATED)
    base: dict[str, Any] = {
        "user_id": str(user["$id"]),
        "account_type": user.get("account_type"),
        "user_updated_at": _stamp(user.get("$updatedAt")),
    }
    if user.get("status") == "deleted" or user.get("deleted_at") is not None:
        return Resolution(S.DELETED, **base)
    if user.get("must_reset_password"):
        return Resolution(S.MUST_RESET_PASSWORD, **base)
    if user.get("email_verified_at") is None:
        return Resolution(S.EMAIL_UNVERIFIED, **base)
    account_type = user.get("account_type")
    if not account_type:
        return Resolution(S.ACCOUNT_TYPE_PENDING, **base)

    doc: Document = dict(user)
    member, org = primary_membership(store, doc) if account_type == "ORG" else (None, None)
    workspace_id = _first_workspace(store, base["user_id"])
    status = billing_account_status(store, doc, org)
    must_accept = user.get("accepted_terms_version") != LEGAL_VERSION or (
        user.get("accepted_dpa_version") != LEGAL_VERSION
    )
    legal_blocked = False
    if member is not None and org is not None and org.get("legal_version") != LEGAL_VERSION:
        if member["role"] in ("OWNER", "ADMIN"):
            must_accept = True
        else:
            legal_blocked = True
    facts = {
        **base,
        "organization_id": org["$id"] if org else None,
        "org_role": member["role"] if member else None,
        "org_member_status": member["status"] if member else None,
        "workspace_id": workspace_id,
        "must_accept_legal": must_accept,
        "legal_blocked": legal_blocked,
        "billing_status": status,
    }
    if status == "SUSPENDED":
        return Resolution(S.SUSPENDED, **facts)
    has_ws = workspace_id is not None
    if account_type == "PERSONAL":
        return Resolution(S.PERSONAL_ACTIVE if has_ws else S.PERSONAL_ONBOARDING, **facts)
    if member is None:
        return Resolution(S.ORG_OWNER_ONBOARDING, **facts)
    if member["status"] == "INVITED":
        return Resolution(S.ORG_MEMBER_PENDING, **facts)
    role = member["role"]
    if role == "OWNER":
        state = S.ORG_OWNER_ACTIVE if has_ws else S.ORG_OWNER_NO_WORKSPACE
        in_onboarding = not has_ws and user.get("onboarding_step") == ONBOARDING_WORKSPACE_STEP
        return Resolution(state, onboarding_in_progress=in_onboarding, **facts)
    if role in ("ADMIN", "MODERATOR"):
        return Resolution(S.ORG_ADMIN_ACTIVE if has_ws else S.ORG_ADMIN_NO_WORKSPACE, **facts)
    return Resolution(S.ORG_MEMBER_ACTIVE if has_ws else S.ORG_MEMBER_NO_WORKSPACE, **facts)


_PERSONAL = {S.PERSONAL_ONBOARDING, S.PERSONAL_ACTIVE}
_ORG = {
    S.ORG_OWNER_ONBOARDING, S.ORG_OWNER_NO_WORKSPACE, S.ORG_OWNER_ACTIVE,
    S.ORG_ADMIN_NO_WORKSPACE, S.ORG_ADMIN_ACTIVE, S.ORG_MEMBER_PENDING,
    S.ORG_MEMBER_NO_WORKSPACE, S.ORG_MEMBER_ACTIVE,
}
_NO_WORKSPACE = {S.ORG_OWNER_NO_WORKSPACE, S.ORG_ADMIN_NO_WORKSPACE, S.ORG_MEMBER_NO_WORKSPACE,
                 S.PERSONAL_ONBOARDING}
_ORG_WITH_ORG = _ORG - {S.ORG_OWNER_ONBOARDING}


def check_invariants(r: Resolution) -> None:
    """Raise LifecycleInvariantError when ``r`` contradicts its own facts."""
    problems = []
    if r.state in _PERSONAL and r.account_type != "PERSONAL":
        problems.append("PERSONAL_* needs account type PERSONAL")
    if r.state in _ORG and r.account_type != "ORG":
        problems.append("ORG_* needs account type ORG")
    if is_active_state(r.state) and not r.has_workspace:
        problems.append("*_ACTIVE needs a workspace")
    if r.state in _NO_WORKSPACE and r.has_workspace:
        problems.append("*_NO_WORKSPACE/onboarding needs no workspace")
    if r.state.name.startswith("ORG_OWNER_") and r.state is not S.ORG_OWNER_ONBOARDING and (
        r.org_role != "OWNER"
    ):
        problems.append("ORG_OWNER_* needs the OWNER role")
    if r.state in _ORG_WITH_ORG and not r.organization_id:
        problems.append("organization states need an organization")
    if problems:
        raise LifecycleInvariantError(f"{r.state}: " + "; ".join(problems))


# -- cache --------------------------------------------------------------------------------
def _key(user_id: str) -> str:
    return f"{CACHE_PREFIX}{user_id}"


def resolve(
    store: DocumentStore, user: Mapping[str, Any] | None, *, redis: Redis | None = None
) -> Resolution:
    """The user's lifecycle resolution, from the Redis cache when it is still current."""
    if user is None or redis is None:
        result = compute(store, user)
        check_invariants(result)
        return result
    key = _key(str(user["$id"]))
    stamp = _stamp(user.get("$updatedAt"))
    try:
        raw = redis.get(key)
        if raw:
            cached = Resolution.from_json(raw)
            if cached.user_updated_at == stamp:
                return cached
    except (RedisError, ValueError, TypeError, KeyError):
        log.warning("lifecycle cache unreadable for user %s", user["$id"], exc_info=True)
    result = compute(store, user)
    check_invariants(result)
    try:
        redis.set(key, result.to_json(), ex=CACHE_TTL)
    except RedisError:
        log.warning("lifecycle cache unavailable", exc_info=True)
    return result


def _redis_for_invalidation(redis: Redis | None) -> Redis | None:
    if redis is not None:
        return redis
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return current_app.extensions["keel.runtime"].redis  # type: ignore[no-any-return]
    except (ImportError, KeyError):
        pass
    from jobs.context import _bound

    bound = _bound.get()
    return bound.redis if bound is not None else None


def invalidate(user_id: str | None, *, redis: Redis | None = None) -> None:
    """Forget the cached resolution of ``user_id`` (call after the change is committed).

    Without ``redis`` it uses the running app's (or the inline job's) Redis; elsewhere the
    cache entry simply expires (``CACHE_TTL``)."""
    if user_id:
        invalidate_many([user_id], redis=redis)


def invalidate_many(user_ids: Iterable[str | None], *, redis: Redis | None = None) -> None:
    keys = [_key(str(uid)) for uid in user_ids if uid]
    conn = _redis_for_invalidation(redis)
    if not keys or conn is None:
        return
    try:
        for start in range(0, len(keys), 500):
            conn.delete(*keys[start:start + 500])
    except RedisError:
        log.warning("could not invalidate %d lifecycle entries", len(keys), exc_info=True)
