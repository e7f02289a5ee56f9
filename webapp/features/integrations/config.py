"""Settings of the integrations area, read from the environment on every use (so a job
process and the web process agree without sharing state).

* ``GITHUB_API_URL`` (default ``https://api.github.com``), ``GITHUB_TIMEOUT`` seconds (10).
* ``GEMINI_BASE_URL`` (default: the google-genai client's own,
  ``https://generativelanguage.googleapis.com``), ``GEMINI_TIMEOUT`` seconds (30),
  ``GEMINI_RETRIES`` (2, as the reference).
* ``INTEGRATIONS_SECRET``: the key material for encrypting stored tokens and API keys;
  empty means ``SECRET_KEY`` (``secrets.py`` derives a Fernet key from it).
* Bounds of code documentation: ``DOCS_MAX_FILES`` (40), ``DOCS_MAX_FILE_BYTES`` (20,000);
  commit sync reads at most ``SYNC_MAX_COMMITS`` (500, 100 per page).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class IntegrationSettings:
    github_api_url: str
    github_timeout: float
    gemini_base_url: str
    gemini_timeout: float
    gemini_retries: int
    secret: str
    docs_max_files: int
    docs_max_file_bytes: int
    sync_max_commits: int


def settings() -> IntegrationSettings:
    return IntegrationSettings(
        github_api_url=os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        github_timeout=float(_int("GITHUB_TIMEOUT", 10)),
        gemini_base_url=os.environ.get("GEMINI_BASE_URL", "").rstrip("/"),
        gemini_timeout=float(_int("GEMINI_TIMEOUT", 30)),
        gemini_retries=_int("GEMINI_RETRIES", 2),
        secret=os.environ.get("INTEGRATIONS_SECRET", ""),
        docs_max_files=_int("DOCS_MAX_FILES", 40),
        docs_max_file_bytes=_int("DOCS_MAX_FILE_BYTES", 20_000),
        sync_max_commits=_int("SYNC_MAX_COMMITS", 500),
    )
