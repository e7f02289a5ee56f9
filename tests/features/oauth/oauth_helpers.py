"""OAuth test helpers: walk the real redirect dance between Keel and the provider double."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests


def provider_round_trip(client: Any, provider: str, start: str | None = None) -> Any:
    """Start at Keel, let the double approve, come back to Keel's callback; returns the
    callback's response."""
    begin = client.get(start or f"/auth/oauth/{provider}")
    assert begin.status_code == 302, begin.get_data(as_text=True)
    at_provider = begin.headers["Location"]
    assert at_provider.startswith("http://127.0.0.1:"), at_provider
    approved = requests.get(at_provider, allow_redirects=False, timeout=5)
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
