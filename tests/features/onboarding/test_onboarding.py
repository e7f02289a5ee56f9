"""Onboarding through the pages: account type → organization → first workspace or skip,
locked steps, the personal path and its one-workspace limit, /welcome."""

from __future__ import annotations

import io
from typing import Any

from lifecycle.world import add_member, fresh, make_org, make_user, post, sign_in

from webapp.audit import Acting
from webapp.features.account.errors import Refused
from webapp.features.onboarding import service
from webapp.identity.lifecycle import LifecycleState, compute
from webapp.storage.query import Query

S = LifecycleState
ONB = "/onboarding"


def _state(store: Any, user: dict[str, Any]) -> S:
    return compute(store, fresh(store, user)).state


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#4338ca").save(out, format="PNG")
    return out.getvalue()


def test_organization_path_with_skip(client: Any, store: Any, runtime: Any) -> None:
    user = make_user(store)
    sign_in(client)
    page = client.get(ONB).get_data(as_text=True)
    assert "How will you use Keel?" in page and 'value="ORG"' in page
    response = post(client, "/onboarding/account-type", {"account_type": "ORG"}, page=ONB)
    assert response.status_code == 303 and response.headers["Location"] == ONB
    assert fresh(store, user)["account_type"] == "ORG"
    assert _state(store, user) is S.ORG_OWNER_ONBOARDING
    assert "Your organization" in client.get(ONB).get_data(as_text=True)

    # bad details: nothing written, messages at the fields
    bad = post(client, "/onboarding/organization", {"name": "A", "size": "9-9"}, page=ONB)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Use at least 2 characters." in html and "on behalf of the organization" in html
    assert store.count("organizations") == 0

    good = post(client, "/onboarding/organization",
                {"name": "Acme Labs", "size": "11-50", "accept_legal": "y",
                 "logo": (io.BytesIO(_png()), "logo.png")},
                page=ONB, content_type="multipart/form-data")
    assert good.status_code == 303, good.get_data(as_text=True)[:2000]
    org = store.first("organizations")
    assert org["name"] == "Acme Labs" and org["size"] == "11-50"
    assert org["legal_version"] == "v1" and org["legal_accepted_by"] == user["$id"]
    assert org["logo_file_id"] and runtime.files.exists("images", org["logo_file_id"])
    member = store.first("organization_members")
    assert member["role"] == "OWNER" and member["user_id"] == user["$id"]
    assert _state(store, user) is S.ORG_OWNER_NO_WORKSPACE
    # still onboarding: home sends the owner back to the workspace step
    assert client.get("/").headers["Location"] == ONB
    page = client.get(ONB).get_data(as_text=True)
    assert "Create your first workspace" in page and "Skip for now" in page

    # earlier steps are locked
    again = post(client, "/onboarding/account-type", {"account_type": "PERSONAL"}, page=ONB)
    assert again.status_code == 409
    assert "already done" in again.get_data(as_text=True)
    assert fresh(store, user)["account_type"] == "ORG"
    twice = post(client, "/onboarding/organization", {"name": "Other", "accept_legal": "y"},
                 page=ONB)
    assert twice.status_code == 409 and store.count("organizations") == 1

    skipped = post(client, "/onboarding/skip", page=ONB)
    assert skipped.status_code == 303 and skipped.headers["Location"] == "/welcome"
    assert client.get("/").headers["Location"] == "/welcome"
    assert client.get(ONB).headers["Location"] == "/welcome"  # onboarding is over
    welcome = client.get("/welcome").get_data(as_text=True)
    assert "Welcome to Acme Labs" in welcome and "Create a workspace" in welcome

    # the owner creates the first workspace from /welcome
    created = post(client, "/welcome/workspace", {"name": "Product"}, page="/welcome")
    assert created.status_code == 303
    ws = store.first("workspaces")
    assert ws["organization_id"] == org["$id"] and ws["account_type"] == "organization"
    assert _state(store, user) is S.ORG_OWNER_ACTIVE
    assert client.get("/welcome").headers["Location"] == "/"


