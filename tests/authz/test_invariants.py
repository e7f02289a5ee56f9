"""Owner/lead invariants, role escalation and permission escalation checks."""

from __future__ import annotations

import pytest

from webapp.authz.invariants import (
    Violation,
    check_grantable,
    check_keeps_a_lead,
    check_keeps_an_owner,
    check_role_assignment,
    remaining_owners,
)
from webapp.authz.roles import OrgRole, ProgramRole, ProjectRole, SpaceRole
from webapp.authz.vocabulary import OrgPermission, ProjectPermission


@pytest.mark.parametrize(("owners", "losing", "gaining", "expected"), [
    ({"a"}, {"a"}, set(), Violation.LAST_OWNER),           # demote or remove the only owner
    ({"a"}, set(), set(), None),                           # unrelated change
    ({"a", "b"}, {"a"}, set(), None),                      # another owner remains
    ({"a", "b"}, {"a", "b"}, set(), Violation.LAST_OWNER),  # bulk demotion of all owners
    ({"a"}, {"a"}, {"b"}, None),                           # transfer ownership
    ({"a"}, {"a"}, {"a"}, None),                           # re-promoted in the same batch
    (set(), set(), set(), Violation.LAST_OWNER),           # already broken: still refused
    ({"a"}, {"x"}, set(), None),                           # losing a non-owner is harmless
])
def test_keeps_an_owner(owners, losing, gaining, expected):
    assert check_keeps_an_owner(owners, losing=losing, gaining=gaining) is expected


def test_remaining_owners():
    assert remaining_owners(["a", "b"], losing=["a"], gaining=["c"]) == {"b", "c"}
    assert remaining_owners(iter(["a"])) == {"a"}


def test_last_owner_code_is_stable():
    assert Violation.LAST_OWNER.value == "LAST_OWNER"


def test_keeps_a_lead():
    assert check_keeps_a_lead({"l"}, losing={"l"}) is Violation.LAST_LEAD
    assert check_keeps_a_lead({"l"}, losing={"l"}, gaining={"m"}) is None


Ow, A, Mo, Me = OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MODERATOR, OrgRole.MEMBER


@pytest.mark.parametrize(("actor", "current", "new", "expected"), [
    (Ow, Ow, Me, None),                        # top role may do anything
    (Ow, None, Ow, None),
    (A, None, Me, None),                     # add below
    (A, None, A, None),                      # add a peer
    (A, None, Ow, Violation.ROLE_ESCALATION),  # cannot mint an owner
    (A, Me, A, None),                        # promote up to own level
    (A, Me, Ow, Violation.ROLE_ESCALATION),
    (A, A, Me, None),                        # peers manage peers
    (A, Ow, Me, Violation.ROLE_ESCALATION),    # cannot touch a superior
    (A, Ow, None, Violation.ROLE_ESCALATION),  # ... nor remove one
    (Mo, Me, None, None),                     # remove below
    (Mo, A, None, Violation.ROLE_ESCALATION),
    (Me, None, Mo, Violation.ROLE_ESCALATION),
])
def test_role_assignment(actor, current, new, expected):
    assert check_role_assignment(actor, current, new) is expected


def test_role_assignment_in_other_layers():
    assert check_role_assignment(ProjectRole.PROJECT_ADMIN, ProjectRole.MEMBER,
                                 ProjectRole.PROJECT_OWNER) is Violation.ROLE_ESCALATION
    assert check_role_assignment(ProgramRole.LEAD, ProgramRole.LEAD, None) is None
    assert check_role_assignment(SpaceRole.MEMBER, None, SpaceRole.VIEWER) is None


def test_role_assignment_refuses_mixed_layers():
    with pytest.raises(TypeError):
        check_role_assignment(OrgRole.ADMIN, ProjectRole.MEMBER, None)  # type: ignore[misc]


def test_grantable():
    held = frozenset({ProjectPermission.VIEW_PROJECT, ProjectPermission.CREATE_TASKS})
    assert check_grantable(held, [ProjectPermission.CREATE_TASKS]) is None
    assert check_grantable(held, []) is None
    assert (check_grantable(held, [ProjectPermission.DELETE_PROJECT])
            is Violation.PERMISSION_ESCALATION)
    assert check_grantable(frozenset(), [OrgPermission.BILLING_MANAGE]) is (
        Violation.PERMISSION_ESCALATION)
