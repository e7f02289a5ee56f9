"""Fingerprinted static files: ``asset(path)`` -> ``/static/<path>?v=<sha256[:12]>``.

A request carrying the current fingerprint may be cached for a year (``immutable``): the URL
changes whenever the file does. Hashes are computed once per file per process, and again on
every call in debug mode so edits show up without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from flask import Flask, current_app, request, url_for
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
_lock = threading.Lock()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def fingerprint(app: Flask, filename: str) -> str | None:
    """The first 12 hex digits of the file's sha256, or None when it is missing."""
    cache: dict[str, str | None] = app.extensions.setdefault("keel.asset_hashes", {})
    if not app.debug and filename in cache:
        return cache[filename]
    static = Path(app.static_folder or "").resolve()
    path = (static / filename).resolve()
    if static not in path.parents or not path.is_file():
        value = None
        if filename not in cache:
            log.warning("asset %s not found under %s (run `make install`)", filename, static)
    else:
        value = _file_hash(path)
    with _lock:
        cache[filename] = value
    return value


def asset(filename: str) -> str:
    """URL of a static file with its fingerprint (``?v=``), for long-lived caching."""
    version = fingerprint(current_app, filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def cache_static(response: Response) -> Response:
    """A year of caching for static responses requested with their current fingerprint."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename")
    if version and filename and version == fingerprint(current_app, filename):
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.add_template_global(asset, "asset")
    app.after_request(cache_static)
