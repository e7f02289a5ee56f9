"""The catalogue: every collection Keel stores, gathered into one Schema."""

from __future__ import annotations

from webapp.storage.schema import Schema

from . import audit, identity, organizations, projects, work, workspaces

SCHEMA = Schema()
for _area in (identity, organizations, workspaces, projects, work, audit):
    SCHEMA.add(*_area.COLLECTIONS)
