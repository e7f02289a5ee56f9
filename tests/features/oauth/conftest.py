"""OAuth fixtures: a provider double on a free port, and an app configured to use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from doubles.oauth_provider import OAuthProviderDouble

from webapp import create_app


@pytest.fixture(scope="session")
def _provider_server() -> Iterator[OAuthProviderDouble]:
    double = OAuthProviderDouble().start()
    yield double
    double.stop()


@pytest.fixture
def provider(_provider_server: OAuthProviderDouble) -> OAuthProviderDouble:
    _provider_server.reset()
    return _provider_server


@pytest.fixture
def app(settings: Any, provider: OAuthProviderDouble,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in provider.env().items():
        monkeypatch.setenv(name, value)
    application = create_app(settings)
    yield application
    application.extensions["keel.runtime"].close()


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store
