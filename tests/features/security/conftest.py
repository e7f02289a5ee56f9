"""Two-factor fixtures: real store, a verified user, a signed-in client."""

from __future__ import annotations

from typing import Any

import pytest
from twofactor_helpers import login, make_user


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
