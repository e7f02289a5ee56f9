"""Sign-up: happy path, and every way it refuses (422, message at the field, nothing written)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PASSWORD, make_user, outbox_messages, submit

GOOD = {
    "name": "Grace Hopper",
    "email": "Grace@Example.com",
    "password": PASSWORD,
    "accept_terms": "y",
    "accept_dpa": "y",
}


def test_signup_page_renders(client: Any) -> None:
    page = client.get("/signup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("name", "email", "password", "accept_terms", "accept_dpa", "csrf_token"):
        assert f'name="{name}"' in html


def test_signup_creates_unverified_user_signs_in_and_mails(
    client: Any, store: Any, settings: Any
) -> None:
    response = submit(client, "/signup", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify-email"

    user = store.first("users")
    assert user["email"] == "grace@example.com"
    assert user["name"] == "Grace Hopper"
    assert user["email_verified_at"] is None
    assert user["accepted_terms_version"] == "v1" and user["accepted_terms_at"] is not None
    assert user["accepted_dpa_version"] == "v1" and user["accepted_dpa_at"] is not None
    assert user["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in user["password_hash"]

    inbox = client.get("/verify-email")
    assert inbox.status_code == 200
    html = inbox.get_data(as_text=True)
    assert "Check your inbox" in html
    assert "grace@example.com" in html
    assert 'id="identity-verify-status"' in html

    mails = outbox_messages(settings)
    assert len(mails) == 1
    assert "grace@example.com" in mails[0]["To"]
    assert store.count("tokens") == 1


def test_duplicate_email_is_refused_case_insensitively(client: Any, store: Any) -> None:
    make_user(store, "grace@example.com")
    response = submit(client, "/signup", {**GOOD, "email": "GRACE@example.COM"})
    assert response.status_code == 422
    assert "This email is already registered." in response.get_data(as_text=True)
    assert store.count("users") == 1
    assert store.count("sessions") == 1  # only the anonymous row holding the CSRF token


def test_duplicate_relies_on_unique_index(store: Any) -> None:
    from webapp.identity import service
    from webapp.identity.errors import FieldErrors

    make_user(store, "grace@example.com")
    with pytest.raises(FieldErrors) as exc:
        service.signup(store, name="G", email="grace@EXAMPLE.com", password=PASSWORD,
                       accept_terms=True, accept_dpa=True)
    assert exc.value.errors == {"email": "This email is already registered."}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"accept_terms": None}, "accept_terms", "Accept the Terms of Service"),
        ({"accept_dpa": None}, "accept_dpa", "Accept the Data Processing Agreement"),
        ({"password": "short"}, "password", "Use at least 8 characters."),
        ({"password": "x" * 129}, "password", "Use at most 128 characters."),
        ({"password": "GRACE@example.com"}, "password", "can&#39;t be your email address"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"name": "  "}, "name", "Enter your name."),
    ],
)
def test_bad_input_is_refused_at_the_field(
    client: Any, store: Any, settings: Any, change: dict[str, Any], field: str, message: str
) -> None:
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = submit(client, "/signup", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert store.count("users") == 0
    assert store.count("tokens") == 0
    assert outbox_messages(settings) == []


def test_password_equal_to_local_part_is_refused(client: Any, store: Any) -> None:
    response = submit(client, "/signup", {**GOOD, "email": "longlocalpart@example.com",
                                          "password": "LongLocalPart"})
    assert response.status_code == 422
    assert "can&#39;t be your email address" in response.get_data(as_text=True)
    assert store.count("users") == 0


def test_signed_in_user_is_sent_away_from_signup(client: Any, store: Any) -> None:
    from .conftest import login

    make_user(store)
    login(client)
    response = client.get("/signup")
    assert response.status_code == 302
