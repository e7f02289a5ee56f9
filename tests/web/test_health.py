"""/healthz: database, Redis and RQ workers, with real services (and real outages)."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rq import Queue, Worker

from webapp import __version__, create_app
from webapp.config import Settings
from webapp.web import health

CLOSED_REDIS = "redis://127.0.0.1:1/0"


def _settings(settings: Settings, **changes: Any) -> Settings:
    values = {
        "KEEL_ENV": "test", "KEEL_TESTING": True, "KEEL_INSTANCE": settings.instance_path,
        "SECRET_KEY": settings.secret_key, "REDIS_URL": settings.redis_url,
        "BASE_URL": settings.base_url, "RQ_ASYNC": settings.rq_async,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def make_app(settings: Settings):  # type: ignore[no-untyped-def]
    apps = []

    def make(**changes: Any):  # type: ignore[no-untyped-def]
        application = create_app(_settings(settings, **changes))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["keel.runtime"].close()


def test_all_healthy_with_inline_jobs(client: Any, runtime: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["database"] == {"ok": True, "schema_version": runtime.store.schema_version()}
    assert body["database"]["schema_version"] >= 1
    assert body["redis"] == {"ok": True}
    assert body["worker"]["ok"] is True
    assert body["worker"]["last_heartbeat"] is None


def test_no_worker_is_degraded_but_up(make_app: Any) -> None:
    body = make_app(RQ_ASYNC=True).test_client().get("/healthz")
    assert body.status_code == 200
    data = body.get_json()
    assert data["status"] == "degraded"
    assert data["worker"] == {"ok": False, "last_heartbeat": None}
    assert data["redis"]["ok"] is True


def test_a_registered_worker_reports_its_heartbeat(make_app: Any, redis_conn: Any) -> None:
    worker = Worker([Queue("default", connection=redis_conn)], connection=redis_conn,
                    name="healthz-test-worker")
    worker.register_birth()
    try:
        data = make_app(RQ_ASYNC=True).test_client().get("/healthz").get_json()
    finally:
        worker.register_death()
    assert data["status"] == "ok"
    assert data["worker"]["ok"] is True
    beat = datetime.fromisoformat(data["worker"]["last_heartbeat"])
    assert beat.tzinfo is not None
    assert abs((datetime.now(beat.tzinfo) - beat).total_seconds()) < 60


def test_redis_down_is_degraded_with_200(make_app: Any) -> None:
    started = time.monotonic()
    response = make_app(REDIS_URL=CLOSED_REDIS, RQ_ASYNC=True).test_client().get("/healthz")
    assert time.monotonic() - started < health.TIMEOUT * 2 + 1
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "degraded"
    assert data["database"]["ok"] is True
    assert data["redis"] == {"ok": False}
    assert data["worker"] == {"ok": False, "last_heartbeat": None}


def test_database_down_is_503(app: Any, runtime: Any, settings: Settings) -> None:
    runtime.store.close()
    db = Path(settings.instance_path) / "keel.db"
    for path in db.parent.glob("keel.db*"):
        path.unlink()
    db.mkdir()  # SQLite cannot open a directory: every new connection fails
    try:
        response = app.test_client().get("/healthz")
    finally:
        shutil.rmtree(db)
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "degraded"
    assert data["database"] == {"ok": False, "schema_version": None}
    assert data["redis"]["ok"] is True


def test_a_hanging_check_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "TIMEOUT", 0.2)

    def hangs() -> dict[str, Any]:
        time.sleep(2)
        return {"ok": True}

    started = time.monotonic()
    assert health._with_deadline(hangs, {"ok": False}) == {"ok": False}
    assert time.monotonic() - started < 1


def test_a_raising_check_reports_instead_of_raising() -> None:
    def explodes() -> dict[str, Any]:
        raise RuntimeError("boom")

    assert health._with_deadline(explodes, {"ok": False, "x": None}) == {"ok": False, "x": None}


def test_healthz_does_not_create_a_session(client: Any) -> None:
    response = client.get("/healthz")
    assert "Set-Cookie" not in response.headers
