"""Collections of the api area (schema v3): personal API tokens.

A token is shown once: the store keeps only ``token_hash`` (sha256 of the whole secret,
``keel_<random>``) and ``prefix`` (its first characters, to tell tokens apart in the list).
``scopes`` holds ``read``, ``write`` and/or ``admin``. A revoked token keeps its row (with
``revoked_at``) so the list can show it; an expired one (``expires_at`` in the past) is
refused like a revoked one.
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

SCOPES = ("read", "write", "admin")

API_TOKENS = Collection(
    id="api_tokens",
    name="API tokens",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 100, required=True, since=V),
        A("token_hash", T.STRING, 64, required=True, since=V),
        A("prefix", T.STRING, 16, required=True, since=V),
        A("scopes", T.STRING, 16, array=True, default=[], since=V),
        A("expires_at", T.DATETIME, since=V),
        A("last_used_at", T.DATETIME, since=V),
        A("revoked_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("api_tokens_hash", I.UNIQUE, ("token_hash",), since=V),
        Index("api_tokens_user", I.KEY, ("user_id",), since=V),
    ),
)

COLLECTIONS: tuple[Collection, ...] = (API_TOKENS,)
