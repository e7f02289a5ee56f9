"""Workflow AI (ask, suggest, advise, generate → preview → apply through the workflows
services) and AI code documentation (job with progress, bounded files, export, code Q&A)."""

from __future__ import annotations

import json

import pytest
from doubles.github_server import Repo

from webapp.features.integrations.ai import workflow as wf_ai
from webapp.features.integrations.github import docs, service
from webapp.features.workflows import service as workflows
from webapp.features.workflows.statuses import statuses_of, transitions_of
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as

DRAFT = {"name": "Support", "description": "Tickets", "statuses": [
    {"key": "NEW", "name": "New", "status_type": "OPEN"},
    {"key": "TRIAGED", "name": "Triaged", "status_type": "IN_PROGRESS"},
    {"key": "waiting on customer", "name": "Waiting", "status_type": "IN_PROGRESS"},
    {"key": "NEW", "name": "Duplicate key"},
    {"key": "SOLVED", "name": "Solved", "status_type": "CLOSED", "is_final": True}],
    "transitions": [{"from": "NEW", "to": "TRIAGED", "name": "Triage"},
                    {"from": "TRIAGED", "to": "WAITING_ON_CUSTOMER"},
                    {"from": None, "to": "SOLVED", "name": "Solve"},
                    {"from": "NEW", "to": "NOWHERE"}, {"from": "NEW", "to": "NEW"}]}


def test_clean_draft_rules():
    clean = wf_ai.clean_draft(DRAFT)
    assert [s["key"] for s in clean["statuses"]] == ["NEW", "TRIAGED", "WAITING_ON_CUSTOMER",
                                                     "SOLVED"]
    assert [(t["from"], t["to"]) for t in clean["transitions"]] == [
        ("NEW", "TRIAGED"), ("TRIAGED", "WAITING_ON_CUSTOMER"), (None, "SOLVED")]
    for bad in (None, {"statuses": "x"}, {"statuses": [{"key": "ONLY"}]}):
        with pytest.raises(FieldErrors):
            wf_ai.clean_draft(bad)


