"""``STORAGE_DRIVER=appwrite``: settings, the app on Appwrite, ``appwrite provision|check``."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from webapp import create_app
from webapp.config import Settings
from webapp.storage.appwrite import AppwriteStore, parse_url
from webapp.storage.files_appwrite import AppwriteFileStore
from webapp.storage.mail_appwrite import AppwriteMailer


def _settings(tmp_path: Path, redis_url: str, double: Any, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "KEEL_ENV": "test",
        "KEEL_TESTING": True,
        "KEEL_INSTANCE": tmp_path / "instance",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "REDIS_URL": redis_url,
        "RQ_ASYNC": False,
        "STORAGE_DRIVER": "appwrite",
        "FILES_DRIVER": "appwrite",
        "MAIL_DRIVER": "appwrite",
        "APPWRITE_ENDPOINT": double.endpoint,
        "APPWRITE_PROJECT": double.project,
        "APPWRITE_KEY": double.key,
        "APPWRITE_DATABASE_ID": f"keel_{secrets.token_hex(4)}",
    }
    return Settings(**{**values, **extra})


@pytest.fixture
def double(appwrite_server: Any) -> Any:
    appwrite_server.double.faults.clear()
    return appwrite_server.double


@pytest.fixture
def appwrite_app(tmp_path: Path, redis_url: str, double: Any) -> Any:
    application = create_app(_settings(tmp_path, redis_url, double))
    yield application
    application.extensions["keel.runtime"].close()


def test_settings_build_the_store_url(tmp_path: Path, redis_url: str, double: Any) -> None:
    settings = _settings(tmp_path, redis_url, double, APPWRITE_DATABASE_ID="main")
    assert parse_url(settings.store_url) == (double.endpoint, double.project, double.key, "main")
    incomplete = Settings(KEEL_INSTANCE=tmp_path, STORAGE_DRIVER="appwrite", APPWRITE_KEY="k")
    with pytest.raises(ValueError, match="APPWRITE_ENDPOINT, APPWRITE_PROJECT"):
        incomplete.store_url  # noqa: B018
    assert Settings(KEEL_INSTANCE=tmp_path).store_url.startswith("sqlite:///")


def test_the_app_runs_on_appwrite(appwrite_app: Any) -> None:
    rt = appwrite_app.extensions["keel.runtime"]
    assert isinstance(rt.store, AppwriteStore)
    assert isinstance(rt.files, AppwriteFileStore)
    assert isinstance(rt.mailer, AppwriteMailer)
    assert rt.store.schema_version() == rt.store.schema.version
    assert rt.store.ping() is True


def test_provision_and_check(appwrite_app: Any, double: Any) -> None:
    runner = appwrite_app.test_cli_runner()
    provisioned = runner.invoke(args=["appwrite", "provision"])
    assert provisioned.exit_code == 0, provisioned.output
    assert "schema up to date" in provisioned.output
    again = runner.invoke(args=["appwrite", "provision"])
    assert "buckets present" in again.output

    clean = runner.invoke(args=["appwrite", "check"])
    assert clean.exit_code == 0, clean.output
    assert "no drift" in clean.output

    store = appwrite_app.extensions["keel.runtime"].store
    first = next(iter(store.schema))
    del double.tables[(store.database_id, first.id)].columns[first.attributes[0].name]
    drifted = runner.invoke(args=["appwrite", "check"])
    assert drifted.exit_code == 1
    assert f"{first.id}.{first.attributes[0].name}: column missing" in drifted.output


def test_commands_need_the_appwrite_driver(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["appwrite", "check"])
    assert result.exit_code != 0
    assert "STORAGE_DRIVER is not 'appwrite'" in result.output
