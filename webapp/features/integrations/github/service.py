"""GitHub repository links of projects and the commits/pull requests that mention items.

* One repository per project (``github_repositories.project_id`` unique). Linking validates
  access through the GitHub API (repository, then branch) with the optional personal access
  token; the token and a generated webhook secret are stored Fernet-encrypted. Linking
  again replaces the repository and clears its commits, links and documentation.
* Commit sync (``sync_commits``, run by ``jobs.integrations.sync_repository``; one at a
  time per repository, unless the running one has not moved for 15 minutes) reads the
  branch's commits newest first, 100 per page following GitHub's Link header, at most
  ``SYNC_MAX_COMMITS``, and stops at the first commit it already has. Progress is written to
  the repository row (``sync_state``, ``sync_done``), which the Code tab polls.
* A commit or pull request mentioning ``<project key>-<number>`` (``WEB-12``, case-sensitive,
  word-bounded) is linked to that work item of the project (``code_ref_links``).
* Webhook deliveries (push, pull_request) go through the same upsert (``webhook.py``).
"""

from __future__ import annotations

import re
import secrets as pysecrets
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.audit import Acting, record
from webapp.features.integrations import metering, secrets
from webapp.features.integrations.config import settings
from webapp.features.integrations.github.client import GitHub, GitHubError, parse_url
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

BRANCH_RE = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")
BUSY = ("QUEUED", "RUNNING")
STALE = timedelta(minutes=15)  # a sync untouched this long lost its worker: it may restart

Refused.MESSAGES.update({
    "NO_REPOSITORY": "No GitHub repository is linked to this project.",
    "SYNC_RUNNING": "A sync of this repository is already running.",
})


def key_pattern(project_key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(project_key)}-(\d+)(?![A-Za-z0-9])")


def mentioned_keys(project_key: str, *texts: str | None) -> list[str]:
    """Item keys of this project mentioned in ``texts``, in first-seen order."""
    found: dict[str, None] = {}
    pattern = key_pattern(project_key)
    for text in texts:
        for match in pattern.finditer(text or ""):
            found[f"{project_key}-{int(match.group(1))}"] = None
    return list(found)


def repository_of(store: DocumentStore, project_id: str) -> Document | None:
    return store.first("github_repositories", [Query.equal("project_id", project_id)])


def client_for(repo: Mapping[str, Any], secret_key: str) -> GitHub:
    return GitHub(repo["owner"], repo["name"], secrets.decrypt(secret_key, repo.get("token_enc")))


def webhook_secret(repo: Mapping[str, Any], secret_key: str) -> str | None:
    return secrets.decrypt(secret_key, repo.get("webhook_secret_enc"))


def _clean_link(url: str, branch: str, token: str) -> tuple[str, str, str, str]:
    errors: dict[str, str] = {}
    parsed = parse_url(url)
    if parsed is None:
        errors["url"] = "Enter a github.com repository URL, like https://github.com/acme/web."
    branch = (branch or "main").strip()
    if not BRANCH_RE.match(branch) or ".." in branch:
        errors["branch"] = "Enter a branch name."
    token = (token or "").strip()
    if token and (len(token) > 255 or any(c.isspace() for c in token)):
        errors["token"] = "This does not look like a GitHub token."  # noqa: S105
    if errors:
        raise FieldErrors(errors)
    assert parsed is not None
    return parsed[0], parsed[1], branch, token


def _clear(store: DocumentStore, repo_id: str, project_id: str) -> None:
    # one repository per project: the project's links are this repository's
    store.delete_where("code_ref_links", [Query.equal("project_id", project_id)])
    store.delete_where("code_refs", [Query.equal("repository_id", repo_id)])
    store.delete_where("code_documents", [Query.equal("project_id", project_id)])


