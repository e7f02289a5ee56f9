"""The routing table per state (allowed, blocked, redirect) and the guard on real requests."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.world import add_member, make_org, make_user, make_workspace, sign_in
from webapp.identity.lifecycle import LifecycleState, Resolution
from webapp.identity.lifecycle_routes import decide, landing, path_exists
from webapp.identity.lifecycle_table import ROUTES, PathGroup, group_of

S = LifecycleState
G = PathGroup

# one concrete path per group
PATHS = {
    G.HOME: "/",
    G.ONBOARDING: "/onboarding",
    G.PROFILE: "/account/sessions",
    G.ORGANIZATION: "/organization",
    G.BILLING: "/billing",
    G.WORKSPACES: "/w/abc123",
    G.WELCOME: "/welcome",
    G.OTHER: "/somewhere-else",
}
ALL = set(PATHS)


def facts(state: S) -> Resolution:
    org = state.name.startswith("ORG_")
    has_ws = state.name.endswith("_ACTIVE")
    role = {"OWNER": "OWNER", "ADMIN": "ADMIN", "MEMBER": "MEMBER"}.get(state.name.split("_")[1]
                                                                        if org else "")
    return Resolution(state, user_id="u", account_type="ORG" if org else "PERSONAL",
                      organization_id="o" if org else None, org_role=role,
                      workspace_id="w" if has_ws else None)


# state -> (groups it reaches, where everything else goes)
EXPECTED: dict[S, tuple[set[G], str]] = {
    S.EMAIL_UNVERIFIED: ({G.PROFILE}, "/verify-email"),
    S.ACCOUNT_TYPE_PENDING: ({G.ONBOARDING, G.PROFILE}, "/onboarding"),
    S.PERSONAL_ONBOARDING: ({G.ONBOARDING, G.PROFILE}, "/onboarding"),
    S.PERSONAL_ACTIVE: (ALL - {G.ONBOARDING, G.ORGANIZATION, G.WELCOME}, "/"),
    S.ORG_OWNER_ONBOARDING: ({G.ONBOARDING, G.PROFILE}, "/onboarding"),
    S.ORG_OWNER_NO_WORKSPACE: ({G.WELCOME, G.ORGANIZATION, G.PROFILE, G.BILLING}, "/welcome"),
    S.ORG_OWNER_ACTIVE: (ALL - {G.ONBOARDING, G.WELCOME}, "/"),
    S.ORG_ADMIN_NO_WORKSPACE: ({G.WELCOME, G.ORGANIZATION, G.PROFILE}, "/welcome"),
    S.ORG_ADMIN_ACTIVE: (ALL - {G.ONBOARDING, G.WELCOME}, "/"),
    S.ORG_MEMBER_PENDING: ({G.WELCOME, G.ORGANIZATION, G.PROFILE}, "/welcome"),
    S.ORG_MEMBER_NO_WORKSPACE: ({G.WELCOME, G.ORGANIZATION, G.PROFILE}, "/welcome"),
    S.ORG_MEMBER_ACTIVE: ({G.WORKSPACES, G.PROFILE, G.ORGANIZATION, G.HOME}, "/"),
    S.SUSPENDED: ({G.BILLING, G.PROFILE}, "PROFILE"),  # /billing comes with billing
    S.DELETED: (set(), "/login"),
    S.MUST_RESET_PASSWORD: (set(), "RESET"),  # the forced reset page (orgs)
}


def test_every_state_has_a_row() -> None:
    assert set(ROUTES) == set(LifecycleState)


@pytest.mark.parametrize("state", list(EXPECTED), ids=lambda s: s.name)
def test_routing_table(app: Any, state: S) -> None:
    reaches, target = EXPECTED[state]
    resolution = facts(state)
    with app.test_request_context():
        if target == "PROFILE":
            target = landing(G.BILLING) or landing(G.PROFILE)
        if target == "RESET":
            target = "/auth/set-password" if path_exists("/auth/set-password") else "/login"
        for group, path in PATHS.items():
            got = decide(resolution, path)
            if group in reaches:
                assert got is None, (state, path, got)
            else:
                assert got == target, (state, path, got)
        # always reachable, whatever the state
        for path in ("/static/css/app.css", "/healthz", "/ws", "/logout", "/legal"):
            assert decide(resolution, path) is None, (state, path)


@pytest.mark.parametrize("state", [s for s in EXPECTED if s not in (S.DELETED,)])
def test_token_pages_stay_open_and_sign_in_pages_bounce(app: Any, state: S) -> None:
    resolution = facts(state)
    with app.test_request_context():
        for path in ("/verify-email", "/verify-email/tok", "/password/reset/tok", "/auth/x"):
            assert decide(resolution, path) is None, (state, path)
        for path in ("/login", "/signup", "/password/forgot"):
            assert decide(resolution, path) is not None, (state, path)


def test_legal_screen_replaces_the_app(app: Any) -> None:
    for flags in ({"must_accept_legal": True}, {"legal_blocked": True}):
        resolution = Resolution(S.ORG_MEMBER_ACTIVE, account_type="ORG", organization_id="o",
                                org_role="MEMBER", workspace_id="w", **flags)
        with app.test_request_context():
            assert decide(resolution, "/") == "/legal"
            assert decide(resolution, "/w/x") == "/legal"
            assert decide(resolution, "/account/sessions") == "/legal"
            assert decide(resolution, "/legal") is None
            assert decide(resolution, "/logout") is None


def test_owner_in_onboarding_reaches_the_workspace_step(app: Any) -> None:
    resolution = Resolution(S.ORG_OWNER_NO_WORKSPACE, account_type="ORG", organization_id="o",
                            org_role="OWNER", onboarding_in_progress=True)
    with app.test_request_context():
        assert decide(resolution, "/onboarding") is None
        assert decide(resolution, "/") == "/onboarding"
        assert decide(resolution, "/w/x") == "/onboarding"


def test_groups() -> None:
    assert group_of("/") is G.HOME
    assert group_of("/w/abc/settings") is G.WORKSPACES
    assert group_of("/workspaces/new") is G.WORKSPACES
    assert group_of("/welcome") is G.WELCOME
    assert group_of("/welcome/workspace") is G.WELCOME
    assert group_of("/wsx") is G.OTHER
    assert group_of("/organization/members") is G.ORGANIZATION
    assert group_of("/account/profile") is G.PROFILE
    assert group_of("/accounting") is G.OTHER
    assert group_of("/auth/first-login") is G.PUBLIC
    assert group_of("/static/x.css") is G.ALWAYS


# -- the guard on real requests ------------------------------------------------------------
def test_guard_redirects_a_pending_account_to_onboarding(client: Any, store: Any) -> None:
    make_user(store)
    sign_in(client)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/onboarding"
    hx = client.get("/", headers={"HX-Request": "true"})
    assert hx.status_code == 200 and hx.headers["HX-Redirect"] == "/onboarding"
    assert client.get("/account/sessions").status_code == 200
    assert client.get("/login").headers["Location"] in ("/", "/onboarding")
    assert client.get("/healthz").status_code in (200, 503)


def test_guard_lets_an_active_member_in_and_keeps_them_off_onboarding(client: Any,
                                                                       store: Any) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, "MEMBER")
    ws = make_workspace(store, user, org=org, role="WS_EDITOR")
    sign_in(client)
    assert client.get("/").status_code == 200
    assert client.get("/onboarding").headers["Location"] == "/"
    assert client.get("/welcome").headers["Location"] == "/"
    assert client.get(f"/w/{ws['$id']}").status_code != 302


def test_member_without_workspace_lands_on_welcome(client: Any, store: Any) -> None:
    user = make_user(store)
    add_member(store, make_org(store), user, "MEMBER")
    sign_in(client)
    assert client.get("/").headers["Location"] == "/welcome"
    assert client.get("/workspaces/new").headers["Location"] == "/welcome"
    page = client.get("/welcome")
    assert page.status_code == 200
    assert "add you to one" in page.get_data(as_text=True)


def test_deleted_user_is_signed_out(client: Any, store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    sign_in(client)
    store.update("users", user["$id"], {"deleted_at": store.get("users", user["$id"])[
        "$createdAt"]})
    response = client.get("/account/sessions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    again = client.get("/account/sessions")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
