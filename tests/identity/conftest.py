"""Identity test helpers: real forms (CSRF token read from the page), real store, outbox."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from webapp.identity import service
from webapp.identity.tokens import utcnow
from webapp.storage.mail import read_outbox

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def submit(client: Any, page: str, data: dict[str, Any], action: str | None = None,
           **kwargs: Any) -> Any:
    """GET ``page``, read its CSRF token, POST ``data`` to ``action`` (default: the page)."""
    got = client.get(page)
    assert got.status_code == 200, (page, got.status_code)
    payload = {"csrf_token": csrf_from(got.get_data(as_text=True)), **data}
    return client.post(action or page, data=payload, **kwargs)


def make_user(store: Any, email_address: str = "ada@example.com", password: str = PASSWORD,
              *, verified: bool = True, name: str = "Ada Lovelace") -> dict[str, Any]:
    user = service.signup(store, name=name, email=email_address, password=password,
                          accept_terms=True, accept_dpa=True)
    if verified:
        user = store.update("users", user["$id"], {"email_verified_at": utcnow()})
    return user


def login(client: Any, email_address: str = "ada@example.com", password: str = PASSWORD,
          **data: Any) -> Any:
    return submit(client, "/login", {"email": email_address, "password": password, **data})


def outbox_messages(settings: Any) -> list[EmailMessage]:
    """What the mail port wrote to the outbox, oldest first."""
    return read_outbox(Path(settings.instance_path) / "outbox")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The local path of the first ``http://localhost<path>...`` link in the text part."""
    match = re.search(r"http://localhost(" + re.escape(path) + r"[A-Za-z0-9_\-]+)",
                      text_of(message))
    assert match, text_of(message)
    return match.group(1)


def home_url(app: Any) -> str:
    from flask import url_for

    with app.test_request_context():
        return str(url_for("web.home"))


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store


@pytest.fixture
def user(store: Any) -> dict[str, Any]:
    return make_user(store)
