"""Domain errors of billing: ``FieldErrors`` for input, ``Refused`` for rules."""

from __future__ import annotations

from webapp.features.workspaces.errors import FieldErrors
from webapp.features.workspaces.errors import Refused as _Refused

__all__ = ["SUSPENDED_MESSAGE", "FieldErrors", "Refused"]

SUSPENDED_MESSAGE = ("Your account has been suspended due to an unpaid invoice. Please add "
                     "credits to your wallet to restore access.")


class Refused(_Refused):
    """A billing rule forbids the change; nothing was written."""

    MESSAGES = {
        **_Refused.MESSAGES,
        "BILLING_SUSPENDED": SUSPENDED_MESSAGE,
        "BILLING_FROZEN": "Billing for this organization is frozen while it is scheduled "
        "for deletion.",
        "INSUFFICIENT_BALANCE": "The wallet balance is too low for this debit.",
        "DAILY_TOPUP_LIMIT": "This top-up would exceed the wallet's daily top-up limit.",
        "DEBIT_RATE_LIMIT": "Too many wallet debits in the last minute; try again shortly.",
        "WALLET_NOT_ACTIVE": "This wallet is not active.",
        "HOLD_NOT_FOUND": "There is no open hold with this reference.",
        "PAYMENT_NOT_CAPTURED": "The payment has not been captured.",
        "BAD_SIGNATURE": "The payment signature is not valid.",
        "GATEWAY_UNAVAILABLE": "The payment service is not reachable; try again shortly.",
        "GATEWAY_NOT_CONFIGURED": "Payments are not configured on this server.",
    }
