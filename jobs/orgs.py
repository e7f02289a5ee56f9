"""Organization jobs: the welcome e-mail of admin-created members (``mail`` queue) and the
daily purge of organizations past their 30-day deletion grace (scheduled).

The welcome job receives a membership id only and mints the first-login token itself, so
no secret sits in Redis job arguments; each attempt (retries, "resend") makes a fresh link
and retires the older ones.
"""

from __future__ import annotations

import logging

from jobs.context import runtime
from webapp.identity.emails import absolute_link, render_email
from webapp.storage.mail import Message

log = logging.getLogger(__name__)

FIRST_LOGIN_PATH = "/auth/first-login/{token}"


def send_welcome_email(member_id: str) -> bool:
    """Mail a first-login link to an INVITED member; False when there is nothing to send."""
    from webapp.features.orgs.accounts import FIRST_LOGIN_TTL, issue_first_login

    rt = runtime()
    store = rt.store
    member = store.find("organization_members", member_id)
    if member is None or member.get("status") != "INVITED":
        log.info("welcome email for member %s skipped", member_id)
        return False
    user = store.find("users", member["user_id"])
    org = store.find("organizations", member["organization_id"])
    if user is None or user.get("status") != "active" or org is None or org.get("deleted_at"):
        log.info("welcome email for member %s skipped", member_id)
        return False
    inviter = store.find("users", member["invited_by"]) if member.get("invited_by") else None
    token = issue_first_login(store, member)
    mail = render_email(
        "welcome",
        f"You've been added to {org['name']} on Keel",
        name=user["name"],
        email=user["email"],
        org_name=org["name"],
        inviter=(inviter or {}).get("name") or "An administrator",
        new_account=bool(user.get("must_reset_password")),
        link=absolute_link(rt.settings.base_url, FIRST_LOGIN_PATH, token),
        hours=int(FIRST_LOGIN_TTL.total_seconds() // 3600),
        base_url=rt.settings.base_url.rstrip("/"),
    )
    rt.mailer.send(Message(to=user["email"], subject=mail.subject, text=mail.text,
                           html=mail.html))
    return True


def purge_deleted_organizations() -> int:
    """Hard-delete organizations deleted more than 30 days ago; returns how many."""
    from webapp.features.orgs.deletion import purge_deleted_organizations as purge

    report = purge(runtime().store)
    log.info("purged %d organizations (%d workspaces, %d members)", report.organizations,
             report.workspaces, report.members)
    return report.organizations
