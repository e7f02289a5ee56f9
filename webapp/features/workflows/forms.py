"""Workflow forms: parsing and CSRF only (rules live in the services)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that posts: CSRF only."""


class WorkflowForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name")
    description = TextAreaField("Description")
    scope = SelectField("Scope", choices=[], validate_choice=False)
    space_id = SelectField("Space", choices=[], validate_choice=False)
    template = SelectField("Start from", choices=[], validate_choice=False)
    copy_from = SelectField("Or copy", choices=[], validate_choice=False)


class StatusForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name")
    key = StringField("Key")
    status_type = SelectField("Type", choices=[], validate_choice=False)
    color = SelectField("Colour", choices=[], validate_choice=False)
    icon = SelectField("Icon", choices=[], validate_choice=False)
    is_initial = BooleanField("Initial status")
    is_final = BooleanField("Final status")
    description = StringField("Description")


class TransitionForm(FlaskForm):  # type: ignore[misc]
    from_status_id = SelectField("From", choices=[], validate_choice=False)
    to_status_id = SelectField("To", choices=[], validate_choice=False)
    name = StringField("Name")
    description = StringField("Description")
    allowed_roles = SelectMultipleField("Allowed roles", choices=[], validate_choice=False)
    allowed_team_ids = SelectMultipleField("Allowed teams", choices=[], validate_choice=False)
    requires_approval = BooleanField("Needs approval")
    approver_team_ids = SelectMultipleField("Approver teams", choices=[], validate_choice=False)
    requires_comment = BooleanField("Needs a comment")
    auto_transition = BooleanField("Runs by itself")
    auto_condition = SelectField("When", choices=[], validate_choice=False)


class SwitchForm(FlaskForm):  # type: ignore[misc]
    workflow_id = SelectField("Workflow", choices=[], validate_choice=False)


class MoveToForm(FlaskForm):  # type: ignore[misc]
    move_to = SelectField("Move its work items to", choices=[], validate_choice=False)


class ColumnForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name")
    color = SelectField("Colour", choices=[], validate_choice=False)
    status_category = SelectField("Category", choices=[], validate_choice=False)


class ApprovalForm(FlaskForm):  # type: ignore[misc]
    item_id = StringField("Work item")
    transition_id = StringField("Transition")
    comment = TextAreaField("Comment")
