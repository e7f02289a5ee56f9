"""Compute units of integration operations, and the billing gate in front of them.

Weights (SYSTEM.md 6.2, ``getComputeUnits``): ``ai_summary`` 10, ``ai_code_review`` 20,
``ai_doc_generation`` 15, ``ai_suggestion`` 5, ``sync`` 5, ``export`` 10, anything else 1.
Both the base units (1 per call) and the weighted units are stored.

``ensure_billing_active`` refuses (``BILLING_SUSPENDED``, 403) when the billing account of
the acting user (the organization's account in an organization workspace) is SUSPENDED, as
``webapp/identity/lifecycle.py`` reads it through its billing status provider.

``record_compute`` is the one place integrations record usage: it writes the operation to
the billing usage ledger (``webapp/features/billing/ledger.record_compute``, the account
the workspace bills to, a unique idempotency key, source ``ai`` or ``job``) and keeps a row
in ``ai_usage`` (who ran which operation in which project, for the integrations pages).
Metering never blocks the user's action: a failure to record is logged and swallowed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from webapp.features.workspaces.errors import Refused
from webapp.identity.lifecycle import billing_account_status
from webapp.storage.base import Document, DocumentStore

log = logging.getLogger(__name__)

WEIGHTS: dict[str, float] = {
    "ai_summary": 10, "ai_code_review": 20, "ai_doc_generation": 15, "ai_suggestion": 5,
    "sync": 5, "export": 10,
}
SUSPENDED_MESSAGE = ("Your account has been suspended due to an unpaid invoice. Please add "
                     "credits to your wallet to restore access.")


def units_for(operation: str) -> float:
    return float(WEIGHTS.get(operation, 1))


def ensure_billing_active(store: DocumentStore, user: Document | None,
                          workspace: Document) -> None:
    if user is None:
        return
    org = (store.find("organizations", workspace["organization_id"])
           if workspace.get("organization_id") else None)
    if billing_account_status(store, user, org) == "SUSPENDED":
        raise Refused("BILLING_SUSPENDED", SUSPENDED_MESSAGE, status=403)


def record_compute(store: DocumentStore, *, workspace: Document, operation: str,
                   user_id: str | None, project_id: str | None = None,
                   module: str = "ai") -> Any:
    """Record one operation's compute units; returns the ``ai_usage`` row (None on failure)."""
    _record_in_ledger(store, workspace=workspace, operation=operation, user_id=user_id,
                      project_id=project_id, module=module)
    try:
        return store.create("ai_usage", {
            "workspace_id": workspace["$id"],
            "organization_id": workspace.get("organization_id"),
            "project_id": project_id, "user_id": user_id, "operation": operation,
            "module": module, "base_units": 1, "units": units_for(operation),
        })
    except Exception:  # metering must never block the user's action
        log.exception("recording compute units failed (%s)", operation)
        return None


def _record_in_ledger(store: DocumentStore, *, workspace: Document, operation: str,
                      user_id: str | None, project_id: str | None, module: str) -> None:
    try:
        from webapp.features.billing.accounts import account_for_workspace
        from webapp.features.billing.ledger import record_compute as ledger_compute

        account = account_for_workspace(store, workspace)
        ledger_compute(store, account, operation, key=f"{module}:{operation}:{uuid.uuid4().hex}",
                       workspace_id=workspace["$id"], project_id=project_id,
                       source="ai" if module == "ai" else "job",
                       metadata={"module": module, "user_id": user_id})
    except Exception:  # metering must never block the user's action
        log.exception("recording %s in the usage ledger failed", operation)
