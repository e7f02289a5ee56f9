"""Encryption of stored secrets (personal access tokens, webhook secrets, API keys).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF-SHA256 from
``INTEGRATIONS_SECRET`` or, when that is empty, the app's ``SECRET_KEY``. Rotating the key
makes stored secrets unreadable: ``decrypt`` then returns None and the integration reports
that its credentials must be entered again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from webapp.features.integrations.config import settings


def _fernet(secret_key: str) -> Fernet:
    material = (settings().secret or secret_key).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"keel-integrations",
               info=b"stored-secrets").derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, value: str | None) -> str | None:
    """The Fernet token of ``value`` (None for an empty value)."""
    if not value:
        return None
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt(secret_key: str, token: str | None) -> str | None:
    """The stored value, or None when there is none or the key changed."""
    if not token:
        return None
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def hint(value: str | None) -> str:
    """What a page may show of a secret: its last four characters."""
    return f"••••{value[-4:]}" if value and len(value) > 8 else ("••••" if value else "")
