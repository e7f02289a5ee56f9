"""The catalogue: every collection Keel stores, gathered into one Schema."""

from __future__ import annotations

from webapp.storage.schema import Schema

from . import (
    api,
    audit,
    billing,
    identity,
    integrations,
    notifications,
    organizations,
    planning,
    projects,
    work,
    workspaces,
)

SCHEMA = Schema()
for _area in (identity, organizations, workspaces, projects, work, planning, notifications,
              billing, integrations, api, audit):
    SCHEMA.add(*_area.COLLECTIONS)
