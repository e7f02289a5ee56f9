"""The project "Code" tab: the linked GitHub repository, commit sync with live progress,
commits and pull requests; and the inbound GitHub webhook.

Reading the tab needs ``project.view``; linking and unlinking need
``project.settings.manage`` (integrations, see ``authz/vocabulary.py``); a sync needs
``project.tasks.edit`` (it only links commits to items). The webhook is public and
verified by its signature (CSRF exempt: GitHub posts it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for

from jobs.integrations import sync_repository
from webapp.authz.guards import project_required, public
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.extensions import csrf
from webapp.features.integrations.forms import LinkForm
from webapp.features.integrations.github import service, webhook
from webapp.features.integrations.web import enqueue, secret_key
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import is_htmx, render

bp = Blueprint("integrations_github", __name__)
BASE = "/w/<workspace_id>/projects/<project_id>/code"


def _code_url() -> str:
    return url_for("integrations_github.code", workspace_id=g.workspace["$id"],
                   project_id=g.project["$id"])


def _page(form: LinkForm | None = None, status: int = 200) -> Any:
    repo = service.repository_of(store(), g.project["$id"])
    manage = allowed(PP.MANAGE_SETTINGS)
    form = form or LinkForm(formdata=None, data={
        "url": (repo or {}).get("url", ""), "branch": (repo or {}).get("branch", "main")})
    hook_url = hook_secret = None
    if repo is not None and manage:
        hook_url = url_for("integrations_github.hook", repo_id=repo["$id"], _external=True)
        hook_secret = service.webhook_secret(repo, secret_key())
    return render("integrations/code.html", "code_main", status=status,
                  workspace=g.workspace, project=g.project, repo=repo, form=form,
                  refs=service.refs_for_project(store(), g.project["$id"]),
                  can_manage=manage, can_sync=allowed(PP.EDIT_TASKS),
                  hook_url=hook_url, hook_secret=hook_secret, ptab="code")


@bp.route(BASE)
@project_required(PP.VIEW_PROJECT)
def code(workspace_id: str, project_id: str) -> Any:
    return _page()


@bp.route(f"{BASE}/status")
@project_required(PP.VIEW_PROJECT)
def status(workspace_id: str, project_id: str) -> Any:
    repo = service.repository_of(store(), project_id)
    return render("integrations/_sync_status.html", None, workspace=g.workspace,
                  project=g.project, repo=repo, can_sync=allowed(PP.EDIT_TASKS))


@bp.route(f"{BASE}/link", methods=["POST"])
@project_required(PP.MANAGE_SETTINGS)
def link(workspace_id: str, project_id: str) -> Any:
    form = LinkForm()
    if form.validate_on_submit():
        try:
            service.link_repository(store(), acting(), secret_key(), g.project,
                                    url=form.url.data or "", branch=form.branch.data or "",
                                    token=form.token.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Repository linked. Sync to read its commits.", "success")
            return redirect(_code_url(), 303)
    return _page(form, 422)


@bp.route(f"{BASE}/unlink", methods=["POST"])
@project_required(PP.MANAGE_SETTINGS)
def unlink(workspace_id: str, project_id: str) -> Any:
    try:
        service.unlink_repository(store(), acting(), g.project)
    except Refused as exc:
        return refused(exc)
    flash("Repository unlinked.", "success")
    return redirect(_code_url(), 303)


@bp.route(f"{BASE}/sync", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def sync(workspace_id: str, project_id: str) -> Any:
    try:
        repo = service.request_sync(store(), g.project)
    except Refused as exc:
        return refused(exc)
    if not enqueue(sync_repository, repo["$id"], g.user["$id"]):
        store().update("github_repositories", repo["$id"], {
            "sync_state": "FAILED", "sync_message": "The job queue is unavailable."})
    if is_htmx():
        return status(workspace_id=workspace_id, project_id=project_id)
    return redirect(_code_url(), 303)


@bp.route("/integrations/github/hooks/<repo_id>", methods=["POST"])
@public
@csrf.exempt
def hook(repo_id: str) -> Any:
    try:
        result = webhook.handle(store(), secret_key(), repo_id,
                                event=request.headers.get("X-GitHub-Event"),
                                signature=request.headers.get("X-Hub-Signature-256"),
                                body=request.get_data(cache=False))
    except webhook.BadDelivery as exc:
        return jsonify({"error": {"code": exc.status, "message": exc.message}}), exc.status
    return jsonify(result), 200
