"""Forms of the integrations area (parsing and CSRF only; the services validate)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)


class LinkForm(FlaskForm):
    url = StringField("Repository URL")
    branch = StringField("Branch", default="main")
    token = PasswordField("Personal access token (optional, for private repositories)")


class AISettingsForm(FlaskForm):
    enabled = BooleanField("Turn on AI assistance in this workspace")
    model = SelectField("Model", choices=[], validate_choice=False)
    api_key = PasswordField("Gemini API key")
    clear_key = BooleanField("Remove the stored key")


class AskForm(FlaskForm):
    question = TextAreaField("Question")


class GenerateWorkflowForm(FlaskForm):
    description = TextAreaField("Describe the workflow")


class ApplyWorkflowForm(FlaskForm):
    draft = HiddenField()
    name = StringField("Name")


class ProposalForm(FlaskForm):
    item_id = HiddenField()
    version = HiddenField()
    title = StringField("Title")
    description = TextAreaField("Description")
    type = SelectField("Type", choices=[], validate_choice=False)
    priority = SelectField("Priority", choices=[], validate_choice=False)
