"""The legal gate: personal acceptance, owners/admins accepting for the organization, and
members held on the waiting screen until management accepts."""

from __future__ import annotations

from typing import Any

import pytest
from lifecycle.world import (
    add_member,
    fresh,
    make_org,
    make_user,
    make_workspace,
    post,
    sign_in,
)

from webapp.audit import Acting
from webapp.features.account.errors import FieldErrors
from webapp.features.account.legal import accept_legal
from webapp.identity.lifecycle import CACHE_PREFIX, compute, resolve
from webapp.storage.query import Query


@pytest.fixture
def world(store: Any) -> dict[str, Any]:
    owner = make_user(store, "owner@example.com", name="Olive Owner")
    member = make_user(store, "member@example.com", name="Max Member")
    org = make_org(store, owner, name="Initech", legal_version=None)
    add_member(store, org, owner, "OWNER")
    add_member(store, org, member, "MEMBER")
    make_workspace(store, owner, org=org)
    make_workspace(store, member, org=org, name="Other")
    return {"owner": owner, "member": member, "org": org}


def test_member_is_held_until_the_owner_accepts_for_the_org(app: Any, store: Any,
                                                             world: dict[str, Any],
                                                             redis_conn: Any) -> None:
    member_client, owner_client = app.test_client(), app.test_client()
    sign_in(member_client, "member@example.com")
    assert member_client.get("/").headers["Location"] == "/legal"
    held = member_client.get("/legal")
    assert held.status_code == 200
    html = held.get_data(as_text=True)
    assert "Waiting for your organization" in html and "Initech" in html
    assert "Accept and continue" not in html
    # the member cannot accept for the org
    post(member_client, "/legal", {"accept_terms": "y", "accept_dpa": "y", "apply_to_org": "y"},
         page="/legal")
    assert store.get("organizations", world["org"]["$id"])["legal_version"] is None
    assert member_client.get("/").headers["Location"] == "/legal"

    sign_in(owner_client, "owner@example.com")
    assert owner_client.get("/").headers["Location"] == "/legal"
    page = owner_client.get("/legal").get_data(as_text=True)
    assert "on behalf of the" in page and "Accept both on behalf of my organization" in page
    # the owner must accept for the organization
    refused = post(owner_client, "/legal", {"accept_terms": "y", "accept_dpa": "y"},
                   page="/legal")
    assert refused.status_code == 422
    assert "accept on behalf of your organization" in refused.get_data(as_text=True)
    assert store.get("organizations", world["org"]["$id"])["legal_version"] is None
    # the member's resolution is cached at this point
    assert redis_conn.exists(f"{CACHE_PREFIX}{world['member']['$id']}")
    accepted = post(owner_client, "/legal",
                    {"accept_terms": "y", "accept_dpa": "y", "apply_to_org": "y"},
                    page="/legal")
    assert accepted.status_code == 303
    org = store.get("organizations", world["org"]["$id"])
    assert org["legal_version"] == "v1" and org["legal_accepted_by"] == world["owner"]["$id"]
    owner = fresh(store, world["owner"])
    assert owner["legal_history"][-1]["organization_id"] == org["$id"]
    assert owner_client.get("/").status_code == 200
    # every member's cached resolution was dropped: the member is let in at once
    assert not redis_conn.exists(f"{CACHE_PREFIX}{world['member']['$id']}")
    assert member_client.get("/").status_code == 200
    assert member_client.get("/legal").headers["Location"] == "/"
    rows = store.list("audit_logs", [Query.equal("action", "user_accepted_legal")])
    assert {r["resource_type"] for r in rows} == {"user", "organization"}


def test_personal_acceptance(client: Any, store: Any) -> None:
    user = make_user(store, account_type="PERSONAL", accepted_terms_version="v0")
    make_workspace(store, user, role="OWNER")
    sign_in(client)
    assert client.get("/").headers["Location"] == "/legal"
    assert client.get("/account/sessions").headers["Location"] == "/legal"
    missing = post(client, "/legal", {"accept_terms": "y"}, page="/legal")
    assert missing.status_code == 422
    assert "Accept the Data Processing Agreement" in missing.get_data(as_text=True)
    assert fresh(store, user)["accepted_terms_version"] == "v0"
    ok = post(client, "/legal", {"accept_terms": "y", "accept_dpa": "y"}, page="/legal")
    assert ok.status_code == 303
    user = fresh(store, user)
    assert user["accepted_terms_version"] == "v1" and user["accepted_dpa_version"] == "v1"
    assert user["legal_history"][-1]["version"] == "v1"
    assert client.get("/").status_code == 200


def test_service_refuses_incomplete_acceptance(store: Any, world: dict[str, Any]) -> None:
    owner = world["owner"]
    with pytest.raises(FieldErrors) as exc:
        accept_legal(store, Acting.of(owner), owner["$id"], accept_terms=True, accept_dpa=False,
                     apply_to_org=False)
    assert set(exc.value.errors) == {"accept_dpa", "apply_to_org"}
    assert compute(store, fresh(store, owner)).must_accept_legal


def test_admin_may_accept_for_the_org(store: Any, world: dict[str, Any],
                                      redis_conn: Any) -> None:
    admin = make_user(store, "admin@example.com")
    add_member(store, world["org"], admin, "ADMIN")
    resolve(store, fresh(store, world["member"]), redis=redis_conn)
    status = accept_legal(store, Acting.of(admin), admin["$id"], accept_terms=True,
                          accept_dpa=True, apply_to_org=True)
    assert not status.must_accept and not status.org_must_accept
    assert not compute(store, fresh(store, world["member"])).needs_legal
