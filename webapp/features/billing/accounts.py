"""Billing accounts: one per personal user, one per organization.

``ensure_account`` is get-or-create (the unique ``owner_key`` index makes a race harmless)
and opens the zero-balance wallet with it. A workspace bills to its organization's
account, or to its owner's personal account; usage that happened before a personal →
organization conversion (``organizations.billing_start_at``) stays with the converted
user. Status moves ACTIVE → DUE → SUSPENDED → ACTIVE (and DUE → ACTIVE); every change is
audited and tells the ``on_status_change`` listeners which users it affects (the web app
and the job worker register the lifecycle cache invalidation there), because the
lifecycle reads SUSPENDED from here (``status_provider``, installed by the billing area).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from webapp.audit import Acting, record
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .errors import Refused

log = logging.getLogger(__name__)
ALLOWED = {("ACTIVE", "DUE"), ("DUE", "ACTIVE"), ("DUE", "SUSPENDED"), ("SUSPENDED", "ACTIVE")}
RATE_KEYS = ("traffic_gb", "storage_gb_month", "compute_unit")


def owner_key(*, user_id: str | None = None, organization_id: str | None = None) -> str:
    if organization_id:
        return f"org:{organization_id}"
    if user_id:
        return f"user:{user_id}"
    raise ValueError("a billing account belongs to a user or an organization")


def find_account(store: DocumentStore, *, user_id: str | None = None,
                 organization_id: str | None = None) -> Document | None:
    key = owner_key(user_id=user_id, organization_id=organization_id)
    return store.first("billing_accounts", [Query.equal("owner_key", key)])


def ensure_account(store: DocumentStore, *, user_id: str | None = None,
                   organization_id: str | None = None,
                   acting: Acting | None = None) -> Document:
    """The account of a user (personal) or an organization, created on first use."""
    found = find_account(store, user_id=user_id, organization_id=organization_id)
    if found is not None:
        return found
    key = owner_key(user_id=user_id, organization_id=organization_id)
    email = None
    if organization_id:
        org = store.get("organizations", organization_id)
        owner = store.find("users", org["owner_id"])
        email = owner.get("email") if owner else None
    else:
        assert user_id is not None
        email = store.get("users", user_id).get("email")
    try:
        with store.transaction():
            account = store.create("billing_accounts", {
                "type": "ORG" if organization_id else "PERSONAL", "owner_key": key,
                "user_id": None if organization_id else user_id,
                "organization_id": organization_id, "status": "ACTIVE",
                "billing_email": email,
            })
            store.create("wallets", {"billing_account_id": account["$id"]})
            if organization_id:
                store.update("organizations", organization_id,
                             {"billing_account_id": account["$id"]})
            record(store, acting or Acting.system(), "billing_account_created",
                   "billing_account", account["$id"], organization_id=organization_id,
                   metadata={"owner_key": key})
    except Conflict:
        again = find_account(store, user_id=user_id, organization_id=organization_id)
        if again is None:
            raise
        return again
    return account


def wallet_of(store: DocumentStore, account_id: str) -> Document:
    wallet = store.first("wallets", [Query.equal("billing_account_id", account_id)])
    if wallet is None:
        try:
            wallet = store.create("wallets", {"billing_account_id": account_id})
        except Conflict:
            wallet = store.first("wallets", [Query.equal("billing_account_id", account_id)])
            assert wallet is not None
    return wallet


def account_for_workspace(store: DocumentStore, workspace: Document,
                          at: datetime | None = None) -> Document:
    """The account a workspace's usage at ``at`` bills to."""
    org_id = workspace.get("organization_id")
    if org_id:
        org = store.find("organizations", org_id)
        start = org.get("billing_start_at") if org else None
        if org is not None and start is not None and at is not None and at < start:
            return ensure_account(store, user_id=str(org["owner_id"]))
        return ensure_account(store, organization_id=str(org_id))
    return ensure_account(store, user_id=str(workspace["owner_id"]))


