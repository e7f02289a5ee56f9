"""Security tab (members' sign-in safety at a glance) and Audit tab (the org's audit trail
with filters by action, actor and date range, paginated with a cursor)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app, g, request
from werkzeug.wrappers import Response

from webapp.audit.service import list_entries
from webapp.authz.guards import org_required
from webapp.authz.vocabulary import OrgPermission
from webapp.storage.errors import InvalidQuery, NotFound
from webapp.storage.query import Query

from . import members
from .routes import bp, page, store

P = OrgPermission
AUDIT_PAGE = 50
AUDIT_ACTIONS = (
    "organization_created", "organization_updated", "organization_deleted",
    "organization_restored", "account_converted", "member_added", "member_removed",
    "member_role_changed", "member_activated", "member_permissions_changed", "welcome_resent",
    "first_login_token_created", "first_login_token_used", "department_created",
    "department_updated", "department_deleted", "department_member_added",
    "department_member_removed", "department_permissions_changed", "workspace_created",
    "workspace_deleted", "user_accepted_legal", "two_factor_enabled", "two_factor_disabled",
)


@bp.route("/organization/<org_id>/security")
@org_required(P.SECURITY_VIEW)
def security(org_id: str) -> Response:
    rows = members.list_members(store(), org_id, limit=500).documents
    user_ids = [m["user_id"] for m in rows]
    users = store().get_many("users", user_ids)
    now = datetime.now(UTC)
    sessions: dict[str, int] = {}
    if user_ids:
        for row in store().list("sessions", [Query.equal("user_id", user_ids),
                                             Query.greater_than("expires_at", now),
                                             Query.limit(5000)]):
            sessions[row["user_id"]] = sessions.get(row["user_id"], 0) + 1
    people = [{"member": m, "user": users.get(m["user_id"], {}),
               "sessions": sessions.get(m["user_id"], 0)} for m in rows]
    with_2fa = sum(1 for p in people if p["user"].get("two_factor_enabled"))
    settings = current_app.config["KEEL_SETTINGS"]
    return page("orgs/security.html", tab="orgs.security", people=people, with_2fa=with_2fa,
                invited=sum(1 for m in rows if m.get("status") == "INVITED"),
                session_days=settings.session_days)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _audit_filters() -> tuple[dict[str, Any], dict[str, str]]:
    args = request.args
    errors: dict[str, str] = {}
    action = args.get("action") or ""
    if action and action not in AUDIT_ACTIONS:
        errors["action"] = "Choose an action from the list."
    start, end = _day(args.get("from")), _day(args.get("to"))
    if args.get("from") and start is None:
        errors["from"] = "Enter a date as YYYY-MM-DD."
    if args.get("to") and end is None:
        errors["to"] = "Enter a date as YYYY-MM-DD."
    if start and end and end < start:
        errors["to"] = "The end date is before the start date."
    filters = {
        "actions": [action] if action and not errors.get("action") else [],
        "actor_id": args.get("actor") or None,
        "since": datetime.combine(start, time.min, UTC) if start else None,
        "until": datetime.combine(end, time.min, UTC) + timedelta(days=1) if end else None,
        "cursor": args.get("after") or None,
    }
    return filters, errors


@bp.route("/organization/<org_id>/audit")
@org_required(P.AUDIT_VIEW)
def audit(org_id: str) -> Response:
    filters, errors = _audit_filters()
    entries: list[dict[str, Any]] = []
    if not errors:
        try:
            entries = list_entries(store(), organization_id=org_id, limit=AUDIT_PAGE + 1,
                                   **filters).documents
        except (InvalidQuery, NotFound):  # a cursor that no longer exists
            errors["after"] = "This page of results is no longer available."
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    actors = members.list_members(store(), org_id, limit=500).documents
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    invalid = bool(set(errors) - {"after"})
    return page("orgs/audit.html", None if invalid else "orgs_audit_list",
                status=422 if invalid else 200,
                tab="orgs.audit", entries=entries, more=more, actions=AUDIT_ACTIONS,
                actors=actors, args=args, errors=errors, next_cursor=entries[-1]["$id"]
                if more and entries else None, first_page=not request.args.get("after"),
                me_id=g.user["$id"])
