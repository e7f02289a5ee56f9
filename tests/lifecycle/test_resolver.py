"""The resolver: every one of the 16 states from a constructed user and world, the order
in which the rules apply, the legal flags and the invariants."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.world import add_member, fresh, make_org, make_user, make_workspace, now
from webapp.identity import lifecycle
from webapp.identity.lifecycle import (
    LifecycleInvariantError,
    LifecycleState,
    Resolution,
    check_invariants,
    compute,
    set_billing_status_provider,
)

S = LifecycleState


def state(store: Any, user: dict[str, Any] | None) -> LifecycleState:
    result = compute(store, fresh(store, user) if user else None)
    check_invariants(result)
    return result.state


def test_there_are_sixteen_states() -> None:
    assert len(LifecycleState) == 16


def test_no_user_is_unauthenticated(store: Any) -> None:
    assert state(store, None) is S.UNAUTHENTICATED


def test_deleted_by_status_or_deleted_at(store: Any) -> None:
    assert state(store, make_user(store, "a@example.com", status="deleted")) is S.DELETED
    assert state(store, make_user(store, "b@example.com", deleted_at=now())) is S.DELETED


def test_must_reset_password_comes_before_verification(store: Any) -> None:
    user = make_user(store, verified=False, must_reset_password=True)
    assert state(store, user) is S.MUST_RESET_PASSWORD


def test_unverified(store: Any) -> None:
    assert state(store, make_user(store, verified=False)) is S.EMAIL_UNVERIFIED


def test_no_account_type_is_pending(store: Any) -> None:
    assert state(store, make_user(store)) is S.ACCOUNT_TYPE_PENDING


def test_personal_without_then_with_a_workspace(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    assert state(store, user) is S.PERSONAL_ONBOARDING
    make_workspace(store, user, role="OWNER")
    assert state(store, user) is S.PERSONAL_ACTIVE


def test_a_deleted_workspace_membership_does_not_count(store: Any) -> None:
    from lifecycle.world import join

    user = make_user(store, account_type="PERSONAL")
    other = make_user(store, "o@example.com", account_type="PERSONAL")
    ws = make_workspace(store, other)
    join(store, ws, user, status="DELETED")
    assert state(store, user) is S.PERSONAL_ONBOARDING


def test_org_account_without_membership_is_owner_onboarding(store: Any) -> None:
    assert state(store, make_user(store, account_type="ORG")) is S.ORG_OWNER_ONBOARDING


def test_invited_member_is_pending(store: Any) -> None:
    user = make_user(store)
    add_member(store, make_org(store), user, "ADMIN", status="INVITED")
    assert state(store, user) is S.ORG_MEMBER_PENDING


@pytest.mark.parametrize(("role", "without", "with_ws"), [
    ("OWNER", S.ORG_OWNER_NO_WORKSPACE, S.ORG_OWNER_ACTIVE),
    ("ADMIN", S.ORG_ADMIN_NO_WORKSPACE, S.ORG_ADMIN_ACTIVE),
    ("MODERATOR", S.ORG_ADMIN_NO_WORKSPACE, S.ORG_ADMIN_ACTIVE),
    ("MEMBER", S.ORG_MEMBER_NO_WORKSPACE, S.ORG_MEMBER_ACTIVE),
])
def test_org_roles_with_and_without_workspace(store: Any, role: str, without: S,
                                              with_ws: S) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, role)
    assert state(store, user) is without
    make_workspace(store, user, org=org)
    assert state(store, user) is with_ws
    result = compute(store, fresh(store, user))
    assert result.organization_id == org["$id"] and result.org_role == role


def test_suspended_follows_the_billing_account(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    make_workspace(store, user)
    seen: list[Any] = []

    def provider(store_: Any, user_: Any, org: Any) -> str:
        seen.append((user_["$id"], org))
        return "SUSPENDED"

    set_billing_status_provider(provider)
    try:
        assert state(store, user) is S.SUSPENDED
        assert seen == [(user["$id"], None)]
    finally:
        set_billing_status_provider(None)
    assert state(store, user) is S.PERSONAL_ACTIVE


def test_a_failing_billing_lookup_does_not_lock_users_out(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")

    def broken(*_: Any) -> str:
        raise RuntimeError("billing is down")

    set_billing_status_provider(broken)
    try:
        assert state(store, user) is S.PERSONAL_ONBOARDING
    finally:
        set_billing_status_provider(None)


def test_the_org_billing_account_is_asked_for_org_users(store: Any) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, "OWNER")
    set_billing_status_provider(lambda s, u, o: "SUSPENDED" if o and o["$id"] == org["$id"]
                                else "ACTIVE")
    try:
        assert state(store, user) is S.SUSPENDED
    finally:
        set_billing_status_provider(None)


def test_order_deleted_beats_everything(store: Any) -> None:
    user = make_user(store, verified=False, must_reset_password=True, status="deleted")
    assert state(store, user) is S.DELETED


def test_primary_organization_wins_and_deleted_orgs_do_not_count(store: Any) -> None:
    user = make_user(store)
    first = make_org(store, name="First")
    second = make_org(store, name="Second")
    add_member(store, first, user, "MEMBER", primary=False)
    add_member(store, second, user, "OWNER", primary=True)
    assert compute(store, fresh(store, user)).organization_id == second["$id"]
    store.update("organizations", second["$id"], {"deleted_at": now()})
    result = compute(store, fresh(store, user))
    assert result.organization_id == first["$id"]
    assert result.state is S.ORG_MEMBER_NO_WORKSPACE


def test_legal_flags(store: Any) -> None:
    owner, admin, member = (make_user(store, f"{n}@example.com") for n in ("o", "a", "m"))
    org = make_org(store, owner, legal_version=None)
    for user, role in ((owner, "OWNER"), (admin, "ADMIN"), (member, "MEMBER")):
        add_member(store, org, user, role)
    for user in (owner, admin):
        result = compute(store, fresh(store, user))
        assert result.must_accept_legal and not result.legal_blocked and result.needs_legal
    result = compute(store, fresh(store, member))
    assert result.legal_blocked and not result.must_accept_legal
    store.update("organizations", org["$id"], {"legal_version": "v1"})
    for user in (owner, admin, member):
        assert not compute(store, fresh(store, user)).needs_legal


def test_personal_legal_acceptance(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL", accepted_terms_version=None)
    assert compute(store, fresh(store, user)).must_accept_legal
    store.update("users", user["$id"], {"accepted_terms_version": "v1",
                                        "accepted_dpa_version": "v0"})
    assert compute(store, fresh(store, user)).must_accept_legal


def test_owner_still_in_onboarding_is_sent_to_onboarding(store: Any) -> None:
    user = make_user(store, onboarding_step=lifecycle.ONBOARDING_WORKSPACE_STEP)
    add_member(store, make_org(store, user), user, "OWNER")
    result = compute(store, fresh(store, user))
    assert result.state is S.ORG_OWNER_NO_WORKSPACE and result.onboarding_in_progress
    assert result.redirect_to is lifecycle.PathGroup.ONBOARDING
    store.update("users", user["$id"], {"onboarding_step": "done"})
    assert compute(store, fresh(store, user)).redirect_to is None


@pytest.mark.parametrize(("resolution", "message"), [
    (Resolution(S.PERSONAL_ACTIVE, account_type="ORG", workspace_id="w"), "PERSONAL"),
    (Resolution(S.ORG_MEMBER_ACTIVE, account_type="PERSONAL", workspace_id="w",
                organization_id="o"), "ORG_"),
    (Resolution(S.PERSONAL_ACTIVE, account_type="PERSONAL"), "needs a workspace"),
    (Resolution(S.ORG_ADMIN_NO_WORKSPACE, account_type="ORG", workspace_id="w",
                organization_id="o", org_role="ADMIN"), "no workspace"),
    (Resolution(S.ORG_OWNER_ACTIVE, account_type="ORG", workspace_id="w", organization_id="o",
                org_role="ADMIN"), "OWNER role"),
    (Resolution(S.ORG_MEMBER_NO_WORKSPACE, account_type="ORG", org_role="MEMBER"),
     "need an organization"),
])
def test_invariants(resolution: Resolution, message: str) -> None:
    with pytest.raises(LifecycleInvariantError, match=message):
        check_invariants(resolution)


def test_resolution_round_trips_through_json(store: Any) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, "OWNER")
    result = compute(store, fresh(store, user))
    assert Resolution.from_json(result.to_json()) == result
