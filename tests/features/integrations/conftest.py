# ruff: noqa: F811  (the item fixtures are re-exported here and used by name)
"""Integration fixtures: the GitHub and Gemini doubles (real HTTP servers), the project WEB
with its items fixtures, and a workspace with AI turned on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from doubles.gemini_server import API_KEY, GeminiDouble
from doubles.github_server import GitHubDouble

from webapp.features.integrations.ai import gemini as gemini_service

from ..items.conftest import (  # noqa: F401
    bob,
    bob_member,
    editor,
    make,
    org,
    org_ws,
    owner,
    project,
    store,
    viewer,
)
from ..workspaces.helpers import acting


@pytest.fixture(scope="session")
def github_server() -> Iterator[GitHubDouble]:
    double = GitHubDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="session")
def gemini_server() -> Iterator[GeminiDouble]:
    double = GeminiDouble().start()
    yield double
    double.stop()


@pytest.fixture(autouse=True)
def doubles_env(monkeypatch: pytest.MonkeyPatch, github_server: GitHubDouble,
                gemini_server: GeminiDouble) -> None:
    github_server.reset()
    gemini_server.reset()
    monkeypatch.setenv("GITHUB_API_URL", github_server.url)
    monkeypatch.setenv("GEMINI_BASE_URL", gemini_server.url)
    monkeypatch.setenv("GEMINI_RETRIES", "0")
    monkeypatch.setenv("GEMINI_TIMEOUT", "1")
    monkeypatch.setenv("GITHUB_TIMEOUT", "2")


@pytest.fixture
def github(github_server: GitHubDouble) -> GitHubDouble:
    return github_server


@pytest.fixture
def gemini(gemini_server: GeminiDouble) -> GeminiDouble:
    return gemini_server


@pytest.fixture
def secret(runtime: Any) -> str:
    return str(runtime.settings.secret_key)


@pytest.fixture
def ai_on(store: Any, owner: Any, org_ws: Any, secret: str) -> Any:
    return gemini_service.save_settings(store, acting(owner), secret, org_ws, enabled=True,
                                        model="gemini-2.5-flash-lite", api_key=API_KEY)
