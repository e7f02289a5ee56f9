"""The catalogue: every collection Keel stores, gathered into one Schema."""

from __future__ import annotations

from webapp.storage.schema import Schema

from . import identity

SCHEMA = Schema()
SCHEMA.add(*identity.COLLECTIONS)
