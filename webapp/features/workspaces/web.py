"""Request-side helpers shared by the workspace, space and project routes."""

from __future__ import annotations

from typing import Any

from flask import abort, g, request
from flask_wtf import FlaskForm

from webapp.audit import Acting
from webapp.authz.templating import can
from webapp.authz.vocabulary import Permission
from webapp.extensions import runtime
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import DocumentStore


def store() -> DocumentStore:
    return runtime().store


def acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def attach_errors(form: FlaskForm, error: FieldErrors) -> None:
    """Show each message at its field; others go to ``form.form_errors``."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
        else:
            form.form_errors.append(message)


def allowed(permission: Permission) -> bool:
    """The request's decision for ``permission`` (the guards' ``can``)."""
    return bool(can(permission))


def refused(exc: Refused) -> Any:
    """A refused write answers its status with the rule's message (nothing was written)."""
    abort(exc.status, exc.message)