def test_organization_path_with_a_workspace(client: Any, store: Any) -> None:
    user = make_user(store)
    sign_in(client)
    post(client, "/onboarding/account-type", {"account_type": "ORG"}, page=ONB)
    post(client, "/onboarding/organization", {"name": "Acme", "accept_legal": "y"}, page=ONB)
    empty = post(client, "/onboarding/workspace", {"name": ""}, page=ONB)
    assert empty.status_code == 422 and store.count("workspaces") == 0
    response = post(client, "/onboarding/workspace", {"name": "Engineering"}, page=ONB)
    assert response.status_code == 303
    ws = store.first("workspaces")
    assert response.headers["Location"].endswith(ws["$id"])
    assert _state(store, user) is S.ORG_OWNER_ACTIVE
    assert fresh(store, user)["onboarding_step"] == "done"
    assert client.get(ONB).status_code == 302


def test_personal_path(client: Any, store: Any) -> None:
    user = make_user(store)
    sign_in(client)
    post(client, "/onboarding/account-type", {"account_type": "PERSONAL"}, page=ONB)
    assert _state(store, user) is S.PERSONAL_ONBOARDING
    page = client.get(ONB).get_data(as_text=True)
    assert "Create your first workspace" in page and "Skip for now" not in page
    assert post(client, "/onboarding/skip", page=ONB).status_code == 409
    assert client.get("/organization").headers["Location"] == ONB
    response = post(client, "/onboarding/workspace", {"name": "Mine"}, page=ONB)
    assert response.status_code == 303
    ws = store.first("workspaces")
    assert ws["account_type"] == "personal" and ws["organization_id"] is None
    assert _state(store, user) is S.PERSONAL_ACTIVE
    assert client.get("/").status_code == 200
    assert client.get(ONB).headers["Location"] == "/"


def test_personal_second_workspace_is_refused_with_the_upgrade_message(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    acting = Acting.of(user)
    service.create_first_workspace(store, acting, user["$id"], "First")
    try:
        service.create_first_workspace(store, acting, user["$id"], "Second")
    except Refused as exc:
        assert exc.code == "PERSONAL_LIMIT" and exc.status == 403
        assert exc.message == ("Personal accounts can only have one workspace. Upgrade to "
                               "Organization to create more.")
    else:
        raise AssertionError("a second personal workspace was created")
    assert store.count("workspaces") == 1


def test_unhappy_account_type(client: Any, store: Any) -> None:
    user = make_user(store)
    sign_in(client)
    response = post(client, "/onboarding/account-type", {"account_type": "TEAM"}, page=ONB)
    assert response.status_code == 422
    assert "Choose Personal or Organization." in response.get_data(as_text=True)
    assert fresh(store, user)["account_type"] is None
    no_csrf = client.post("/onboarding/account-type", data={"account_type": "ORG"})
    assert no_csrf.status_code == 400
    assert fresh(store, user)["account_type"] is None


def test_steps_refuse_the_wrong_state_in_the_service(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    acting = Acting.of(user)
    for call in (
        lambda: service.choose_account_type(store, acting, user["$id"], "ORG"),
        lambda: service.create_org(store, acting, user["$id"], name="Acme", size=None,
                                   accept_legal=True),
        lambda: service.skip_workspace(store, acting, user["$id"]),
    ):
        try:
            call()
        except Refused as exc:
            assert exc.code == "STEP_LOCKED"
        else:
            raise AssertionError("a locked step was taken")


def test_welcome_for_a_member_has_no_create_form(client: Any, store: Any) -> None:
    user = make_user(store)
    add_member(store, make_org(store, name="Globex"), user, "ADMIN")
    sign_in(client)
    page = client.get("/welcome").get_data(as_text=True)
    assert "Welcome to Globex" in page and "Create a workspace" not in page
    refused = post(client, "/welcome/workspace", {"name": "X"}, page="/welcome")
    assert refused.status_code == 403 and store.count("workspaces") == 0
    assert store.count("audit_logs", [Query.equal("action", "workspace_created")]) == 0
