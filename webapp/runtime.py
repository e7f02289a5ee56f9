"""The process-wide parts Keel runs on: store, files, mail, Redis and job queues.

The web app, the RQ worker and the CLI each build one ``Runtime`` from ``Settings``;
services receive the pieces they need (a store, a mailer...) as arguments and never
reach for Flask.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webapp.config import Settings

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

    from webapp.storage.base import DocumentStore
    from webapp.storage.files import FileStore
    from webapp.storage.mail import Mailer

QUEUES = ("default", "mail", "low")


def resolve_redis_url(settings: Settings) -> str:
    """``REDIS_URL``, else the server ``make run`` keeps under ``instance/``, else localhost."""
    if settings.redis_url:
        return settings.redis_url
    sock = Path(settings.instance_path) / "redis" / "redis.sock"
    if sock.exists():
        return f"unix://{sock}"
    return "redis://127.0.0.1:6379/0"


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.Lock()

    @cached_property
    def store(self) -> DocumentStore:
        from webapp.storage import open_store
        from webapp.storage.collections import SCHEMA

        return open_store(self.settings.store_url, SCHEMA)

    @cached_property
    def files(self) -> FileStore:
        from webapp.storage.files import LocalFileStore

        s = self.settings
        if s.files_driver.lower() == "appwrite":
            from webapp.storage.files_appwrite import AppwriteFileStore

            return AppwriteFileStore(s.appwrite_endpoint, s.appwrite_project, s.appwrite_key)
        assert self.settings.files_path is not None
        return LocalFileStore(Path(self.settings.files_path))

    @cached_property
    def mailer(self) -> Mailer:
        from webapp.storage.mail import open_mailer

        s = self.settings
        if s.mail_driver.lower() == "appwrite":
            from webapp.storage.mail_appwrite import AppwriteMailer

            return AppwriteMailer(s.appwrite_endpoint, s.appwrite_project, s.appwrite_key)
        return open_mailer(self.settings.mail_url, sender=self.settings.mail_sender)

    @cached_property
    def redis_url(self) -> str:
        return resolve_redis_url(self.settings)

    @cached_property
    def redis(self) -> Redis:
        from redis import Redis

        return Redis.from_url(
            self.redis_url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )

    def queue(self, name: str = "default") -> Queue:
        from rq import Queue

        if name not in QUEUES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.redis, is_async=self.settings.rq_async)

    def enqueue(self, queue: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Queue a job; a job function receives ids and values, never live objects."""
        return self.queue(queue).enqueue(func, *args, **kwargs)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "redis" in self.__dict__:
            self.redis.close()
