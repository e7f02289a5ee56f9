"""Readable logs for the worker and scheduler processes (one line per record, to stderr)."""

from __future__ import annotations

import logging
import os

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def configure_logging(level: str | None = None) -> str:
    """Configure the root logger once; returns the level used (``KEEL_LOG_LEVEL`` or INFO)."""
    chosen = (level or os.environ.get("KEEL_LOG_LEVEL") or "INFO").upper()
    logging.basicConfig(level=chosen, format=FORMAT, datefmt=DATE_FORMAT)
    logging.getLogger().setLevel(chosen)
    return chosen


def redact_url(url: str) -> str:
    """``url`` without its credentials, for logs."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url
