"""A local double of GitHub's REST API (the parts Keel reads), for the real ``requests``
code in ``webapp/features/integrations/github/client.py``.

``GET /repos/{owner}/{repo}`` (metadata), ``/branches/{branch}``, ``/commits?sha=&per_page=
&page=`` (newest first, ``Link: <…>; rel="next"``/``rel="last"`` pagination like GitHub),
``/git/trees/{branch}?recursive=1`` and ``/contents/{path}?ref=`` (base64 content).
A private repository answers 404 without its token (as GitHub does) and 401 with a wrong
``Authorization: Bearer`` token. ``fail_next(status, headers)`` makes the next call fail
(rate limits: ``403`` with ``X-RateLimit-Remaining: 0``). ``requests`` keeps each call's path,
query and headers. Webhook deliveries are signed by ``sign(secret, body)`` like GitHub's
``X-Hub-Signature-256``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Repo:
    owner: str
    name: str
    private: bool = False
    token: str | None = None
    default_branch: str = "main"
    branches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def commit(sha: str, message: str, *, login: str = "octocat", when: datetime | None = None,
           owner: str = "acme", name: str = "web") -> dict[str, Any]:
    when = when or datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return {
        "sha": sha, "html_url": f"https://github.com/{owner}/{name}/commit/{sha}",
        "commit": {"message": message,
                   "author": {"name": login.title(), "email": f"{login}@example.com",
                              "date": when.strftime("%Y-%m-%dT%H:%M:%SZ")}},
        "author": {"login": login},
    }


def commits(count: int, template: str = "Change {n}", **kw: Any) -> list[dict[str, Any]]:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    return [commit(f"{n:040x}", template.format(n=n), when=start + timedelta(minutes=n), **kw)
            for n in range(count, 0, -1)]


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class GitHubDouble:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[dict[str, Any]] = []
        self.failures: deque[tuple[int, dict[str, str]]] = deque()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> GitHubDouble:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True,
                                   request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="github-double")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def reset(self) -> None:
        self.repos.clear()
        self.requests.clear()
        self.failures.clear()

    def add(self, repo: Repo) -> Repo:
        self.repos[f"{repo.owner}/{repo.name}".lower()] = repo
        return repo

    def fail_next(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.failures.append((status, headers or {}))

    # -- the API --------------------------------------------------------------------------
    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(data), status=status, headers=headers or {},
                        mimetype="application/json")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None
               ) -> Response:
        return self._json({"message": message,
                           "documentation_url": "https://docs.github.com/rest"}, status, headers)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        self.requests.append({"path": request.path, "args": dict(request.args),
                              "headers": dict(request.headers)})
        if self.failures:
            status, headers = self.failures.popleft()
            return self._error(status, "API rate limit exceeded" if status in (403, 429)
                               else "Server Error", headers)
        parts = request.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return self._error(404, "Not Found")
        repo = self.repos.get(f"{parts[1]}/{parts[2]}".lower())
        auth = request.headers.get("Authorization", "")
        if auth and (repo is None or not repo.token or auth != f"Bearer {repo.token}"):
            return self._error(401, "Bad credentials")
        if repo is None or (repo.private and not auth):
            return self._error(404, "Not Found")
        rest = parts[3:]
        if not rest:
            return self._json({"id": 1, "name": repo.name, "full_name": f"{repo.owner}/"
                               f"{repo.name}", "private": repo.private,
                               "default_branch": repo.default_branch,
                               "html_url": f"https://github.com/{repo.owner}/{repo.name}"})
        if rest[0] == "branches" and len(rest) == 2:
            if rest[1] not in repo.branches:
                return self._error(404, "Branch not found")
            head = (repo.branches[rest[1]] or [{"sha": "0" * 40}])[0]
            return self._json({"name": rest[1], "commit": {"sha": head["sha"]}})
        if rest == ["commits"]:
            return self._commits(request, repo)
        if rest[:2] == ["git", "trees"] and len(rest) == 3:
            if rest[2] not in repo.branches:
                return self._error(404, "Not Found")
            tree = [{"path": p, "type": "blob", "size": len(t.encode()), "mode": "100644",
                     "sha": hashlib.sha1(t.encode()).hexdigest()}
                    for p, t in sorted(repo.files.items())]
            return self._json({"sha": "tree", "tree": tree, "truncated": False})
        if rest[0] == "contents":
            path = "/".join(rest[1:])
            if path not in repo.files:
                return self._error(404, "Not Found")
            raw = repo.files[path].encode()
            return self._json({"type": "file", "path": path, "size": len(raw),
                               "encoding": "base64",
                               "content": base64.encodebytes(raw).decode()})
        return self._error(404, "Not Found")

    def _commits(self, request: Request, repo: Repo) -> Response:
        branch = request.args.get("sha") or repo.default_branch
        if branch not in repo.branches:
            return self._error(404, "No commit found for SHA: " + branch)
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = int(request.args.get("page", 1))
        items = repo.branches[branch]
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base = f"{self.url}{request.path}"
        if page < last:
            links.append(f'<{base}?{urlencode({"sha": branch, "per_page": per_page, "page": page + 1})}>; rel="next"')  # noqa: E501
            links.append(f'<{base}?{urlencode({"sha": branch, "per_page": per_page, "page": last})}>; rel="last"')  # noqa: E501
        return self._json(chunk, headers={"Link": ", ".join(links)} if links else {})
