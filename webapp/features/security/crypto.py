"""Secrets at rest: the TOTP secret is sealed with AES-256-GCM under a key derived from
``SECRET_KEY`` (HKDF-SHA256, a purpose label as ``info``), so a database dump alone does not
reveal anyone's authenticator seed. The user id is bound as associated data: a sealed secret
copied onto another account does not open.

Rotating ``SECRET_KEY`` makes sealed secrets unreadable; affected users set 2FA up again
(or sign in with a recovery code).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value that cannot be opened (other key, tampered, malformed)."""


@lru_cache(maxsize=8)
def _key(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"keel:{purpose}".encode()
    ).derive(secret_key.encode())


def seal(secret_key: str, plaintext: str, *, purpose: str, bound_to: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(secret_key, purpose)).encrypt(
        nonce, plaintext.encode(), bound_to.encode()
    )
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(secret_key: str, value: str, *, purpose: str, bound_to: str) -> str:
    version, _, body = (value or "").partition(":")
    if version != VERSION or not body:
        raise SealError("unknown format")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        plain = AESGCM(_key(secret_key, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound_to.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise SealError("cannot open") from exc
    return plain.decode()


def code_hash(user_id: str, code: str) -> str:
    """The stored form of a short code (e-mail OTP, recovery code), salted by the user."""
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()
