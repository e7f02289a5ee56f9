"""``flask --app wsgi make-admin`` and ``db status|upgrade`` through Flask's CLI runner."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.config import Settings
from webapp.runtime import Runtime


def _user(store: Any, email: str = "ops@example.com") -> dict[str, Any]:
    from webapp.identity import service

    return service.signup(store, name="Op", email=email, password="correct horse battery",
                          accept_terms=True, accept_dpa=True)


def test_make_admin_grants_and_revokes(app: Any, runtime: Any) -> None:
    user = _user(runtime.store)
    runner = app.test_cli_runner()

    granted = runner.invoke(args=["make-admin", "  OPS@Example.com "])
    assert granted.exit_code == 0, granted.output
    assert "ops@example.com is now a platform admin" in granted.output
    assert runtime.store.get("users", user["$id"])["is_platform_admin"] is True

    again = runner.invoke(args=["make-admin", "ops@example.com"])
    assert again.exit_code == 0  # idempotent

    revoked = runner.invoke(args=["make-admin", "--revoke", "ops@example.com"])
    assert revoked.exit_code == 0
    assert "is no longer a platform admin" in revoked.output
    assert runtime.store.get("users", user["$id"])["is_platform_admin"] is False


@pytest.mark.parametrize("email", ["nobody@example.com", "not an email", ""])
def test_make_admin_refuses_an_unknown_address(app: Any, runtime: Any, email: str) -> None:
    user = _user(runtime.store)
    result = app.test_cli_runner().invoke(args=["make-admin", email])
    assert result.exit_code == 1
    assert "no account with the e-mail address" in result.output
    assert runtime.store.get("users", user["$id"])["is_platform_admin"] is False


def test_db_status_when_up_to_date(app: Any, runtime: Any) -> None:
    version = runtime.store.schema.version
    result = app.test_cli_runner().invoke(args=["db", "status"])
    assert result.exit_code == 0, result.output
    assert f"database: v{version}" in result.output
    assert f"declared: v{version}" in result.output
    assert "up to date" in result.output
    upgrade = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0
    assert "nothing to apply" in upgrade.output


def test_db_status_and_upgrade_on_a_new_database(
    app: Any, settings: Settings, tmp_path: Any
) -> None:
    new_db = f"sqlite:///{tmp_path / 'new.db'}"
    fresh = Runtime(settings.model_copy(update={"database_url": new_db}))
    app.extensions["keel.runtime"], original = fresh, app.extensions["keel.runtime"]
    try:
        runner = app.test_cli_runner()
        status = runner.invoke(args=["db", "status"])
        assert status.exit_code == 0, status.output
        assert "database: v0" in status.output
        assert "pending" in status.output
        assert "create collection users" in status.output

        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        assert "applied: v1" in upgrade.output

        after = runner.invoke(args=["db", "status"])
        assert "up to date" in after.output
        assert fresh.store.count("users") == 0
    finally:
        app.extensions["keel.runtime"] = original
        fresh.close()


def test_worker_and_scheduler_commands_are_registered(app: Any) -> None:
    runner = app.test_cli_runner()
    for command in ("worker", "scheduler"):
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0, result.output
