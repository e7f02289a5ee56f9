"""AI code documentation of a project's linked repository, and code Q&A over it.

``request`` claims the project's ``code_documents`` row (QUEUED; refused while one runs);
``generate`` (the job) reads the branch's tree, picks at most ``DOCS_MAX_FILES`` key files
(READMEs and manifests first, then source files by depth and size, skipping vendored,
generated and binary paths), reads each up to ``DOCS_MAX_FILE_BYTES`` with progress on the
row, and asks Gemini once (``ai_doc_generation``, 15 units) for Markdown with an
architecture overview, the file structure, per-file summaries and a Mermaid diagram. The
Markdown is stored with its sanitised HTML (markdown-it + nh3); ``ask`` answers questions
from the stored document and file list (``ai_summary``, 10 units), citing file paths.
"""

from __future__ import annotations

import posixpath
import re
from datetime import UTC, datetime
from typing import Any

from webapp.features.integrations.ai import gemini
from webapp.features.integrations.config import settings
from webapp.features.integrations.github import service
from webapp.features.integrations.github.client import GitHubError
from webapp.features.items import markdown
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

SKIP_DIRS = {"node_modules", "vendor", "dist", "build", ".git", ".github", "__pycache__",
             ".venv", "venv", "target", "coverage", ".next", "out"}
SKIP_EXT = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".pdf", ".zip", ".gz", ".lock",
            ".woff", ".woff2", ".ttf", ".eot", ".mp4", ".mp3", ".min.js", ".map", ".jar",
            ".so", ".dll", ".exe", ".bin", ".db", ".sqlite"}
MANIFESTS = {"readme.md", "readme", "readme.rst", "pyproject.toml", "package.json",
             "setup.py", "go.mod", "cargo.toml", "pom.xml", "build.gradle", "dockerfile",
             "docker-compose.yml", "makefile", "gemfile", "composer.json"}
SOURCE_EXT = {".py", ".js", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".kt", ".rb",
              ".php", ".cs", ".c", ".h", ".cpp", ".swift", ".scala", ".vue", ".svelte",
              ".sql", ".sh", ".yml", ".yaml", ".toml", ".md"}
PROMPT_CHARS = 150_000
BUSY = ("QUEUED", "RUNNING")

Refused.MESSAGES.update({"DOCS_RUNNING": "Documentation is already being generated."})


def document_of(store: DocumentStore, project_id: str) -> Document | None:
    return store.first("code_documents", [Query.equal("project_id", project_id)])