def link_repository(store: DocumentStore, acting: Acting, secret_key: str, project: Document,
                    *, url: str, branch: str = "main", token: str = "") -> Document:
    """Validate access on GitHub and link the repository (replacing a previous one)."""
    owner, name, branch, token = _clean_link(url, branch, token)
    api = GitHub(owner, name, token or None)
    try:
        meta = api.repository()
    except GitHubError as exc:
        field = "token" if exc.code == "UNAUTHORIZED" else "url"
        raise FieldErrors({field: exc.message}) from exc
    try:
        api.branch(branch)
    except GitHubError as exc:
        if exc.code == "NOT_FOUND":
            raise FieldErrors({"branch": f"The repository has no branch “{branch}”."}) from exc
        raise FieldErrors({"url": exc.message}) from exc
    values = {
        "workspace_id": project["workspace_id"], "project_id": project["$id"],
        "owner": owner, "name": name, "url": f"https://github.com/{owner}/{name}",
        "branch": branch, "default_branch": meta.get("default_branch"),
        "private": bool(meta.get("private")), "token_enc": secrets.encrypt(secret_key, token),
        "webhook_secret_enc": secrets.encrypt(secret_key, pysecrets.token_hex(20)),
        "status": "CONNECTED", "last_error": None, "last_synced_at": None,
        "sync_state": "IDLE", "sync_done": 0, "sync_message": None,
        "linked_by": acting.user_id,
    }
    current = repository_of(store, project["$id"])
    with store.transaction():
        if current is not None:
            _clear(store, current["$id"], project["$id"])
            store.delete("github_repositories", current["$id"])
        repo = store.create("github_repositories", values)
        record(store, acting, "github_repository_linked", "project", project["$id"],
               resource_name=project.get("name"), project_id=project["$id"],
               workspace_id=project["workspace_id"],
               changes={"repository": [current["url"] if current else None, repo["url"]],
                        "branch": [current["branch"] if current else None, branch]})
    return repo


def unlink_repository(store: DocumentStore, acting: Acting, project: Document) -> None:
    repo = repository_of(store, project["$id"])
    if repo is None:
        raise Refused("NO_REPOSITORY", status=404)
    with store.transaction():
        _clear(store, repo["$id"], project["$id"])
        store.delete("github_repositories", repo["$id"])
        record(store, acting, "github_repository_unlinked", "project", project["$id"],
               resource_name=project.get("name"), project_id=project["$id"],
               workspace_id=project["workspace_id"], changes={"repository": [repo["url"], None]})


def request_sync(store: DocumentStore, project: Document) -> Document:
    """Claim the repository for a sync (QUEUED); refuses while one is queued or running."""
    repo = repository_of(store, project["$id"])
    if repo is None:
        raise Refused("NO_REPOSITORY", status=404)
    values = {"sync_state": "QUEUED", "sync_done": 0, "sync_message": "Waiting for a worker…"}
    claimed = store.update_where("github_repositories", [
        Query.equal("$id", repo["$id"]), Query.not_equal("sync_state", list(BUSY))], values)
    if not claimed:
        stale = datetime.now(UTC) - STALE
        claimed = store.update_where("github_repositories", [
            Query.equal("$id", repo["$id"]), Query.less_than("$updatedAt", stale)], values)
    if not claimed:
        raise Refused("SYNC_RUNNING")
    return store.get("github_repositories", repo["$id"])


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def save_ref(store: DocumentStore, repo: Mapping[str, Any], project_key: str, *, kind: str,
             ref: str, message: str, author: str | None, url: str | None,
             happened_at: datetime | None, state: str | None = None,
             extra_text: Iterable[str | None] = ()) -> tuple[Document, bool]:
    """Upsert one commit or pull request and link the items it mentions.

    Returns ``(ref document, created)``.
    """
    title = (message or "").strip().splitlines()[0][:500] if (message or "").strip() else ref
    keys = mentioned_keys(project_key, message, *extra_text)
    values = {"title": title, "message": (message or "")[:20_000], "author": (author or "")[:255],
              "url": (url or "")[:500], "state": state, "happened_at": happened_at,
              "item_keys": keys}
    where = [Query.equal("repository_id", repo["$id"]), Query.equal("kind", kind),
             Query.equal("ref", ref)]
    existing = store.first("code_refs", where)
    created = existing is None
    # no transaction: a concurrent delivery of the same commit meets the unique index
    # (Conflict) and reads the winner's row; links are unique too, so each write is safe alone
    if existing is None:
        try:
            doc = store.create("code_refs", {"repository_id": repo["$id"],
                                             "project_id": repo["project_id"], "kind": kind,
                                             "ref": ref, **values})
        except Conflict:
            created = False
            found = store.first("code_refs", where)
            if found is None:
                raise
            doc = found
    else:
        doc = store.update("code_refs", existing["$id"], values)
    if keys:
        items = store.list("work_items", [Query.equal("project_id", repo["project_id"]),
                                          Query.equal("key", keys), Query.limit(len(keys))])
        linked = {lnk["item_id"] for lnk in store.list("code_ref_links", [
            Query.equal("ref_id", doc["$id"]), Query.limit(1000)])}
        for item in items:
            if item["$id"] not in linked:
                with suppress(Conflict):  # linked by a concurrent delivery
                    store.create("code_ref_links", {
                        "ref_id": doc["$id"], "item_id": item["$id"],
                        "project_id": repo["project_id"], "happened_at": happened_at})
    return doc, created


