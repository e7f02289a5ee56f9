"""Workspace AI settings, the project assistant and duplicate detection.

* ``/w/<ws>/settings/ai``: ``workspace.settings.manage``.
* The assistant (``/w/<ws>/projects/<p>/assistant``): reading and asking need
  ``project.tasks.view``; confirming a proposed new item needs ``project.tasks.create``, a
  proposed change ``project.tasks.edit`` (the items service then applies its own rules).
* Duplicates (``…/similar-items``): ``project.tasks.create`` (it serves the create form).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for

from webapp.authz.guards import project_required, workspace_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.integrations import secrets
from webapp.features.integrations.ai import assistant, duplicates, gemini
from webapp.features.integrations.forms import AISettingsForm, AskForm, ProposalForm
from webapp.features.integrations.web import failure, secret_key
from webapp.features.items import service as items
from webapp.features.items.service import Actor, StaleEdit
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import acting, allowed, attach_errors, store
from webapp.htmx import render

bp = Blueprint("integrations_ai", __name__)
PBASE = "/w/<workspace_id>/projects/<project_id>/assistant"


# -- workspace settings ----------------------------------------------------------------------
def _settings_page(form: AISettingsForm | None = None, status: int = 200) -> Any:
    conf = gemini.config(store(), secret_key(), g.workspace["$id"])
    if form is None:
        form = AISettingsForm(formdata=None, data={"enabled": conf.enabled,
                                                    "model": conf.model})
    form.model.choices = options((m, m) for m in gemini.MODELS)
    return render("integrations/ai_settings.html", "ai_settings", status=status,
                  workspace=g.workspace, form=form, conf=conf,
                  key_hint=secrets.hint(conf.api_key), tab="settings")


@bp.route("/w/<workspace_id>/settings/ai", endpoint="settings")
@workspace_required(WP.MANAGE_SETTINGS)
def settings_page(workspace_id: str) -> Any:
    return _settings_page()


@bp.route("/w/<workspace_id>/settings/ai", methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def save_settings(workspace_id: str) -> Any:
    form = AISettingsForm()
    if form.validate_on_submit():
        try:
            gemini.save_settings(store(), acting(), secret_key(), g.workspace,
                                 enabled=bool(form.enabled.data), model=form.model.data or "",
                                 api_key=form.api_key.data, clear_key=bool(form.clear_key.data))
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("AI settings saved.", "success")
            return redirect(url_for("integrations_ai.settings", workspace_id=workspace_id), 303)
    return _settings_page(form, 422)


# -- project assistant -----------------------------------------------------------------------
def _assistant(status: int = 200, **extra: Any) -> Any:
    conf = gemini.config(store(), secret_key(), g.workspace["$id"])
    context = {"workspace": g.workspace, "project": g.project, "ptab": "code",
               "subtab": "assistant", "ai_ready": conf.ready,
               "can_create": allowed(PP.CREATE_TASKS), "can_edit": allowed(PP.EDIT_TASKS),
               "form": AskForm(formdata=None), "answer": None, "proposals": [],
               "error": None, "types": assistant.TYPES, "priorities": assistant.PRIORITIES}
    context.update(extra)
    block = "assistant_main" if "answer_only" not in extra else "assistant_answer"
    return render("integrations/assistant.html", block, status=status, **context)


@bp.route(PBASE, endpoint="assistant")
@project_required(PP.VIEW_TASKS)
def assistant_page(workspace_id: str, project_id: str) -> Any:
    return _assistant()


@bp.route(f"{PBASE}/ask", methods=["POST"])
@project_required(PP.VIEW_TASKS)
def ask(workspace_id: str, project_id: str) -> Any:
    form = AskForm()
    if not form.validate_on_submit():
        return _assistant(422, form=form, answer_only=True)
    try:
        result = assistant.ask(store(), secret_key(), workspace=g.workspace, project=g.project,
                               user=g.user, question=form.question.data or "")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _assistant(422, form=form, answer_only=True)
    except (gemini.AIUnavailable, Refused) as exc:
        message, code = failure(exc)
        return _assistant(code, form=form, error=message, answer_only=True)
    return _assistant(form=form, answer=result.html, proposals=result.proposals,
                      answer_only=True)


def _item_url(item: dict[str, Any]) -> str:
    return url_for("items.page", workspace_id=item["workspace_id"],
                   project_id=item["project_id"], item_id=item["$id"])


@bp.route(f"{PBASE}/create", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def confirm_create(workspace_id: str, project_id: str) -> Any:
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            item = items.create_item(
                store(), acting(), g.project, title=form.title.data or "",
                description=form.description.data or None, type=form.type.data or "TASK",
                priority=form.priority.data or "MEDIUM", reporter_id=g.user["$id"],
                audit_metadata={"source": "ai_assistant"})
        except (FieldErrors, Refused) as exc:
            message = "; ".join(exc.errors.values()) if isinstance(exc, FieldErrors) \
                else exc.message
            return _assistant(422, error=message, answer_only=True)
        flash(f"{item['key']} created.", "success")
        return redirect(_item_url(item), 303)
    return _assistant(422, error="The proposal is incomplete.", answer_only=True)


@bp.route(f"{PBASE}/update", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def confirm_update(workspace_id: str, project_id: str) -> Any:
    form = ProposalForm()
    if not form.validate_on_submit() or not form.item_id.data:
        return _assistant(422, error="The proposal is incomplete.", answer_only=True)
    changes = {"title": form.title.data or "", "priority": form.priority.data or "MEDIUM",
               "description": form.description.data or None}
    try:
        version = int(form.version.data or 0)
        item = items.update_item(
            store(), acting(), g.project, form.item_id.data, changes, expected_version=version,
            actor=Actor(g.user["$id"]))
    except StaleEdit as exc:
        return _assistant(409, error=exc.message, answer_only=True)
    except (FieldErrors, Refused, ValueError) as exc:
        message = "; ".join(exc.errors.values()) if isinstance(exc, FieldErrors) else \
            getattr(exc, "message", "The proposal could not be applied.")
        code = getattr(exc, "status", 422) if isinstance(exc, Refused) else 422
        return _assistant(code, error=message, answer_only=True)
    flash(f"{item['key']} updated.", "success")
    return redirect(_item_url(item), 303)


# -- duplicates --------------------------------------------------------------------------------
@bp.route("/w/<workspace_id>/projects/<project_id>/similar-items")
@project_required(PP.CREATE_TASKS)
def similar(workspace_id: str, project_id: str) -> Any:
    title = (request.args.get("title") or "")[:500]
    description = (request.args.get("description") or "")[:5000]
    matches = duplicates.similar_items(store(), project_id, title, description)
    return render("integrations/_similar.html", None, workspace=g.workspace,
                  project=g.project, matches=matches)
