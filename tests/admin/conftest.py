"""Admin fixtures: accounts signed in through the real login form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def signed_in(app: Any, runtime: Any) -> Callable[..., Any]:
    """``signed_in("ops@example.com", admin=True)`` -> a test client signed in as them."""
    from webapp.identity import service

    def make(email: str, *, admin: bool = False) -> Any:
        user = service.signup(runtime.store, name="Op", email=email, password=PASSWORD,
                              accept_terms=True, accept_dpa=True)
        runtime.store.update("users", user["$id"], {
            "email_verified_at": datetime.now(UTC), "is_platform_admin": admin,
        })
        client = app.test_client()
        match = _CSRF.search(client.get("/login").get_data(as_text=True))
        assert match
        response = client.post("/login", data={
            "csrf_token": match.group(1), "email": email, "password": PASSWORD,
        })
        assert response.status_code in (302, 303)
        return client

    return make