def sync_commits(store: DocumentStore, secret_key: str, repo_id: str,
                 user_id: str | None = None) -> int:
    """Read new commits of the linked branch; returns how many were new.

    Writes progress to the repository row; GitHub failures mark it FAILED (and ERROR for
    access problems) with the message, and are not raised.
    """
    repo = store.find("github_repositories", repo_id)
    if repo is None:
        return 0
    project = store.get("projects", repo["project_id"])
    store.update("github_repositories", repo_id, {"sync_state": "RUNNING", "sync_done": 0,
                                                  "sync_message": "Reading commits…"})
    new = done = 0
    try:
        stop = False
        for page in client_for(repo, secret_key).commits(
                repo["branch"], limit=settings().sync_max_commits):
            for entry in page:
                info = entry.get("commit") or {}
                author = (entry.get("author") or {}).get("login") or \
                    (info.get("author") or {}).get("name")
                _, created = save_ref(store, repo, project["key"], kind="COMMIT",
                                      ref=entry["sha"], message=info.get("message") or "",
                                      author=author, url=entry.get("html_url"),
                                      happened_at=_when((info.get("author") or {}).get("date")))
                done += 1
                new += int(created)
                if not created and repo.get("last_synced_at"):
                    stop = True
                    break
            store.update("github_repositories", repo_id, {
                "sync_done": done, "sync_message": f"Read {done} commits…"})
            if stop:
                break
    except GitHubError as exc:
        access = exc.code in ("NOT_FOUND", "UNAUTHORIZED", "FORBIDDEN")
        store.update("github_repositories", repo_id, {
            "sync_state": "FAILED", "sync_message": exc.message,
            "status": "ERROR" if access else repo.get("status") or "CONNECTED",
            "last_error": exc.message})
        return new
    store.update("github_repositories", repo_id, {
        "sync_state": "DONE", "sync_done": done, "status": "CONNECTED", "last_error": None,
        "last_synced_at": datetime.now(UTC),
        "sync_message": f"{new} new commit{'s' if new != 1 else ''} ({done} read)."})
    workspace = store.find("workspaces", repo["workspace_id"])
    if workspace is not None:
        metering.record_compute(store, workspace=workspace, operation="sync",
                                user_id=user_id, project_id=repo["project_id"],
                                module="github")
    return new


def refs_for_project(store: DocumentStore, project_id: str, limit: int = 50) -> list[Document]:
    return store.list("code_refs", [Query.equal("project_id", project_id),
                                    Query.order_desc("happened_at"),
                                    Query.limit(limit)]).documents


def refs_for_item(store: DocumentStore, item_id: str, limit: int = 20) -> list[Document]:
    links = store.list("code_ref_links", [Query.equal("item_id", item_id),
                                          Query.order_desc("happened_at"),
                                          Query.limit(limit)]).documents
    found = store.get_many("code_refs", [lnk["ref_id"] for lnk in links])
    return [found[lnk["ref_id"]] for lnk in links if lnk["ref_id"] in found]
