"""A small GitHub REST client on ``requests`` (api.github.com or ``GITHUB_API_URL``).

Sends GitHub's headers (``Accept: application/vnd.github+json``,
``X-GitHub-Api-Version: 2022-11-28``, a User-Agent, ``Authorization: Bearer <token>`` when
the repository has a personal access token), follows ``Link: <…>; rel="next"`` pagination,
and turns every failure into ``GitHubError`` with a code and a message a page can show:
NOT_FOUND (404, also what GitHub answers for a private repository without access),
UNAUTHORIZED (401, a bad token), RATE_LIMITED (403/429 with no remaining quota),
FORBIDDEN, UNAVAILABLE (5xx), UNREACHABLE (timeouts, connection errors).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import requests

from webapp.features.integrations.config import settings

API_VERSION = "2022-11-28"
URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")

MESSAGES = {
    "NOT_FOUND": "GitHub cannot find this repository or branch. For a private repository, "
                 "add a personal access token with read access.",
    "UNAUTHORIZED": "GitHub refused the personal access token (expired or revoked?).",
    "RATE_LIMITED": "GitHub's rate limit is exhausted; try again later or add a token.",
    "FORBIDDEN": "GitHub refused access to this repository.",
    "UNAVAILABLE": "GitHub is not answering properly right now; try again later.",
    "UNREACHABLE": "GitHub could not be reached; try again later.",
}


class GitHubError(Exception):
    def __init__(self, code: str, status: int | None = None, message: str | None = None) -> None:
        self.code = code
        self.status = status
        self.message = message or MESSAGES.get(code, code)
        super().__init__(self.message)


def parse_url(url: str) -> tuple[str, str] | None:
    """``(owner, name)`` of a github.com repository URL, else None."""
    match = URL_RE.match((url or "").strip())
    return (match.group(1), match.group(2)) if match else None


class GitHub:
    """One repository's API, with or without a personal access token."""

    def __init__(self, owner: str, name: str, token: str | None = None) -> None:
        conf = settings()
        self.base = f"{conf.github_api_url}/repos/{owner}/{name}"
        self.timeout = conf.github_timeout
        self.session = requests.Session()
        self.session.headers.update({
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "Keel",
        })
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _get(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as exc:
            raise GitHubError("UNREACHABLE") from exc
        except requests.RequestException as exc:
            raise GitHubError("UNREACHABLE") from exc
        status = response.status_code
        if status < 400:
            return response
        if status == 404:
            raise GitHubError("NOT_FOUND", status)
        if status == 401:
            raise GitHubError("UNAUTHORIZED", status)
        if status == 429 or (status == 403 and (
                response.headers.get("X-RateLimit-Remaining") == "0"
                or response.headers.get("Retry-After"))):
            raise GitHubError("RATE_LIMITED", status)
        if status == 403:
            raise GitHubError("FORBIDDEN", status)
        if status >= 500:
            raise GitHubError("UNAVAILABLE", status)
        raise GitHubError("FORBIDDEN", status, f"GitHub answered {status}.")

    def repository(self) -> dict[str, Any]:
        return dict(self._get(self.base).json())

    def branch(self, branch: str) -> dict[str, Any]:
        return dict(self._get(f"{self.base}/branches/{branch}").json())

    def commits(self, branch: str, *, since: str | None = None,
                limit: int = 500) -> Iterator[list[dict[str, Any]]]:
        """Pages of commits on ``branch`` (newest first), 100 per page, at most ``limit``."""
        url: str | None = f"{self.base}/commits"
        params: dict[str, Any] | None = {"sha": branch, "per_page": 100}
        if since:
            assert params is not None
            params["since"] = since
        seen = 0
        while url and seen < limit:
            response = self._get(url, params)
            page = list(response.json())[: limit - seen]
            seen += len(page)
            yield page
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries the query

    def tree(self, branch: str) -> list[dict[str, Any]]:
        """Every blob of the branch's tree (recursive)."""
        data = self._get(f"{self.base}/git/trees/{branch}", {"recursive": "1"}).json()
        return [e for e in data.get("tree", []) if e.get("type") == "blob"]

    def file_text(self, path: str, branch: str, max_bytes: int) -> str | None:
        """A file's text (cut at ``max_bytes``), None for binary content."""
        data = self._get(f"{self.base}/contents/{path}", {"ref": branch}).json()
        if not isinstance(data, dict) or data.get("encoding") != "base64":
            return None
        raw = base64.b64decode(data.get("content") or "")[:max_bytes]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
