"""A smoke run of the whole application on the Appwrite driver, over HTTP.

The app is created with ``STORAGE_DRIVER``, ``FILES_DRIVER`` and ``MAIL_DRIVER`` set to
``appwrite``, pointed at the local Appwrite double, and driven with the Flask test client
as a person would: pages fetched, CSRF tokens scraped from them, forms posted. Grace signs
up (the verification e-mail goes out through Appwrite Messaging and she opens its link),
sets up her organization and first workspace, creates a project and its work items, moves
a card on the board as board.js does, runs into a stale edit, uploads a workspace image and
an avatar through Appwrite Storage and downloads them back through Keel, uses the table and
search, signs out and in again. Each step checks what the store (Appwrite) now holds.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from test_appwrite_cli import _settings

from webapp import create_app
from webapp.storage.appwrite import AppwriteStore
from webapp.storage.query import Query

EMAIL, NAME, PASSWORD = "grace@example.com", "Grace Hopper", "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_HX_HEADERS = re.compile(r"hx-headers='([^']+)'")
_LINK = re.compile(r"https?://[^\s\"'<>]+/verify-email/[A-Za-z0-9_\-]+")


@pytest.fixture
def smoke_app(tmp_path: Path, redis_url: str, appwrite_server: Any) -> Any:
    double = appwrite_server.double
    double.faults.clear()
    application = create_app(_settings(tmp_path, redis_url, double,
                                       BASE_URL="http://localhost"))
    yield application
    application.extensions["keel.runtime"].close()


class Browser:
    """The Flask test client plus the CSRF handling a browser session gets from the pages."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def get(self, url: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code,
                                                response.get_data(as_text=True)[:2000])
        return response

    def text(self, url: str, status: int = 200) -> str:
        return str(self.get(url, status).get_data(as_text=True))

    def submit(self, page: str, action: str, data: dict[str, Any] | None = None, *,
               status: int = 303, **kwargs: Any) -> Any:
        """GET ``page``, take the CSRF token of its forms, POST ``data`` to ``action``."""
        match = _CSRF.search(self.text(page))
        assert match, f"{page} has no csrf_token field"
        response = self.client.post(action, data={"csrf_token": match.group(1), **(data or {})},
                                    **kwargs)
        assert response.status_code == status, (action, response.status_code,
                                                response.get_data(as_text=True)[:3000])
        return response

    def htmx_post(self, page: str, action: str, data: dict[str, Any], *, trigger: str = "",
                  status: int = 200) -> Any:
        """POST as htmx does from ``page``: the CSRF token from the body's hx-headers."""
        match = _HX_HEADERS.search(self.text(page))
        assert match, f"{page} has no hx-headers with the CSRF token"
        headers = {**json.loads(unescape(match.group(1))), "HX-Request": "true",
                   "HX-Current-URL": f"http://localhost{page}"}
        if trigger:
            headers["HX-Trigger"] = trigger
        response = self.client.post(action, data=data, headers=headers)
        assert response.status_code == status, (action, response.status_code,
                                                response.get_data(as_text=True)[:3000])
        return response


def _path(response: Any) -> str:
    return urlsplit(response.headers["Location"]).path


