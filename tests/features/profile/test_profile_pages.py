"""Profile: details, avatar upload (resized, metadata stripped, permission-checked) and the
e-mail change with re-verification."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from identity.conftest import PASSWORD, csrf_from, login, make_user, outbox_messages, text_of
from PIL import Image

from webapp.audit import Acting
from webapp.features.profile import service
from webapp.identity.tokens import utcnow


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store


@pytest.fixture
def user(store: Any) -> dict[str, Any]:
    return make_user(store)


@pytest.fixture
def signed_in(client: Any, user: dict[str, Any]) -> Any:
    assert login(client).status_code == 302
    return client


def token(client: Any) -> str:
    return csrf_from(client.get("/account/profile").get_data(as_text=True))


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x0112] = 6  # orientation: rotate
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


PROFILE = {"name": "Ada King", "phone": "+44 20 7946 0958", "job_role": "Engineer",
           "designation": "Lead", "working_domain": "Backend", "tools": "Python, Rust",
           "linkedin_url": "https://www.linkedin.com/in/ada", "portfolio_url": "https://ada.dev",
           "time_zone": "Europe/London"}


def test_profile_saves_and_audits(signed_in: Any, store: Any, user: dict[str, Any]) -> None:
    response = signed_in.post("/account/profile", data={"csrf_token": token(signed_in),
                                                        **PROFILE})
    assert response.status_code == 302
    fresh = store.get("users", user["$id"])
    assert {k: fresh[k] for k in PROFILE} == PROFILE
    row = store.first("audit_logs")
    assert row["action"] == "profile_updated" and row["changes"]["name"] == ["Ada Lovelace",
                                                                             "Ada King"]
    page = signed_in.get("/account/profile").get_data(as_text=True)
    assert 'value="Ada King"' in page and '<option selected value="Europe/London">' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("linkedin_url", "https://evil.example/in/ada", "LinkedIn profile address"),
    ("linkedin_url", "javascript:alert(1)", "full web address"),
    ("portfolio_url", "ada.dev", "full web address"),
    ("phone", "call me maybe", "phone number"),
    ("time_zone", "Mars/Olympus", "time zone from the list"),
    ("name", "", "Enter your name"),
])
def test_bad_profile_values_are_refused(signed_in: Any, store: Any, user: dict[str, Any],
                                        field: str, value: str, message: str) -> None:
    data = {**PROFILE, field: value}
    response = signed_in.post("/account/profile", data={"csrf_token": token(signed_in), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["name"] == "Ada Lovelace"


def test_avatar_is_resized_stripped_and_served(signed_in: Any, store: Any, runtime: Any,
                                               user: dict[str, Any]) -> None:
    response = signed_in.post("/account/profile/avatar", data={
        "csrf_token": token(signed_in),
        "avatar": (io.BytesIO(image_bytes(exif=True)), "me.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    file_id = store.get("users", user["$id"])["avatar_file_id"]
    served = signed_in.get(f"/account/avatar/{user['$id']}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert "private" in served.headers["Cache-Control"] and served.headers["ETag"]
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (256, 256) and not image.getexif() and "exif" not in image.info
    again = signed_in.get(f"/account/avatar/{user['$id']}",
                          headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    # a second upload replaces (and deletes) the first file
    signed_in.post("/account/profile/avatar", data={
        "csrf_token": token(signed_in),
        "avatar": (io.BytesIO(image_bytes("PNG")), "me.png", "image/png")},
        content_type="multipart/form-data")
    assert not runtime.files.exists("images", file_id)


@pytest.mark.parametrize(("payload", "message"), [
    (b"%PDF-1.4 not an image", "isn&#39;t an image"),
    (b"GIF89a" + b"\x00" * 20, "isn&#39;t an image"),
    (b"", "Choose an image"),
])
def test_non_images_are_refused(signed_in: Any, store: Any, user: dict[str, Any],
                                payload: bytes, message: str) -> None:
    response = signed_in.post("/account/profile/avatar", data={
        "csrf_token": token(signed_in), "avatar": (io.BytesIO(payload), "x.png", "image/png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["avatar_file_id"] is None


def test_oversize_avatar_is_refused(signed_in: Any, store: Any, user: dict[str, Any]) -> None:
    big = image_bytes("PNG", (10, 10)) + b"\x00" * (5 * 1024 * 1024)
    response = signed_in.post("/account/profile/avatar", data={
        "csrf_token": token(signed_in), "avatar": (io.BytesIO(big), "big.png", "image/png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "at most 5 MB" in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["avatar_file_id"] is None


def test_avatar_visible_only_to_people_who_share_an_org(
    client: Any, store: Any, runtime: Any
) -> None:
    owner = make_user(store, "owner@example.com")
    service.set_avatar(store, runtime.files, Acting.of(owner), owner["$id"], image_bytes())
    stranger = make_user(store, "stranger@example.com")
    login(client, "stranger@example.com")
    assert client.get(f"/account/avatar/{owner['$id']}").status_code == 404
    org = store.create("organizations", {"name": "Acme", "owner_id": owner["$id"]})
    for member in (owner, stranger):
        store.create("organization_members", {"organization_id": org["$id"],
                                              "user_id": member["$id"], "role": "MEMBER"})
    assert client.get(f"/account/avatar/{owner['$id']}").status_code == 200


def test_anonymous_cannot_fetch_avatars(client: Any, user: dict[str, Any]) -> None:
    assert client.get(f"/account/avatar/{user['$id']}").status_code == 302


def request_change(client: Any, new_email: str, password: str = PASSWORD) -> Any:
    return client.post("/account/profile/email", data={
        "csrf_token": token(client), "new_email": new_email, "password": password})


def change_link(settings: Any) -> str:
    import re

    message = outbox_messages(settings)[-1]
    match = re.search(r"http://localhost(/auth/email-change/[A-Za-z0-9_\-]+)", text_of(message))
    assert match
    return match.group(1)


def test_email_changes_only_when_the_link_is_opened(
    signed_in: Any, store: Any, user: dict[str, Any], settings: Any
) -> None:
    assert request_change(signed_in, "Ada.New@Example.com").status_code == 302
    fresh = store.get("users", user["$id"])
    assert fresh["email"] == "ada@example.com" and fresh["pending_email"] == "ada.new@example.com"
    assert outbox_messages(settings)[-1]["To"] == "ada.new@example.com"
    link = change_link(settings)
    opened = signed_in.get(link)
    assert opened.status_code == 302
    fresh = store.get("users", user["$id"])
    assert fresh["email"] == "ada.new@example.com" and fresh["pending_email"] is None
    assert "email_changed" in [r["action"] for r in store.list("audit_logs").documents]
    assert signed_in.get(link).status_code == 410  # single use


def test_email_change_refuses_a_taken_address(signed_in: Any, store: Any,
                                              user: dict[str, Any]) -> None:
    make_user(store, "taken@example.com")
    response = request_change(signed_in, "taken@example.com")
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert store.get("users", user["$id"])["pending_email"] is None


def test_email_change_needs_the_password(signed_in: Any, store: Any,
                                         user: dict[str, Any]) -> None:
    response = request_change(signed_in, "new@example.com", password="wrong password")
    assert response.status_code == 422
    assert store.get("users", user["$id"])["pending_email"] is None


def test_address_taken_before_the_link_is_opened(
    signed_in: Any, store: Any, user: dict[str, Any], settings: Any
) -> None:
    request_change(signed_in, "race@example.com")
    link = change_link(settings)
    make_user(store, "race@example.com")
    response = signed_in.get(link)
    assert response.status_code == 409
    assert store.get("users", user["$id"])["email"] == "ada@example.com"


def test_a_newer_request_retires_the_older_link(
    signed_in: Any, store: Any, user: dict[str, Any], settings: Any
) -> None:
    request_change(signed_in, "first@example.com")
    first = change_link(settings)
    request_change(signed_in, "second@example.com")
    assert signed_in.get(first).status_code == 410
    store.update_where("tokens", [], {"expires_at": utcnow() - timedelta(seconds=1)})
    assert signed_in.get(change_link(settings)).status_code == 410
    assert store.get("users", user["$id"])["email"] == "ada@example.com"
