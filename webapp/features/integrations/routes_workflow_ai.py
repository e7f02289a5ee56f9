"""The workflow AI panel (a page next to the workflow editor): ask about a workflow, get a
status or transition suggestion, AI advice on the analysis; and generating a workflow from
a description (preview, then apply on confirmation).

The panel of a workflow needs what reading the workflow needs (``workflows.routes.
may_read``); generating and applying a workspace workflow need
``workspace.settings.manage``, like creating one in the editor.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, url_for

from webapp.authz.guards import workspace_required
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.integrations.ai import gemini
from webapp.features.integrations.ai import workflow as wf_ai
from webapp.features.integrations.forms import ApplyWorkflowForm, AskForm, GenerateWorkflowForm
from webapp.features.integrations.web import failure, secret_key
from webapp.features.workflows import service as workflows
from webapp.features.workflows.routes import may_read
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, attach_errors, store
from webapp.htmx import render

bp = Blueprint("integrations_workflow_ai", __name__)
BASE = "/w/<workspace_id>/workflows/<workflow_id>/ai"
GEN = "/w/<workspace_id>/workflows/ai/generate"


def _workflow(workspace_id: str, workflow_id: str) -> dict[str, Any]:
    workflow = workflows.get_workflow(store(), workspace_id, workflow_id)
    if workflow is None or not may_read(workflow):
        abort(404)
    return workflow


def _panel(workflow: dict[str, Any], status: int = 200, block: str = "wfai_main",
           **extra: Any) -> Any:
    conf = gemini.config(store(), secret_key(), g.workspace["$id"])
    context = {"workspace": g.workspace, "workflow": workflow, "form": AskForm(formdata=None),
               "answer": None, "error": None, "ai_ready": conf.ready, "tab": "workflows",
               "analysis": workflows.analyse_workflow(store(), workflow)}
    context.update(extra)
    return render("integrations/workflow_ai.html", block, status=status, **context)


@bp.route(BASE, endpoint="panel")
@workspace_required()
def panel(workspace_id: str, workflow_id: str) -> Any:
    return _panel(_workflow(workspace_id, workflow_id))


@bp.route(f"{BASE}/<action>", methods=["POST"])
@workspace_required()
def run(workspace_id: str, workflow_id: str, action: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id)
    if action not in ("ask", "suggest-status", "suggest-transition", "advise"):
        abort(404)
    form = AskForm()
    if not form.validate_on_submit():
        return _panel(workflow, 422, "wfai_answer", form=form)
    common = {"workspace": g.workspace, "user": g.user, "workflow": workflow}
    try:
        if action == "ask":
            answer = wf_ai.ask(store(), secret_key(), question=form.question.data or "",
                               **common)
        elif action == "advise":
            answer = wf_ai.advise(store(), secret_key(), **common)
        else:
            answer = wf_ai.suggest(store(), secret_key(), kind=action.split("-")[1], **common)
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _panel(workflow, 422, "wfai_answer", form=form)
    except (gemini.AIUnavailable, Refused) as exc:
        message, code = failure(exc)
        return _panel(workflow, code, "wfai_answer", form=form, error=message)
    return _panel(workflow, 200, "wfai_answer", form=form, answer=answer)


def _generate_page(status: int = 200, **extra: Any) -> Any:
    conf = gemini.config(store(), secret_key(), g.workspace["$id"])
    context = {"workspace": g.workspace, "form": GenerateWorkflowForm(formdata=None),
               "draft": None, "apply_form": None, "error": None, "ai_ready": conf.ready,
               "tab": "workflows"}
    context.update(extra)
    return render("integrations/workflow_generate.html", "wfgen_main", status=status,
                  **context)


@bp.route(GEN, endpoint="generate")
@workspace_required(WP.MANAGE_SETTINGS)
def generate_page(workspace_id: str) -> Any:
    return _generate_page()


@bp.route(GEN, methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def preview(workspace_id: str) -> Any:
    form = GenerateWorkflowForm()
    if not form.validate_on_submit():
        return _generate_page(422, form=form)
    try:
        draft = wf_ai.generate(store(), secret_key(), workspace=g.workspace, user=g.user,
                               description=form.description.data or "")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _generate_page(422, form=form)
    except (gemini.AIUnavailable, Refused) as exc:
        message, code = failure(exc)
        return _generate_page(code, form=form, error=message)
    apply_form = ApplyWorkflowForm(formdata=None, data={"draft": json.dumps(draft),
                                                        "name": draft["name"]})
    return _generate_page(form=form, draft=draft, apply_form=apply_form)


@bp.route(f"{GEN}/apply", methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def apply(workspace_id: str) -> Any:
    form = ApplyWorkflowForm()
    try:
        draft = json.loads(form.draft.data or "") if form.validate_on_submit() else None
        if not isinstance(draft, dict):
            raise ValueError
        workflow = wf_ai.apply_draft(store(), acting(), workspace_id, draft,
                                     name=form.name.data)
    except (ValueError, FieldErrors, Refused) as exc:
        message = "; ".join(exc.errors.values()) if isinstance(exc, FieldErrors) else \
            getattr(exc, "message", "The draft is not a valid workflow; generate it again.")
        return _generate_page(422, error=message)
    flash(f"Workflow “{workflow['name']}” created.", "success")
    return redirect(url_for("workflows.editor", workspace_id=workspace_id,
                            workflow_id=workflow["$id"]), 303)
