"""Personal → organization conversion: moves the workspaces, records the billing boundary,
one way and idempotent, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from lifecycle.world import fresh, join, make_user, make_workspace, post, sign_in

from webapp.audit import Acting
from webapp.features.account.conversion import convert_to_organization
from webapp.features.account.errors import FieldErrors, Refused
from webapp.identity.lifecycle import LifecycleState, compute
from webapp.storage.query import Query

S = LifecycleState


def test_convert_through_the_page(client: Any, store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    ws = make_workspace(store, user, role="OWNER")
    friend = make_user(store, "friend@example.com", account_type="PERSONAL")
    join(store, ws, friend)
    sign_in(client)
    page = client.get("/account/convert").get_data(as_text=True)
    assert "Upgrade to an organization" in page and "This is one way" in page

    bad = post(client, "/account/convert", {"name": "X"}, page="/account/convert")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Use at least 2 characters." in html and "Confirm that you understand" in html
    assert store.count("organizations") == 0

    before = datetime.now(UTC)
    ok = post(client, "/account/convert", {"name": "Lovelace Ltd", "size": "1-10",
                                          "confirm": "y", "accept_legal": "y"},
              page="/account/convert")
    assert ok.status_code == 303
    org = store.first("organizations")
    assert org["name"] == "Lovelace Ltd" and org["billing_start_at"] >= before
    assert org["legal_version"] == "v1"
    moved = store.get("workspaces", ws["$id"])
    assert moved["organization_id"] == org["$id"] and moved["billing_scope"] == "organization"
    assert moved["account_type"] == "organization" and moved["is_default"] is True
    assert moved["invite_code"] is None
    user = fresh(store, user)
    assert user["account_type"] == "ORG" and user["primary_organization_id"] == org["$id"]
    member = store.first("organization_members", [Query.equal("user_id", user["$id"])])
    assert member["role"] == "OWNER" and member["status"] == "ACTIVE"
    owner_ws = store.first("workspace_members", [Query.equal("user_id", user["$id"])])
    assert owner_ws["org_member_id"] == member["$id"]
    assert compute(store, user).state is S.ORG_OWNER_ACTIVE
    [row] = store.list("audit_logs", [Query.equal("action", "account_converted")])
    assert row["metadata"]["workspace_ids"] == [ws["$id"]]
    assert client.get("/").status_code == 200


def test_conversion_is_one_way_and_idempotent(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    first = make_workspace(store, user, name="First", role="OWNER")
    acting = Acting.of(user)
    org = convert_to_organization(store, acting, user["$id"], name="Acme", confirm=True,
                                  accept_legal=True)
    again = convert_to_organization(store, acting, user["$id"], name="Other", confirm=True,
                                    accept_legal=True)
    assert again["$id"] == org["$id"] and store.count("organizations") == 1
    assert store.count("audit_logs", [Query.equal("action", "account_converted")]) == 1
    assert store.get("workspaces", first["$id"])["organization_id"] == org["$id"]
    assert fresh(store, user)["account_type"] == "ORG"  # there is no way back


def test_only_personal_accounts_convert(store: Any) -> None:
    pending = make_user(store)
    with pytest.raises(Refused) as exc:
        convert_to_organization(store, Acting.of(pending), pending["$id"], name="Acme",
                                confirm=True, accept_legal=True)
    assert exc.value.code == "NOT_PERSONAL"
    assert store.count("organizations") == 0


def test_a_failure_writes_nothing(store: Any, monkeypatch: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    ws = make_workspace(store, user, role="OWNER")
    from webapp.features.account import conversion

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit store is down")

    monkeypatch.setattr(conversion, "record", broken)
    with pytest.raises(RuntimeError):
        convert_to_organization(store, Acting.of(user), user["$id"], name="Acme", confirm=True,
                                accept_legal=True)
    assert store.count("organizations") == 0 and store.count("organization_members") == 0
    assert store.get("workspaces", ws["$id"])["organization_id"] is None
    assert fresh(store, user)["account_type"] == "PERSONAL"


def test_field_errors_without_confirmation(store: Any) -> None:
    user = make_user(store, account_type="PERSONAL")
    with pytest.raises(FieldErrors) as exc:
        convert_to_organization(store, Acting.of(user), user["$id"], name="Acme",
                                confirm=False, accept_legal=False)
    assert set(exc.value.errors) == {"confirm", "accept_legal"}
