"""Matrix rows of the integrations area: the project Code tab (GitHub), code documentation,
the project assistant and duplicate hints, workspace AI settings and the workflow AI panel.

``extras`` links RKT to a repository row (written directly: linking would call GitHub)
whose sync is already RUNNING, and a documentation row being regenerated, so the sync and
generate routes answer 409 (``invalid``) for the actors the guard lets through without
reaching GitHub or Gemini. The webhook is public and refuses the unsigned matrix request
(401, classified ``login``) for everyone.
"""

from __future__ import annotations

from typing import Any

from matrix.rows import ADMIN, DELETE, EDIT, LOGIN, VIEW, everyone, project, workspace

ORDER = 60

ROWS = {
    ("integrations_github.code", "GET"): project(VIEW),
    ("integrations_github.status", "GET"): project(VIEW),
    # linking reaches outside the project: project.settings.manage (owners, overrides)
    ("integrations_github.link", "POST"): project(DELETE),
    ("integrations_github.unlink", "POST"): project(DELETE),
    ("integrations_github.sync", "POST"): project(EDIT),  # tasks.edit
    ("integrations_github.hook", "POST"): everyone(LOGIN),  # 401 without a valid signature
    ("integrations_docs.docs", "GET"): project(VIEW),  # docs.view
    ("integrations_docs.status", "GET"): project(VIEW),
    ("integrations_docs.export", "GET"): project(VIEW),
    ("integrations_docs.ask", "POST"): project(VIEW),
    ("integrations_docs.generate", "POST"): project(ADMIN),  # docs.edit
    ("integrations_ai.settings", "GET"): workspace(ADMIN),  # workspace.settings.manage
    ("integrations_ai.save_settings", "POST"): workspace(ADMIN),
    ("integrations_ai.assistant", "GET"): project(VIEW),  # tasks.view
    ("integrations_ai.ask", "POST"): project(VIEW),
    ("integrations_ai.confirm_create", "POST"): project(EDIT),  # tasks.create
    ("integrations_ai.confirm_update", "POST"): project(EDIT),  # tasks.edit
    ("integrations_ai.similar", "GET"): project(EDIT),  # tasks.create (the create form)
    ("integrations_workflow_ai.panel", "GET"): workspace(VIEW),
    ("integrations_workflow_ai.run", "POST"): workspace(VIEW),
    ("integrations_workflow_ai.generate", "GET"): workspace(ADMIN),
    ("integrations_workflow_ai.preview", "POST"): workspace(ADMIN),
    ("integrations_workflow_ai.apply", "POST"): workspace(ADMIN),
}


def extras(store: Any, world: Any) -> None:
    rkt = world.project
    repo = store.create("github_repositories", {
        "workspace_id": rkt["workspace_id"], "project_id": rkt["$id"], "owner": "acme",
        "name": "rocket", "url": "https://github.com/acme/rocket", "branch": "main",
        "status": "CONNECTED", "sync_state": "RUNNING", "sync_done": 0})
    store.create("code_documents", {
        "project_id": rkt["$id"], "repository_id": repo["$id"], "state": "RUNNING",
        "markdown": "# acme/rocket\n", "html": "<h1>acme/rocket</h1>", "files": []})
    world.extras["github_repository"] = repo


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if endpoint == "integrations_github.hook":
        return {"repo_id": world.extras["github_repository"]["$id"]}
    if endpoint.startswith("integrations_workflow_ai."):
        return {"workflow_id": world.extras["workflow"]["$id"], "action": "ask"}
    return {}
