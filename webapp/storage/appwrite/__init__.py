"""The Appwrite driver of the documents port (TablesDB), built on the official SDK.

    open_appwrite("appwrite+https://PROJECT:KEY@fra.cloud.appwrite.io/v1?database=keel", SCHEMA)

or ``AppwriteStore(endpoint, project, key, database_id, SCHEMA)``. See docs/appwrite.md.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlsplit

from ..schema import Schema
from .store import AppwriteStore

__all__ = ["AppwriteStore", "appwrite_url", "open_appwrite", "parse_url"]


def appwrite_url(endpoint: str, project: str, key: str, database_id: str) -> str:
    """The store URL for these settings (``appwrite+https://...``)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"APPWRITE_ENDPOINT must be an http(s) URL, not {endpoint!r}")
    auth = f"{quote(project, safe='')}:{quote(key, safe='')}"
    return (
        f"appwrite+{parts.scheme}://{auth}@{parts.netloc}{parts.path.rstrip('/')}"
        f"?database={quote(database_id, safe='')}"
    )


def parse_url(url: str) -> tuple[str, str, str, str]:
    """``(endpoint, project, key, database_id)`` from a store URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[1] if "+" in parts.scheme else "https"
    if scheme not in ("http", "https"):
        raise ValueError(f"bad Appwrite URL scheme {parts.scheme!r}")
    database = parse_qs(parts.query).get("database", [""])[0]
    project, key = unquote(parts.username or ""), unquote(parts.password or "")
    if not (project and key and database and parts.hostname):
        raise ValueError("an Appwrite URL needs project, key, host and ?database=")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return f"{scheme}://{host}{parts.path or '/v1'}", project, key, database


def open_appwrite(url: str, schema: Schema) -> AppwriteStore:
    endpoint, project, key, database = parse_url(url)
    return AppwriteStore(endpoint, project, key, database, schema)
