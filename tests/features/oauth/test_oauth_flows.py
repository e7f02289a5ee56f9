"""Sign in with Google (OIDC) and GitHub through Authlib, against the local provider double."""

from __future__ import annotations

from typing import Any

import pyotp
from identity.conftest import PASSWORD, csrf_from, login, make_user
from oauth_helpers import provider_round_trip, query_of

from webapp.features.security import service as twofa
from webapp.identity.tokens import utcnow


def signed_in_ids(store: Any) -> set[Any]:
    return {r["user_id"] for r in store.list("sessions").documents if r["user_id"]}


def actions(store: Any) -> list[str]:
    return [r["action"] for r in store.list("audit_logs").documents]


def complete_signup(client: Any, **data: Any) -> Any:
    page = client.get("/auth/oauth/complete")
    assert page.status_code == 200
    return client.post("/auth/oauth/complete", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), **data})


def test_buttons_show_only_configured_providers(client: Any) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "Continue with Google" in html and "Continue with GitHub" in html
    assert "Continue with Google" in client.get("/signup").get_data(as_text=True)


def test_no_buttons_and_404_without_configuration(settings: Any, monkeypatch: Any) -> None:
    from webapp import create_app

    for name in ("GOOGLE_CLIENT_ID", "GITHUB_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    bare = create_app(settings)
    try:
        client = bare.test_client()
        assert "Continue with" not in client.get("/login").get_data(as_text=True)
        assert client.get("/auth/oauth/google").status_code == 404
    finally:
        bare.extensions["keel.runtime"].close()


def test_google_authorize_request_carries_state_and_nonce(client: Any) -> None:
    begin = client.get("/auth/oauth/google")
    params = query_of(begin.headers["Location"])
    assert params["client_id"] == ["keel-test-client"]
    assert params["redirect_uri"] == ["http://localhost/auth/oauth/google/callback"]
    assert params["state"] and params["nonce"]
    assert "openid" in params["scope"][0]


def test_google_new_user_accepts_terms_then_gets_a_verified_account(
    client: Any, store: Any, provider: Any
) -> None:
    provider.google_account = {"sub": "g-new", "email": "Grace@Example.com",
                               "email_verified": True, "name": "Grace Hopper"}
    back = provider_round_trip(client, "google")
    assert back.status_code == 302 and back.headers["Location"] == "/auth/oauth/complete"
    assert store.count("users") == 0
    page = client.get("/auth/oauth/complete").get_data(as_text=True)
    assert "grace@example.com" in page and 'value="Grace Hopper"' in page
    refused = complete_signup(client, name="Grace Hopper", accept_terms="y")
    assert refused.status_code == 422 and store.count("users") == 0
    done = complete_signup(client, name="Grace Hopper", accept_terms="y", accept_dpa="y")
    assert done.status_code == 302
    user = store.first("users")
    assert user["email"] == "grace@example.com" and user["password_hash"] is None
    assert user["email_verified_at"] is not None
    assert user["accepted_terms_version"] == "v1" and user["accepted_dpa_version"] == "v1"
    assert user["legal_history"][0]["via"] == "google"
    identity = store.first("identities")
    assert (identity["provider"], identity["subject"]) == ("google", "g-new")
    assert signed_in_ids(store) == {user["$id"]}
    assert {"user_accepted_legal", "auth_provider_linked"} <= set(actions(store))


def test_google_links_existing_account_by_verified_email(
    client: Any, store: Any
) -> None:
    user = make_user(store)  # ada@example.com, as the double's default account
    back = provider_round_trip(client, "google")
    assert back.status_code == 302
    assert signed_in_ids(store) == {user["$id"]}
    identity = store.first("identities")
    assert identity["user_id"] == user["$id"] and identity["subject"] == "google-1001"
    linked = [r for r in store.list("audit_logs").documents
              if r["action"] == "auth_provider_linked"]
    assert linked and linked[0]["metadata"]["how"] == "verified_email"


def test_unverified_provider_email_never_links(client: Any, store: Any,
                                               provider: Any) -> None:
    make_user(store)
    provider.google_account = {"sub": "g-evil", "email": "ada@example.com",
                               "email_verified": False, "name": "Mallory"}
    back = provider_round_trip(client, "google")
    assert back.status_code == 302 and back.headers["Location"] == "/login"
    assert store.count("identities") == 0
    assert signed_in_ids(store) == set()
    assert "already exists" in client.get("/login").get_data(as_text=True)


def test_known_identity_signs_in_again(client: Any, store: Any) -> None:
    user = make_user(store)
    provider_round_trip(client, "google")
    client.post("/logout", data={"csrf_token": csrf_from(
        client.get("/account/identities").get_data(as_text=True))})
    store.update("users", user["$id"], {"email": "renamed@example.com"})
    back = provider_round_trip(client, "google")
    assert back.status_code == 302 and signed_in_ids(store) == {user["$id"]}
    assert store.count("identities") == 1


def test_github_uses_primary_verified_email(client: Any, store: Any, provider: Any) -> None:
    user = make_user(store)
    back = provider_round_trip(client, "github")
    assert back.status_code == 302
    identity = store.first("identities")
    assert (identity["provider"], identity["subject"]) == ("github", "2002")
    assert signed_in_ids(store) == {user["$id"]}
    assert "GET /github/api/user/emails" in provider.requests


def test_github_unverified_primary_email_does_not_link(client: Any, store: Any,
                                                       provider: Any) -> None:
    make_user(store)
    provider.github_account = {
        "id": 3003, "login": "mallory", "name": "M", "email": "ada@example.com",
        "emails": [{"email": "ada@example.com", "primary": True, "verified": False}]}
    provider_round_trip(client, "github")
    assert store.count("identities") == 0 and signed_in_ids(store) == set()


def test_github_new_account_with_unverified_email_must_verify(
    client: Any, store: Any, provider: Any, settings: Any
) -> None:
    provider.github_account = {
        "id": 4004, "login": "lin", "name": None, "email": None,
        "emails": [{"email": "lin@example.com", "primary": True, "verified": False}]}
    provider_round_trip(client, "github")
    done = complete_signup(client, name="lin", accept_terms="y", accept_dpa="y")
    assert done.status_code == 302
    user = store.first("users")
    assert user["email_verified_at"] is None
    from identity.conftest import outbox_messages

    assert outbox_messages(settings)[-1]["To"] == "lin@example.com"


def test_denied_authorization(client: Any, store: Any, provider: Any) -> None:
    provider.deny_next = True
    back = provider_round_trip(client, "google")
    assert back.status_code == 302 and back.headers["Location"] == "/login"
    assert "cancelled" in client.get("/login").get_data(as_text=True)
    assert store.count("users") == 0


def test_forged_state_is_refused(client: Any, store: Any) -> None:
    client.get("/auth/oauth/google")
    back = client.get("/auth/oauth/google/callback?code=whatever&state=forged")
    assert back.status_code == 302 and back.headers["Location"] == "/login"
    assert signed_in_ids(store) == set()


def test_oauth_sign_in_still_asks_for_the_second_factor(client: Any, store: Any,
                                                        app: Any) -> None:
    user = make_user(store)
    key = app.config["SECRET_KEY"]
    twofa.begin_totp_setup(store, key, user)
    secret = twofa.totp_secret(key, store.get("users", user["$id"]))
    from webapp.audit import Acting

    twofa.enable_totp(store, Acting.of(user), key, user["$id"], pyotp.TOTP(secret or "").now())
    back = provider_round_trip(client, "google")
    assert back.headers["Location"].startswith("/auth/2fa")
    assert signed_in_ids(store) == set()


def test_link_and_unlink_from_the_account_page(client: Any, store: Any) -> None:
    user = make_user(store)
    login(client)
    page = client.get("/account/identities").get_data(as_text=True)
    assert "Link Google" in page and "Link GitHub" in page
    back = provider_round_trip(client, "github", start="/auth/oauth/github")
    assert back.headers["Location"] == "/account/identities"
    identity = store.first("identities")
    assert identity["user_id"] == user["$id"]
    page = client.get("/account/identities").get_data(as_text=True)
    assert "Link GitHub" not in page
    removed = client.post(f"/account/identities/{identity['$id']}/unlink",
                          data={"csrf_token": csrf_from(page)})
    assert removed.status_code == 302 and store.count("identities") == 0
    assert "auth_provider_unlinked" in actions(store)


def test_unlinking_the_last_sign_in_method_is_refused(client: Any, store: Any) -> None:
    provider_round_trip(client, "google")
    complete_signup(client, name="Ada", accept_terms="y", accept_dpa="y")
    identity = store.first("identities")
    page = client.get("/account/identities").get_data(as_text=True)
    assert "Your only way to sign in" in page
    refused = client.post(f"/account/identities/{identity['$id']}/unlink",
                          data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 409
    assert "only way to sign in" in refused.get_data(as_text=True)
    assert store.count("identities") == 1


def test_someone_elses_identity_cannot_be_unlinked(client: Any, store: Any) -> None:
    other = make_user(store, "bob@example.com")
    identity = store.create("identities", {"user_id": other["$id"], "provider": "google",
                                           "subject": "g-bob", "linked_at": utcnow()})
    make_user(store)
    login(client)
    page = client.get("/account/identities").get_data(as_text=True)
    response = client.post(f"/account/identities/{identity['$id']}/unlink",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404 and store.count("identities") == 1


def test_linking_an_identity_owned_by_another_account_is_refused(client: Any,
                                                                 store: Any) -> None:
    other = make_user(store, "bob@example.com")
    store.create("identities", {"user_id": other["$id"], "provider": "google",
                                "subject": "google-1001", "linked_at": utcnow()})
    make_user(store)
    login(client, "ada@example.com", PASSWORD)
    provider_round_trip(client, "google")
    page = client.get("/account/identities").get_data(as_text=True)
    assert "already linked to another Keel account" in page
    assert store.count("identities") == 1