def test_generate_preview_apply(client, store, owner, org_ws, ai_on, gemini_server):
    url = f"/w/{org_ws['$id']}/workflows/ai/generate"
    login_as(client, owner)
    token = csrf_from(client.get(url).get_data(as_text=True))
    short = client.post(url, data={"csrf_token": token, "description": "short"})
    assert short.status_code == 422 and "10 to 2,000" in short.get_data(as_text=True)
    gemini_server.reply(f"```json\n{json.dumps(DRAFT)}\n```")
    before = store.count("workflows", [])
    preview = client.post(url, data={"csrf_token": token,
                                     "description": "A support desk with customer waits"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview: Support" in page and "Triaged" in page
    assert store.count("workflows", []) == before  # nothing written before confirming
    draft = json.loads(page.split('name="draft" type="hidden" value="')[1].split('"')[0]
                       .replace("&#34;", '"').replace("&quot;", '"'))
    applied = client.post(f"{url}/apply", data={"csrf_token": token, "name": "Desk",
                                                "draft": json.dumps(draft)})
    assert applied.status_code == 303
    flow = store.first("workflows", [Query.equal("name", "Desk")])
    assert flow["description"].startswith("AI-generated.")
    statuses = statuses_of(store, flow["$id"])
    assert [s["key"] for s in statuses] == ["NEW", "TRIAGED", "WAITING_ON_CUSTOMER", "SOLVED"]
    assert statuses[0]["is_initial"] and statuses[-1]["is_final"]
    assert len(transitions_of(store, flow["$id"])) == 3
    analysis = workflows.analyse_workflow(store, flow)
    assert [s["key"] for s in analysis.dead_ends] == []  # "any → Solved" leads out of each
    broken = client.post(f"{url}/apply", data={"csrf_token": token, "draft": "{not json"})
    assert broken.status_code == 422


def test_panel_ask_suggest_advise(client, store, owner, org_ws, ai_on, gemini_server):
    flow = workflows.create_from_template(store, acting(owner), org_ws["$id"],
                                          "SOFTWARE_DEVELOPMENT", name="Dev")
    base = f"/w/{org_ws['$id']}/workflows/{flow['$id']}/ai"
    login_as(client, owner)
    page = client.get(base)
    assert page.status_code == 200 and "Workflow assistant" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    for action, reply in (("ask", "Move it back with *Request Changes*."),
                          ("suggest-status", "Add **Blocked**."),
                          ("suggest-transition", "Add Done → To Do."),
                          ("advise", "The workflow is sound.")):
        gemini_server.reply(reply)
        got = client.post(f"{base}/{action}", data={"csrf_token": token,
                                                    "question": "What now?"},
                          headers={"HX-Request": "true"})
        assert got.status_code == 200 and 'id="wfai-answer"' in got.get_data(as_text=True)
    prompt = gemini_server.prompts()[0]
    assert "In Review (key IN_REVIEW, IN_PROGRESS)" in prompt and "Analysis:" in prompt
    assert "Request Changes" in prompt
    assert client.post(f"{base}/nonsense", data={"csrf_token": token}).status_code == 404
    assert store.count("ai_usage", [Query.equal("operation", "ai_suggestion")]) == 4
    assert client.get(f"/w/{org_ws['$id']}/workflows/missing/ai").status_code == 404


def test_docs_pick_files_is_bounded():
    tree = [{"path": p, "size": s, "type": "blob"} for p, s in (
        ("README.md", 10), ("src/app.py", 100), ("node_modules/x/index.js", 5),
        ("logo.png", 5), ("src/deep/a/b.py", 50), ("pyproject.toml", 20), ("notes.bin", 1))]
    picked = [e["path"] for e in docs.pick_files(tree, 3)]
    assert picked == ["README.md", "pyproject.toml", "src/app.py"]


def test_docs_generate_export_and_ask(client, store, owner, project, github, gemini_server,
                                      ai_on, secret, monkeypatch):
    monkeypatch.setenv("DOCS_MAX_FILES", "3")
    monkeypatch.setenv("DOCS_MAX_FILE_BYTES", "40")
    github.add(Repo("acme", "web", branches={"main": []}, files={
        "README.md": "# Web\nThe shop front.", "src/app.py": "print('hi')\n" * 20,
        "src/db.py": "DB = 1", "src/deep/extra.py": "x = 2", "img/logo.png": "PNG"}))
    service.link_repository(store, acting(owner), secret, project,
                            url="https://github.com/acme/web")
    base = f"/w/{project['workspace_id']}/projects/{project['$id']}/code/docs"
    login_as(client, owner)
    token = csrf_from(client.get(base).get_data(as_text=True))
    gemini_server.reply("## Architecture overview\nA shop.\n\n## Files\n### `src/app.py`\n"
                        "Entry.<script>alert(1)</script>\n\n## Diagram\n```mermaid\n"
                        "flowchart LR\n  A-->B\n```")
    started = client.post(f"{base}/generate", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    assert started.status_code == 200 and 'id="docs-state"' in started.get_data(as_text=True)
    doc = docs.document_of(store, project["$id"])
    assert doc["state"] == "DONE" and doc["progress"] == 3 and doc["total"] == 3
    assert [f["path"] for f in doc["files"]] == ["README.md", "src/db.py", "src/app.py"]
    prompt = gemini_server.prompts()[-1]
    assert "--- FILE src/app.py ---" in prompt and prompt.count("print('hi')") == 3  # 40 bytes
    assert "<script>" not in doc["html"] and "flowchart LR" in doc["html"]
    usage = store.first("ai_usage", [Query.equal("operation", "ai_doc_generation")])
    assert usage["units"] == 15
    page = client.get(base).get_data(as_text=True)
    assert "Architecture overview" in page and "Export Markdown" in page
    exported = client.get(f"{base}.md")
    assert exported.mimetype == "text/markdown" and "attachment" in exported.headers[
        "Content-Disposition"] and exported.get_data(as_text=True).startswith("# acme/web")
    gemini_server.reply("The entry point is `src/app.py`; see also `missing.py`.")
    answer = client.post(f"{base}/ask", data={"csrf_token": token,
                                              "question": "Where does the app start?"},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "https://github.com/acme/web/blob/main/src/app.py" in answer
    assert "blob/main/missing.py" not in answer
    short = client.post(f"{base}/ask", data={"csrf_token": token, "question": "why"})
    assert short.status_code == 422
    # a GitHub failure while reading marks the document FAILED with the message
    github.fail_next(502)
    docs.request(store, project, owner["$id"])
    assert docs.generate(store, secret, project["$id"], owner["$id"]) is False
    assert "not answering" in docs.document_of(store, project["$id"])["message"]


def test_docs_refusals(store, owner, project, github, secret):
    with pytest.raises(Refused):
        docs.request(store, project, owner["$id"])
    github.add(Repo("acme", "web", branches={"main": []}))
    service.link_repository(store, acting(owner), secret, project,
                            url="https://github.com/acme/web")
    docs.request(store, project, owner["$id"])
    with pytest.raises(Refused) as running:
        docs.request(store, project, owner["$id"])
    assert running.value.code == "DOCS_RUNNING"
    # an empty repository: the job fails with a clear message
    assert docs.generate(store, secret, project["$id"], owner["$id"]) is False
    assert "no readable" in docs.document_of(store, project["$id"])["message"]
    # files, but AI is not set up in the workspace: the same, with the AI's message
    github.repos["acme/web"].files["README.md"] = "# Web"
    docs.request(store, project, owner["$id"])
    assert docs.generate(store, secret, project["$id"], owner["$id"]) is False
    failed = docs.document_of(store, project["$id"])
    assert failed["state"] == "FAILED" and "not set up" in failed["message"]
    assert store.count("ai_usage", []) == 0