def account_for_user(store: DocumentStore, user: Document,
                     org: Document | None = None) -> Document:
    if org is not None:
        return ensure_account(store, organization_id=str(org["$id"]))
    return ensure_account(store, user_id=str(user["$id"]))


def status_provider(store: DocumentStore, user: Document, org: Document | None) -> str:
    """For the lifecycle: the organization's account status for ORG users, the user's own
    otherwise; no account yet means ACTIVE."""
    if org is not None:
        account = find_account(store, organization_id=str(org["$id"]))
    else:
        account = find_account(store, user_id=str(user["$id"]))
    return str(account["status"]) if account else "ACTIVE"


def is_frozen(store: DocumentStore, account: Document) -> bool:
    """Billing of an organization scheduled for deletion is frozen (orgs/deletion.py)."""
    if account.get("organization_id"):
        org = store.find("organizations", account["organization_id"])
        return bool(org and org.get("billing_frozen_at"))
    return False


def affected_users(store: DocumentStore, account: Document) -> list[str]:
    if account.get("organization_id"):
        rows = store.list("organization_members", [
            Query.equal("organization_id", account["organization_id"]), Query.limit(5000)])
        return [str(r["user_id"]) for r in rows]
    return [str(account["user_id"])] if account.get("user_id") else []


_listeners: list[Callable[[list[str]], None]] = []


def on_status_change(listener: Callable[[list[str]], None]) -> None:
    """Call ``listener(user_ids)`` after every status change (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def set_status(store: DocumentStore, acting: Acting, account: Document, status: str,
               *, changes: dict[str, Any] | None = None, action: str | None = None) -> Document:
    """Move the account to ``status`` along an allowed transition (else Refused)."""
    old = account["status"]
    if old == status:
        return account
    if (old, status) not in ALLOWED:
        raise Refused("BAD_TRANSITION", f"Billing status cannot go from {old} to {status}.")
    with store.transaction():
        updated = store.update("billing_accounts", account["$id"],
                               {"status": status, **(changes or {})})
        record(store, acting, action or f"billing_status_{status.lower()}", "billing_account",
               account["$id"], organization_id=account.get("organization_id"),
               changes={"status": [old, status]})
    users = affected_users(store, account)
    for listener in list(_listeners):
        try:
            listener(users)
        except Exception:  # a cache hiccup must not undo a committed status change
            log.warning("billing status listener failed", exc_info=True)
    return updated


def rates_for(settings: Any, account: Document | None) -> dict[str, Decimal]:
    """USD per unit: settings, overridden per account by ``custom_rates``."""
    rates = {
        "traffic_gb": Decimal(settings.usage_rate_traffic_gb),
        "storage_gb_month": Decimal(settings.usage_rate_storage_gb_month),
        "compute_unit": Decimal(settings.usage_rate_compute_unit),
    }
    for key, value in ((account or {}).get("custom_rates") or {}).items():
        if key in RATE_KEYS and value is not None:
            rates[key] = Decimal(str(value))
    return rates


def set_custom_rates(store: DocumentStore, acting: Acting, account: Document,
                     rates: dict[str, str | None]) -> Document:
    """Per-account rates (USD per unit, non-negative decimals); None drops an override."""
    clean: dict[str, str] = {}
    for key, value in rates.items():
        if key not in RATE_KEYS:
            raise Refused("BAD_RATE", f"Unknown rate {key}.")
        if value is None or value == "":
            continue
        amount = Decimal(str(value))
        if amount < 0 or not amount.is_finite():
            raise Refused("BAD_RATE", "Rates must be zero or more.")
        clean[key] = str(amount)
    with store.transaction():
        updated = store.update("billing_accounts", account["$id"], {"custom_rates": clean})
        record(store, acting, "billing_rates_changed", "billing_account", account["$id"],
               organization_id=account.get("organization_id"),
               changes={"custom_rates": [account.get("custom_rates") or {}, clean]})
    return updated
