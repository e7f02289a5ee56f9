"""Account deletion: password confirmation, the last-owner block, the soft delete."""

from __future__ import annotations

from typing import Any

from lifecycle.world import (
    PASSWORD,
    add_member,
    fresh,
    make_org,
    make_user,
    make_workspace,
    post,
    sign_in,
)

from webapp.storage.query import Query


def test_last_owner_is_refused(client: Any, store: Any) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, "OWNER")
    make_workspace(store, user, org=org)
    sign_in(client)
    page = client.get("/account/delete")
    assert page.status_code == 200 and "Delete my account" in page.get_data(as_text=True)
    response = post(client, "/account/delete", {"password": PASSWORD}, page="/account/delete")
    assert response.status_code == 403
    assert "last owner of an organization" in response.get_data(as_text=True)
    assert fresh(store, user)["status"] == "active"
    [row] = store.list("audit_logs", [Query.equal("action", "account_delete_attempt_blocked")])
    assert row["organization_id"] == org["$id"]
    assert row["metadata"]["reason"] == "LAST_OWNER_BLOCK"
    assert client.get("/").status_code == 200  # still signed in


def test_wrong_password_changes_nothing(client: Any, store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    sign_in(client)
    response = post(client, "/account/delete", {"password": "nope"}, page="/account/delete")
    assert response.status_code == 422
    assert "That isn&#39;t your password." in response.get_data(as_text=True)
    assert fresh(store, user)["status"] == "active"


def test_delete_with_another_owner(client: Any, store: Any, app: Any) -> None:
    user = make_user(store)
    other = make_user(store, "other@example.com")
    org = make_org(store, user, member_count=2)
    add_member(store, org, user, "OWNER")
    add_member(store, org, other, "OWNER")
    ws = make_workspace(store, user, org=org)
    sign_in(client)
    elsewhere = app.test_client()
    sign_in(elsewhere)
    response = post(client, "/account/delete", {"password": PASSWORD}, page="/account/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    gone = fresh(store, user)
    assert gone["status"] == "deleted" and gone["deleted_at"] is not None
    assert gone["email"].endswith("@deleted.keel.invalid") and gone["password_hash"] is None
    assert gone["name"] == "Deleted user"
    assert store.count("sessions", [Query.equal("user_id", user["$id"])]) == 0
    assert store.count("organization_members", [Query.equal("user_id", user["$id"])]) == 0
    assert store.get("organizations", org["$id"])["member_count"] == 1
    row = store.first("workspace_members", [Query.equal("workspace_id", ws["$id"])])
    assert row["status"] == "DELETED"
    assert store.count("audit_logs", [Query.equal("action", "account_deleted")]) == 1
    # every session is gone, and the address can be used again
    assert elsewhere.get("/account/sessions").headers["Location"].startswith("/login")
    make_user(store, "ada@example.com", name="Ada Again")


def test_an_org_in_its_grace_period_does_not_block(client: Any, store: Any) -> None:
    from lifecycle.world import now

    user = make_user(store, account_type="PERSONAL")
    org = make_org(store, user, deleted_at=now())
    store.create("organization_members", {"organization_id": org["$id"], "user_id": user["$id"],
                                          "role": "OWNER", "status": "ACTIVE"})
    sign_in(client)
    response = post(client, "/account/delete", {"password": PASSWORD}, page="/account/delete")
    assert response.status_code == 303
    assert fresh(store, user)["status"] == "deleted"
