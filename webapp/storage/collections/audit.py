"""The audit trail: one row per write, with the field changes (schema v2)."""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 2

AUDIT_LOGS = Collection(
    id="audit_logs",
    name="Audit trail",
    since=V,
    attributes=(
        A("organization_id", T.STRING, 36, since=V),
        A("workspace_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("actor_id", T.STRING, 36, since=V),  # null for the system (jobs)
        A("actor_name", T.STRING, 128, since=V),
        A("action", T.STRING, 64, required=True, since=V),
        A("resource_type", T.STRING, 32, required=True, since=V),
        A("resource_id", T.STRING, 36, since=V),
        A("resource_name", T.STRING, 255, since=V),
        A("changes", T.JSON, default={}, since=V),  # {field: [before, after]}
        A("metadata", T.JSON, default={}, since=V),
        A("ip_address", T.STRING, 64, since=V),
    ),
    indexes=(
        Index("audit_org_time", I.KEY, ("organization_id", "$createdAt"), since=V),
        Index("audit_ws_time", I.KEY, ("workspace_id", "$createdAt"), since=V),
        Index("audit_project_time", I.KEY, ("project_id", "$createdAt"), since=V),
        Index("audit_resource", I.KEY, ("resource_type", "resource_id"), since=V),
    ),
)

COLLECTIONS = (AUDIT_LOGS,)
