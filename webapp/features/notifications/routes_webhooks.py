"""Project settings → Webhooks: list, create, edit, delete, delivery log, send a test.
Guarded by ``project.settings.manage``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, URLField
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.authz.guards import project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.extensions import runtime
from webapp.features.notifications import events, texts, webhooks
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, attach_errors, store
from webapp.htmx import render

bp = Blueprint("project_webhooks", __name__)
BASE = "/w/<workspace_id>/projects/<project_id>/webhooks"
TEMPLATE = "notifications/webhooks.html"


class HookForm(FlaskForm):
    name = StringField("Name")
    url = URLField("Payload URL")
    events = SelectMultipleField("Events", choices=[(e, e.replace("_", " ").title())
                                                    for e in texts.HOOK_EVENTS],
                                 option_widget=CheckboxInput(), widget=ListWidget(
                                     prefix_label=False))
    enabled = BooleanField("Enabled", default=True)
    rotate_secret = BooleanField("Generate a new secret")


def _allow_private() -> bool:
    return bool(runtime().settings.webhooks_allow_private)


def _hook(hook_id: str) -> dict[str, Any]:
    try:
        return webhooks.get_hook(store(), g.project["$id"], hook_id)
    except Refused:
        abort(404)


def _page(form: HookForm, *, hook: dict[str, Any] | None = None, status: int = 200) -> Any:
    hooks = webhooks.list_hooks(store(), g.project["$id"])
    log = webhooks.deliveries(store(), hook["$id"]) if hook else []
    return render(TEMPLATE, "webhooks_body", status=status, form=form, hooks=hooks, hook=hook,
                  log=log, workspace=g.workspace, project=g.project, stab="webhooks")


@bp.get(BASE)
@project_required(PP.MANAGE_SETTINGS)
def index(workspace_id: str, project_id: str) -> Any:
    form = HookForm(formdata=None)
    form.events.data = list(texts.HOOK_EVENTS)
    return _page(form)


@bp.post(BASE)
@project_required(PP.MANAGE_SETTINGS)
def create(workspace_id: str, project_id: str) -> Any:
    form = HookForm()
    try:
        hook = webhooks.create_hook(store(), acting(), g.project, name=form.name.data or "",
                                    url=form.url.data or "", events=form.events.data or [],
                                    enabled=bool(form.enabled.data),
                                    allow_private=_allow_private())
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _page(form, status=422)
    flash(f"Webhook “{hook['name']}” created. Its signing secret is shown below.", "success")
    return redirect(url_for(".edit", workspace_id=workspace_id, project_id=project_id,
                            hook_id=hook["$id"]), 303)


@bp.get(f"{BASE}/<hook_id>")
@project_required(PP.MANAGE_SETTINGS)
def edit(workspace_id: str, project_id: str, hook_id: str) -> Any:
    hook = _hook(hook_id)
    form = HookForm(formdata=None, data={"name": hook["name"], "url": hook["url"],
                                         "events": hook.get("events") or [],
                                         "enabled": bool(hook.get("enabled"))})
    return _page(form, hook=hook)


@bp.post(f"{BASE}/<hook_id>")
@project_required(PP.MANAGE_SETTINGS)
def update(workspace_id: str, project_id: str, hook_id: str) -> Any:
    hook = _hook(hook_id)
    form = HookForm()
    try:
        webhooks.update_hook(store(), acting(), g.project, hook_id, name=form.name.data or "",
                             url=form.url.data or "", events=form.events.data or [],
                             enabled=bool(form.enabled.data),
                             rotate_secret=bool(form.rotate_secret.data),
                             allow_private=_allow_private())
    except FieldErrors as exc:
        attach_errors(form, exc)
        return _page(form, hook=hook, status=422)
    flash("Webhook saved.", "success")
    return redirect(url_for(".edit", workspace_id=workspace_id, project_id=project_id,
                            hook_id=hook_id), 303)


@bp.post(f"{BASE}/<hook_id>/delete")
@project_required(PP.MANAGE_SETTINGS)
def delete(workspace_id: str, project_id: str, hook_id: str) -> Any:
    _hook(hook_id)
    webhooks.delete_hook(store(), acting(), g.project, hook_id)
    flash("Webhook deleted.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id, project_id=project_id), 303)


@bp.post(f"{BASE}/<hook_id>/test")
@project_required(PP.MANAGE_SETTINGS)
def test(workspace_id: str, project_id: str, hook_id: str) -> Any:
    """Send a test event now (a real, signed delivery recorded in the log)."""
    hook = _hook(hook_id)
    event = events.Event(type=events.CREATED, actor_id=g.user["$id"],
                         actor_name=str(g.user.get("name") or ""),
                         workspace_id=g.project.get("workspace_id"), project=g.project,
                         item={"$id": "test", "key": f"{g.project['key']}-0",
                               "title": "Test event from Keel",
                               "project_id": g.project["$id"]},
                         extra={"test": True})
    webhooks.fan_out(store(), event, only_hook=hook)
    flash("Test event sent; see the delivery log.", "success")
    return redirect(url_for(".edit", workspace_id=workspace_id, project_id=project_id,
                            hook_id=hook_id), 303)
