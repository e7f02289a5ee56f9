
"""Notification fixtures: project WEB with an owner and an editor (Bob), the test runtime
bound for dispatch outside requests, and the outbox reader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jobs.context import bound
from webapp.storage.mail import read_outbox

from ..items.conftest import (  # noqa: F401
    bob,
    bob_member,
    editor,
    make,
    org,
    org_ws,
    owner,
    owner_actor,
    project,
    store,
    viewer,
)


@pytest.fixture(autouse=True)
def job_runtime(request: pytest.FixtureRequest) -> Iterator[None]:
    """Dispatch outside a request (services called directly, jobs) uses the test runtime
    (tests without an app need none)."""
    if "runtime" not in request.fixturenames and "store" not in request.fixturenames:
        yield
        return
    with bound(request.getfixturevalue("runtime")):
        yield


@pytest.fixture
def outbox(runtime: Any):  # type: ignore[no-untyped-def]
    def read() -> list[Any]:
        return read_outbox(runtime.settings.instance_path / "outbox")
    return read
