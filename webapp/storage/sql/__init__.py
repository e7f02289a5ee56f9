"""The SQL driver of the documents port: SQLite (default) and PostgreSQL via SQLAlchemy Core."""

from __future__ import annotations

from .store import SqlStore

__all__ = ["SqlStore"]