def _png(color: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _verification_link(double: Any, address: str) -> str:
    sent = [m for m in double.messages if address in m["data"]["emails"]]
    assert len(sent) == 1, [m["data"] for m in double.messages if address in m["data"]["emails"]]
    data = sent[0]["data"]
    assert "verif" in data["subject"].lower() or "confirm" in data["subject"].lower()
    match = _LINK.search(unescape(data["content"]))
    assert match, data["content"]
    return urlsplit(match.group(0)).path


# -- the steps ---------------------------------------------------------------------------
def sign_up_and_verify(browser: Browser, store: Any, double: Any) -> dict[str, Any]:
    refused = browser.submit("/signup", "/signup", {
        "name": NAME, "email": EMAIL, "password": PASSWORD, "accept_terms": "y",
    }, status=422)
    assert "Accept the Data Processing Agreement" in refused.get_data(as_text=True)
    assert store.first("users", [Query.equal("email", EMAIL)]) is None

    made = browser.submit("/signup", "/signup", {
        "name": NAME, "email": EMAIL, "password": PASSWORD, "accept_terms": "y",
        "accept_dpa": "y",
    }, status=302)
    assert _path(made) == "/verify-email"
    user = store.first("users", [Query.equal("email", EMAIL)])
    assert user is not None and user["name"] == NAME
    assert user["accepted_terms_version"] and user["accepted_dpa_version"]
    assert user.get("email_verified_at") is None
    assert "Check your inbox" in browser.text("/verify-email")

    link = _verification_link(double, EMAIL)
    opened = browser.get(link, 302)
    assert _path(opened) == "/verify-email"
    assert store.get("users", user["$id"])["email_verified_at"] is not None
    assert "Email verified" in browser.text("/verify-email")
    browser.get(link, 410)  # a used link
    return dict(store.get("users", user["$id"]))


def onboard_organization(browser: Browser, store: Any, user: dict[str, Any]) -> dict[str, Any]:
    assert _path(browser.get("/", 302)) == "/onboarding"
    browser.submit("/onboarding", "/onboarding/account-type", {"account_type": "ORG"})
    assert store.get("users", user["$id"])["account_type"] == "ORG"

    short = browser.submit("/onboarding", "/onboarding/organization",
                           {"name": "A", "accept_legal": "y"}, status=422)
    assert "Use at least 2 characters." in short.get_data(as_text=True)
    assert store.list("organizations", []).total == 0
    browser.submit("/onboarding", "/onboarding/organization", {
        "name": "Initech", "size": "11-50", "accept_legal": "y",
        "logo": (io.BytesIO(_png((200, 30, 30))), "logo.png"),
    }, content_type="multipart/form-data")
    org = store.first("organizations", [Query.equal("owner_id", user["$id"])])
    assert org is not None and org["name"] == "Initech" and org["legal_accepted_at"]
    assert org.get("logo_file_id"), org
    owner = store.first("organization_members", [Query.equal("organization_id", org["$id"]),
                                                 Query.equal("user_id", user["$id"])])
    assert owner is not None and owner["role"] == "OWNER"

    page = browser.text("/onboarding")
    assert "Create your first workspace" in page
    made = browser.submit("/onboarding", "/onboarding/workspace", {"name": "Product"})
    workspace = store.first("workspaces", [Query.equal("organization_id", org["$id"])])
    assert workspace is not None and workspace["name"] == "Product"
    assert _path(made) == f"/w/{workspace['$id']}"
    assert "Product" in browser.text(f"/w/{workspace['$id']}")
    return dict(workspace)


def create_project(browser: Browser, store: Any, ws_id: str) -> dict[str, Any]:
    page = f"/w/{ws_id}/projects"
    bad = browser.submit(page, page, {"name": "Website", "key": "1!"}, status=422)
    assert "Key" in bad.get_data(as_text=True)
    made = browser.submit(page, page, {"name": "Website", "key": "WEB", "board_type": "KANBAN"})
    project = store.first("projects", [Query.equal("workspace_id", ws_id),
                                       Query.equal("key", "WEB")])
    assert project is not None and project["name"] == "Website"
    assert project["workflow_id"], "the project got no workflow"
    assert store.find("workflows", project["workflow_id"]) is not None
    assert _path(made) == f"/w/{ws_id}/projects/{project['$id']}/board"
    return dict(project)


def create_items(browser: Browser, store: Any, base: str, project_id: str) -> dict[str, Any]:
    made = browser.submit(f"{base}/items/new", f"{base}/items", {
        "title": "Checkout button misaligned", "type": "BUG", "priority": "HIGH",
        "description": "The **checkout** button overlaps the total on narrow screens.",
    })
    first = store.first("work_items", [Query.equal("project_id", project_id),
                                       Query.equal("key", "WEB-1")])
    assert first is not None and (first["type"], first["priority"]) == ("BUG", "HIGH")
    assert _path(made) == f"{base}/items/{first['$id']}"
    assert "Checkout button misaligned" in browser.text(_path(made))

    board = f"{base}/board"
    for title in ("Payment provider timeout", "Wishlist sharing", "Refund e-mails"):
        answer = browser.htmx_post(board, f"{board}/columns/TODO/items",
                                   {"title": title, "list": "list-TODO"})
        assert title in answer.get_data(as_text=True)
    empty = browser.htmx_post(board, f"{board}/columns/TODO/items", {"title": " "}, status=422)
    assert "Enter a title." in empty.get_data(as_text=True)
    items = {d["title"]: d for d in store.list("work_items", [
        Query.equal("project_id", project_id), Query.limit(50)]).documents}
    assert sorted(d["key"] for d in items.values()) == ["WEB-1", "WEB-2", "WEB-3", "WEB-4"]
    assert {d["status"] for d in items.values()} == {"TODO"}
    page = browser.text(board)
    for item in items.values():
        assert f'id="card-{item["$id"]}"' in page
    return items


def move_card(browser: Browser, store: Any, base: str, item: dict[str, Any]) -> None:
    board = f"{base}/board"
    page = browser.text(board)
    card = re.search(rf'id="card-{item["$id"]}"[^>]*data-version="(\d+)"', page)
    version = card.group(1) if card else str(item["version"])
    moved = browser.htmx_post(board, f"{board}/move", {
        "item_id": item["$id"], "version": version, "to_status": "ASSIGNED",
        "after_id": "", "before_id": "",
    }, trigger=f"card-{item['$id']}")
    assert f"card-{item['$id']}" in moved.get_data(as_text=True)
    after = store.get("work_items", item["$id"])
    assert after["status"] == "ASSIGNED" and after["version"] == int(version) + 1
    trail = store.list("audit_logs", [Query.equal("resource_id", item["$id"]),
                                      Query.equal("action", "work_item_moved")]).documents
    assert len(trail) == 1 and trail[0]["changes"]["status"] == ["TODO", "ASSIGNED"]
    # the same (now stale) version again: refused, nothing written
    stale = browser.htmx_post(board, f"{board}/move", {
        "item_id": item["$id"], "version": version, "to_status": "TODO",
    }, status=409)
    assert "STALE_VERSION" in stale.get_data(as_text=True)
    assert store.get("work_items", item["$id"])["status"] == "ASSIGNED"
    assert re.search(rf'id="list-ASSIGNED".*?id="card-{item["$id"]}"', browser.text(board),
                     re.S)


def stale_edit(browser: Browser, store: Any, base: str, item: dict[str, Any]) -> None:
    url = f"{base}/items/{item['$id']}"
    current = store.get("work_items", item["$id"])
    browser.submit(url, f"{url}/edit", {"fields": "priority", "priority": "URGENT",
                                        "version": str(current["version"])})
    saved = store.get("work_items", item["$id"])
    assert saved["priority"] == "URGENT" and saved["version"] == current["version"] + 1
    conflict = browser.submit(url, f"{url}/edit", {"fields": "title", "title": "Late title",
                                                   "version": str(current["version"])},
                              status=409)
    assert "Your change was not saved." in conflict.get_data(as_text=True)
    after = store.get("work_items", item["$id"])
    assert (after["title"], after["version"]) == (item["title"], saved["version"])


def upload_files(browser: Browser, store: Any, files: Any, ws_id: str,
                 user_id: str) -> None:
    settings = f"/w/{ws_id}/settings"
    browser.submit(settings, f"{settings}/image",
                   {"image": (io.BytesIO(_png((20, 120, 220), (300, 200))), "team.png")},
                   content_type="multipart/form-data")
    workspace = store.get("workspaces", ws_id)
    file_id = workspace["image_file_id"]
    assert file_id and files.exists("images", file_id)
    image = browser.get(f"/w/{ws_id}/image")
    assert image.mimetype == "image/png"
    with Image.open(io.BytesIO(image.data)) as img:
        assert img.size == (256, 256)
    assert image.data == files.open("images", file_id).read()
    not_image = browser.submit(settings, f"{settings}/image",
                               {"image": (io.BytesIO(b"not an image"), "x.png")},
                               content_type="multipart/form-data", status=422)
    assert "not an image" in not_image.get_data(as_text=True)
    assert store.get("workspaces", ws_id)["image_file_id"] == file_id

    browser.submit("/account/profile", "/account/profile/avatar",
                   {"avatar": (io.BytesIO(_png((10, 200, 10), (64, 64))), "me.png")},
                   content_type="multipart/form-data", status=302)
    avatar_id = store.get("users", user_id)["avatar_file_id"]
    assert avatar_id
    info = files.info("images", avatar_id)
    avatar = browser.get(f"/account/avatar/{user_id}")
    assert avatar.mimetype == "image/png"
    assert avatar.data == files.open("images", avatar_id).read()
    assert avatar.headers["ETag"].strip('"') == info.sha256
    assert browser.get(f"/account/avatar/{user_id}", 304,
                       headers={"If-None-Match": avatar.headers["ETag"]}).data == b""


def table_and_search(browser: Browser, base: str, ws_id: str) -> None:
    table = browser.text(f"{base}/table")
    keys = re.findall(r'class="tbl-key"><a [^>]*>(WEB-\d+)</a>', table)
    assert sorted(keys) == ["WEB-1", "WEB-2", "WEB-3", "WEB-4"]
    assigned = browser.text(f"{base}/table?status=ASSIGNED")
    assert re.findall(r'class="tbl-key"><a [^>]*>(WEB-\d+)</a>', assigned) == ["WEB-2"]

    found = browser.text(f"/w/{ws_id}/search?q=refund")
    assert "Refund e-mails" in found and "Wishlist sharing" not in found
    live = browser.text(f"/w/{ws_id}/search/live?q=web-1")
    assert "WEB-1" in live
    words = browser.text(f"/w/{ws_id}/search?q=checkout+narrow")  # title and description
    assert "Checkout button misaligned" in words


def logout_and_login(browser: Browser, ws_id: str) -> None:
    out = browser.submit(f"/w/{ws_id}", "/logout", status=302)
    assert _path(out) == "/login"
    assert _path(browser.get(f"/w/{ws_id}", 302)).startswith("/login")
    wrong = browser.submit("/login", "/login", {"email": EMAIL, "password": "wrong password!"},
                           status=422)
    assert "Invalid email or password." in wrong.get_data(as_text=True)
    back = browser.submit("/login", "/login", {"email": EMAIL, "password": PASSWORD},
                          status=302)
    home = _path(back)
    assert home != "/login"
    assert NAME in browser.text(f"/w/{ws_id}")


def test_the_whole_app_on_appwrite(smoke_app: Any, appwrite_server: Any) -> None:
    runtime = smoke_app.extensions["keel.runtime"]
    store, files, double = runtime.store, runtime.files, appwrite_server.double
    assert isinstance(store, AppwriteStore)
    provisioned = smoke_app.test_cli_runner().invoke(args=["appwrite", "provision"])
    assert provisioned.exit_code == 0, provisioned.output  # docs/appwrite.md, step 4
    assert not files.missing_buckets()
    # a column named "data" (sessions) survives the SDK's Row model, in get and list
    row = store.create("sessions", {"token_hash": "0" * 64, "data": {"k": [1]},
                                    "expires_at": datetime.now(UTC) + timedelta(hours=1)})
    assert store.get("sessions", row["$id"])["data"] == {"k": [1]}
    assert store.list("sessions", []).documents[0]["data"] == {"k": [1]}
    store.delete("sessions", row["$id"])
    browser = Browser(smoke_app)

    user = sign_up_and_verify(browser, store, double)
    workspace = onboard_organization(browser, store, user)
    ws_id = workspace["$id"]
    project = create_project(browser, store, ws_id)
    base = f"/w/{ws_id}/projects/{project['$id']}"
    items = create_items(browser, store, base, project["$id"])
    move_card(browser, store, base, items["Payment provider timeout"])
    stale_edit(browser, store, base, items["Wishlist sharing"])
    upload_files(browser, store, files, ws_id, user["$id"])
    table_and_search(browser, base, ws_id)
    logout_and_login(browser, ws_id)
