"""Platform administration: who operates this Keel installation."""

from __future__ import annotations

from webapp.identity.errors import FieldErrors
from webapp.identity.service import normalize_email
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query


class UnknownUser(LookupError):
    """No account has that e-mail address."""


def set_platform_admin(store: DocumentStore, email: str, admin: bool = True) -> Document:
    """Grant (or with ``admin=False`` revoke) platform administration; raises UnknownUser."""
    try:
        address = normalize_email(email)
    except FieldErrors:
        raise UnknownUser(email) from None
    user = store.first("users", [Query.equal("email", address)])
    if user is None:
        raise UnknownUser(address)
    if bool(user.get("is_platform_admin")) == admin:
        return user
    return store.update("users", user["$id"], {"is_platform_admin": admin})
