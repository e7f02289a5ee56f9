"""Admin-created accounts, the welcome e-mail, the first-login link and the first password."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from jobs.context import bound
from jobs.orgs import send_welcome_email
from webapp.features.orgs import accounts
from webapp.features.orgs.errors import FieldErrors, Refused
from webapp.identity.errors import TokenExpired, TokenInvalid, TokenUsed
from webapp.identity.security import verify_password
from webapp.storage.mail import read_outbox
from webapp.storage.query import Query

from .conftest import PASSWORD, acting, add_member, make_user


def _mail(service_runtime, member_id):
    with bound(service_runtime):
        return send_welcome_email(member_id)


def _outbox(settings):
    return read_outbox(Path(settings.instance_path) / "outbox")


def _token(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://localhost/auth/first-login/([A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


def test_adding_an_unknown_person_creates_an_account_nobody_can_sign_in_to(store, owner, org):
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Nina New",
                                        email="Nina@Example.com", role="MODERATOR")
    assert added.created_account
    user = added.user
    assert user["email"] == "nina@example.com"
    assert user["email_verified_at"] is not None
    assert user["must_reset_password"] is True
    assert user["account_type"] == "ORG"
    assert user["primary_organization_id"] == org["$id"]
    assert not verify_password(user["password_hash"], PASSWORD)
    member = added.member
    assert (member["status"], member["role"], member["must_reset_password"]) == (
        "INVITED", "MODERATOR", True)
    assert store.get("organizations", org["$id"])["member_count"] == 2
    entry = store.first("audit_logs", [Query.equal("action", "member_added")])
    assert entry["metadata"]["created_account"] is True
    assert entry["changes"] == {"role": [None, "MODERATOR"], "status": [None, "INVITED"]}


def test_an_existing_account_is_reused_without_touching_its_password(store, owner, org):
    existing = make_user(store, "eve@example.com", "Eve Existing")
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Whoever",
                                        email="eve@example.com", role="MEMBER")
    assert not added.created_account
    assert added.user["$id"] == existing["$id"]
    assert added.user["password_hash"] == existing["password_hash"]
    assert not added.user.get("must_reset_password")
    assert added.member["name"] == "Eve Existing"
    with pytest.raises(FieldErrors) as caught:
        accounts.add_member_account(store, acting(owner), org["$id"], name="Eve",
                                    email="eve@example.com", role="MEMBER")
    assert caught.value.errors == {"email": "This person is already a member."}


def test_bad_input_and_escalation_write_nothing(store, owner, org):
    with pytest.raises(FieldErrors) as caught:
        accounts.add_member_account(store, acting(owner), org["$id"], name="",
                                    email="not-an-email", role="KING")
    assert set(caught.value.errors) == {"name", "email", "role"}
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    with pytest.raises(Refused) as refused:
        accounts.add_member_account(store, acting(store.get("users", admin["user_id"])),
                                    org["$id"], name="Mallory", email="m@example.com",
                                    role="OWNER")
    assert refused.value.code == "ROLE_ESCALATION"
    assert store.count("users", [Query.equal("email", "m@example.com")]) == 0


def test_welcome_email_and_first_login_flow(store, service_runtime, settings, owner, org):
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Nina New",
                                        email="nina@example.com", role="MEMBER")
    assert _mail(service_runtime, added.member["$id"])
    [message] = _outbox(settings)
    assert message["To"] == "nina@example.com"
    assert "Acme Corp" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Olive Owner" in body and "choose your password" in body and "24 hours" in body
    raw = _token(message)
    stored = store.first("tokens", [Query.equal("purpose", "first_login")])
    assert stored["token_hash"] != raw  # only the hash is kept
    lifetime = stored["expires_at"] - stored["$createdAt"]
    assert abs(lifetime - timedelta(hours=24)) < timedelta(seconds=5)

    first = accounts.complete_first_login(store, raw, ip="10.0.0.1")
    assert first.needs_password and first.activated == []
    with pytest.raises(TokenUsed):
        accounts.complete_first_login(store, raw)

    with pytest.raises(FieldErrors) as caught:
        accounts.set_initial_password(store, acting(first.user), first.user["$id"], "short")
    assert "password" in caught.value.errors
    activated = accounts.set_initial_password(store, acting(first.user), first.user["$id"],
                                              "a brand new password")
    assert [m["status"] for m in activated] == ["ACTIVE"]
    user = store.get("users", first.user["$id"])
    assert user["must_reset_password"] is False
    assert verify_password(user["password_hash"], "a brand new password")
    member = store.get("organization_members", added.member["$id"])
    assert (member["status"], member["must_reset_password"]) == ("ACTIVE", False)
    assert member["joined_at"] is not None
    actions = {e["action"] for e in store.list("audit_logs", [Query.limit(100)])}
    assert {"first_login_token_created", "first_login_token_used", "member_activated"} <= actions
    with pytest.raises(Refused):
        accounts.set_initial_password(store, acting(user), user["$id"], "another password")
    # the member is active now: no more welcome e-mails
    assert not _mail(service_runtime, added.member["$id"])


def test_an_existing_account_is_activated_by_the_link(store, service_runtime, settings, owner, org):
    make_user(store, "eve@example.com", "Eve Existing")
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Eve",
                                        email="eve@example.com", role="MEMBER")
    _mail(service_runtime, added.member["$id"])
    [message] = _outbox(settings)
    assert "Join Acme Corp" in message.get_body(preferencelist=("html",)).get_content()
    first = accounts.complete_first_login(store, _token(message))
    assert not first.needs_password
    assert [m["$id"] for m in first.activated] == [added.member["$id"]]
    assert store.get("organization_members", added.member["$id"])["status"] == "ACTIVE"


def test_expired_and_bogus_links(store, service_runtime, settings, owner, org):
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Nina",
                                        email="nina@example.com", role="MEMBER")
    _mail(service_runtime, added.member["$id"])
    raw = _token(_outbox(settings)[0])
    store.update_where("tokens", [Query.equal("purpose", "first_login")],
                       {"expires_at": accounts.utcnow() - timedelta(seconds=1)})
    with pytest.raises(TokenExpired):
        accounts.complete_first_login(store, raw)
    with pytest.raises(TokenInvalid):
        accounts.complete_first_login(store, "not-a-token")
    assert store.get("organization_members", added.member["$id"])["status"] == "INVITED"


def test_resend_retires_the_previous_link(store, service_runtime, settings, owner, org):
    added = accounts.add_member_account(store, acting(owner), org["$id"], name="Nina",
                                        email="nina@example.com", role="MEMBER")
    _mail(service_runtime, added.member["$id"])
    accounts.resend_welcome(store, acting(owner), org["$id"], added.member["$id"])
    _mail(service_runtime, added.member["$id"])
    first, second = _outbox(settings)
    with pytest.raises(TokenUsed):
        accounts.complete_first_login(store, _token(first))
    assert accounts.complete_first_login(store, _token(second)).needs_password


def test_resend_is_for_owners_and_admins_and_invited_members_only(store, owner, org):
    moderator = add_member(store, org, owner, "mod@example.com", "MODERATOR")
    pending = add_member(store, org, owner, "pending@example.com", activate=False)
    with pytest.raises(Refused) as caught:
        accounts.resend_welcome(store, acting(store.get("users", moderator["user_id"])),
                                org["$id"], pending["$id"])
    assert caught.value.status == 403
    with pytest.raises(Refused) as caught:
        accounts.resend_welcome(store, acting(owner), org["$id"], moderator["$id"])
    assert caught.value.code == "NOT_INVITED"
    assert accounts.resend_welcome(store, acting(owner), org["$id"], pending["$id"])