def pick_files(tree: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The key files of a repository tree, most useful first, at most ``limit``."""
    def usable(entry: dict[str, Any]) -> bool:
        path = str(entry.get("path") or "")
        parts = path.split("/")
        lower = path.lower()
        return bool(path) and not any(p in SKIP_DIRS for p in parts[:-1]) and \
            not any(lower.endswith(ext) for ext in SKIP_EXT)

    def rank(entry: dict[str, Any]) -> tuple[int, int, int, str]:
        path = str(entry["path"])
        name = posixpath.basename(path).lower()
        manifest = 0 if name in MANIFESTS else 1
        source = 0 if posixpath.splitext(name)[1] in SOURCE_EXT else 1
        return (manifest, source + path.count("/"), int(entry.get("size") or 0), path)

    candidates = sorted((e for e in tree if usable(e)), key=rank)
    return [e for e in candidates if rank(e)[0] == 0 or
            posixpath.splitext(str(e["path"]).lower())[1] in SOURCE_EXT][:limit]


def file_tree(paths: list[str]) -> str:
    return "\n".join(sorted(paths))


def request(store: DocumentStore, project: Document, user_id: str | None) -> Document:
    repo = service.repository_of(store, project["$id"])
    if repo is None:
        raise Refused("NO_REPOSITORY", status=404)
    doc = document_of(store, project["$id"])
    values = {"state": "QUEUED", "progress": 0, "total": 0,
              "message": "Waiting for a worker…", "requested_by": user_id,
              "repository_id": repo["$id"]}
    if doc is None:
        return store.create("code_documents", {"project_id": project["$id"], **values})
    if not store.update_where("code_documents", [Query.equal("$id", doc["$id"]),
                                                 Query.not_equal("state", list(BUSY))], values) \
            and not store.update_where("code_documents", [
                Query.equal("$id", doc["$id"]),
                Query.less_than("$updatedAt", datetime.now(UTC) - service.STALE)], values):
        raise Refused("DOCS_RUNNING")
    return store.get("code_documents", doc["$id"])


def _fail(store: DocumentStore, doc_id: str, message: str) -> bool:
    store.update("code_documents", doc_id, {"state": "FAILED", "message": message[:500]})
    return False


def generate(store: DocumentStore, secret_key: str, project_id: str,
             user_id: str | None = None) -> bool:
    """The job: read the repository, ask Gemini, store the document. False on failure."""
    doc = document_of(store, project_id)
    repo = service.repository_of(store, project_id)
    if doc is None:
        return False
    if repo is None:
        return _fail(store, doc["$id"], "No GitHub repository is linked to this project.")
    conf = settings()
    store.update("code_documents", doc["$id"], {"state": "RUNNING",
                                                "message": "Reading the repository tree…"})
    api = service.client_for(repo, secret_key)
    files: list[dict[str, Any]] = []
    try:
        tree = api.tree(repo["branch"])
        chosen = pick_files(tree, conf.docs_max_files)
        store.update("code_documents", doc["$id"], {"total": len(chosen)})
        for n, entry in enumerate(chosen, 1):
            text = api.file_text(entry["path"], repo["branch"], conf.docs_max_file_bytes)
            if text is not None:
                files.append({"path": entry["path"], "size": int(entry.get("size") or 0),
                              "text": text})
            store.update("code_documents", doc["$id"], {
                "progress": n, "message": f"Read {n} of {len(chosen)} files…"})
    except GitHubError as exc:
        return _fail(store, doc["$id"], exc.message)
    if not files:
        return _fail(store, doc["$id"], "The repository has no readable source files.")
    store.update("code_documents", doc["$id"], {"message": "Writing the documentation…"})
    budget, parts = PROMPT_CHARS, []
    for f in files:
        chunk = f"\n--- FILE {f['path']} ---\n{f['text']}"
        if len(chunk) > budget:
            chunk = chunk[:budget]
        parts.append(chunk)
        budget -= len(chunk)
        if budget <= 0:
            break
    prompt = (
        f"Repository {repo['owner']}/{repo['name']} (branch {repo['branch']}).\n"
        f"All file paths:\n{file_tree([str(e['path']) for e in tree][:500])}\n\n"
        f"Contents of the key files:{''.join(parts)}\n\n"
        "Write Markdown documentation with exactly these sections: '## Architecture "
        "overview', '## File structure' (a tree in a code block), '## Files' (one '### "
        "`path`' subsection per file above with a short summary), and '## Diagram' (one "
        "```mermaid flowchart of the main components). Do not invent files.")
    workspace = store.get("workspaces", repo["workspace_id"])
    user = store.find("users", user_id) if user_id else None
    try:
        text = gemini.generate(store, secret_key, workspace=workspace, user=user,
                               operation="ai_doc_generation", prompt=prompt,
                               project_id=project_id, max_tokens=8192)
    except gemini.AIUnavailable as exc:
        return _fail(store, doc["$id"], exc.message)
    except Refused as exc:
        return _fail(store, doc["$id"], exc.message)
    body = f"# {repo['owner']}/{repo['name']}\n\n{text.strip()}\n"
    html, _ = markdown.render(body, {})
    store.update("code_documents", doc["$id"], {
        "state": "DONE", "markdown": body, "html": html, "generated_at": datetime.now(UTC),
        "files": [{"path": f["path"], "size": f["size"]} for f in files],
        "message": f"Documented {len(files)} files."})
    return True


CITE = re.compile(r"`([^`\s]+)`")


def ask(store: DocumentStore, secret_key: str, *, workspace: Document, project: Document,
        user: Document, question: str) -> tuple[str, list[str]]:
    """Answer from the stored documentation; returns (sanitised HTML, cited paths)."""
    question = (question or "").strip()
    if not 10 <= len(question) <= 2000:
        raise FieldErrors({"question": "Ask a question of 10 to 2,000 characters."})
    doc = document_of(store, project["$id"])
    if doc is None or not doc.get("markdown"):
        raise Refused("NO_DOCUMENTATION", "Generate the documentation first.", status=409)
    paths = [str(f["path"]) for f in doc.get("files") or []]
    prompt = (f"Documentation of the repository:\n{str(doc['markdown'])[:PROMPT_CHARS]}\n\n"
              f"Files: {', '.join(paths)}\n\nQuestion: {question}\n\nAnswer in Markdown from "
              "the documentation only; cite the relevant file paths in backticks.")
    text = gemini.generate(store, secret_key, workspace=workspace, user=user,
                           operation="ai_summary", prompt=prompt, project_id=project["$id"])
    cited = [p for p in dict.fromkeys(CITE.findall(text)) if p in paths]
    return markdown.render(text, {})[0] or "", cited
