"""AI code documentation of a project's repository: generate (a job with live progress),
read (sanitised HTML), export as Markdown, and ask questions about the code.

Reading and asking need ``project.docs.view``; generating needs ``project.docs.edit``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, redirect, url_for

from jobs.integrations import generate_documentation
from webapp.authz.guards import project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.integrations.ai.gemini import AIUnavailable
from webapp.features.integrations.forms import AskForm
from webapp.features.integrations.github import docs, service
from webapp.features.integrations.web import enqueue, failure, secret_key
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import allowed, attach_errors, refused, store
from webapp.htmx import is_htmx, render

bp = Blueprint("integrations_docs", __name__)
BASE = "/w/<workspace_id>/projects/<project_id>/code/docs"


def _context(**extra: Any) -> dict[str, Any]:
    return {"workspace": g.workspace, "project": g.project, "ptab": "code", "subtab": "docs",
            "repo": service.repository_of(store(), g.project["$id"]),
            "doc": docs.document_of(store(), g.project["$id"]),
            "can_generate": allowed(PP.EDIT_DOCS), **extra}


@bp.route(BASE, endpoint="docs")
@project_required(PP.VIEW_DOCS)
def docs_page(workspace_id: str, project_id: str) -> Any:
    return render("integrations/docs.html", "docs_main", form=AskForm(formdata=None),
                  **_context())


@bp.route(f"{BASE}/status")
@project_required(PP.VIEW_DOCS)
def status(workspace_id: str, project_id: str) -> Any:
    return render("integrations/docs.html", "docs_state", form=AskForm(formdata=None),
                  **_context())


@bp.route(f"{BASE}/generate", methods=["POST"])
@project_required(PP.EDIT_DOCS)
def generate(workspace_id: str, project_id: str) -> Any:
    try:
        doc = docs.request(store(), g.project, g.user["$id"])
    except Refused as exc:
        return refused(exc)
    if not enqueue(generate_documentation, project_id, g.user["$id"]):
        store().update("code_documents", doc["$id"], {
            "state": "FAILED", "message": "The job queue is unavailable."})
    if is_htmx():
        return status(workspace_id=workspace_id, project_id=project_id)
    return redirect(url_for("integrations_docs.docs", workspace_id=workspace_id,
                            project_id=project_id), 303)


@bp.route(f"{BASE}.md")
@project_required(PP.VIEW_DOCS)
def export(workspace_id: str, project_id: str) -> Any:
    doc = docs.document_of(store(), project_id)
    if doc is None or not doc.get("markdown"):
        return refused(Refused("NO_DOCUMENTATION", "No documentation yet.", status=404))
    name = f"{g.project['key'].lower()}-code-documentation.md"
    return Response(doc["markdown"], mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route(f"{BASE}/ask", methods=["POST"])
@project_required(PP.VIEW_DOCS)
def ask(workspace_id: str, project_id: str) -> Any:
    form = AskForm()
    answer = error = None
    cited: list[str] = []
    code = 200
    if form.validate_on_submit():
        try:
            answer, cited = docs.ask(store(), secret_key(), workspace=g.workspace,
                                     project=g.project, user=g.user,
                                     question=form.question.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
            code = 422
        except (AIUnavailable, Refused) as exc:
            error, code = failure(exc)
    else:
        code = 422
    return render("integrations/docs.html", "docs_qa", status=code, form=form, answer=answer,
                  cited=cited, error=error, **_context())
