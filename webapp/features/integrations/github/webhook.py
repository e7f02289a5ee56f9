"""Inbound GitHub webhook deliveries for a linked repository.

GitHub signs each delivery with the repository's webhook secret: ``X-Hub-Signature-256:
sha256=<hex HMAC-SHA256 of the raw body>``. ``verify`` compares in constant time
(``hmac.compare_digest``); anything unsigned or mis-signed is refused before the body is
parsed. Events: ``ping`` (answered), ``push`` (each commit of the delivery is upserted and
linked like a sync), ``pull_request`` (the PR's title, body and head branch name are
searched for item keys); others are accepted and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from webapp.features.integrations.github import service
from webapp.features.integrations.github.service import _when
from webapp.storage.base import DocumentStore


class BadDelivery(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def handle(store: DocumentStore, secret_key: str, repo_id: str, *, event: str | None,
           signature: str | None, body: bytes) -> dict[str, Any]:
    """Process one delivery; raises BadDelivery (404 unknown, 401 bad signature, 400)."""
    repo = store.find("github_repositories", repo_id)
    if repo is None:
        raise BadDelivery(404, "Unknown repository.")
    if not signature_ok(service.webhook_secret(repo, secret_key), body, signature):
        raise BadDelivery(401, "Invalid signature.")
    if event == "ping":
        return {"ok": True, "event": "ping"}
    if event not in ("push", "pull_request"):
        return {"ok": True, "ignored": event}
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise BadDelivery(400, "The body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise BadDelivery(400, "The body is not a JSON object.")
    project = store.get("projects", repo["project_id"])
    saved = 0
    if event == "push":
        branch = str(payload.get("ref") or "").removeprefix("refs/heads/")
        if branch and branch != repo["branch"]:
            return {"ok": True, "ignored": f"push to {branch}"}
        for entry in payload.get("commits") or []:
            if not isinstance(entry, dict) or not entry.get("id"):
                continue
            author = entry.get("author") or {}
            service.save_ref(store, repo, project["key"], kind="COMMIT", ref=str(entry["id"]),
                             message=str(entry.get("message") or ""),
                             author=author.get("username") or author.get("name"),
                             url=entry.get("url"), happened_at=_when(entry.get("timestamp")))
            saved += 1
    else:
        pr = payload.get("pull_request") or {}
        if not isinstance(pr, dict) or pr.get("number") is None:
            raise BadDelivery(400, "No pull request in the delivery.")
        state = "merged" if pr.get("merged") else str(pr.get("state") or "open")
        service.save_ref(store, repo, project["key"], kind="PULL_REQUEST",
                         ref=str(pr["number"]),
                         message=f"{pr.get('title') or ''}\n\n{pr.get('body') or ''}".strip(),
                         author=(pr.get("user") or {}).get("login"), url=pr.get("html_url"),
                         happened_at=_when(pr.get("updated_at") or pr.get("created_at")),
                         state=state, extra_text=[(pr.get("head") or {}).get("ref")])
        saved = 1
    return {"ok": True, "event": event, "saved": saved}
