"""Onboarding forms: parsing and CSRF only; the rules live in ``service.py``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice

from .service import ORG_SIZES


class SizeField(StringField):
    """The organization size bucket; the template renders ``choices`` as a select and the
    service validates the value."""

    choices = [("", "Choose a size (optional)")] + [(s, f"{s} people") for s in ORG_SIZES]


class AccountTypeForm(FlaskForm):
    account_type = RadioField("How will you use Keel?", choices=[
        SelectChoice("PERSONAL", "Personal"), SelectChoice("ORG", "Organization"),
    ], validate_choice=False)


class OrganizationForm(FlaskForm):
    name = StringField("Organization name")
    size = SizeField("Organization size")
    logo = FileField("Logo (optional)")
    accept_legal = BooleanField(
        "I accept the Terms of Service and the Data Processing Agreement (v1) on behalf of "
        "this organization"
    )


class WorkspaceForm(FlaskForm):
    name = StringField("Workspace name")


class ActionForm(FlaskForm):
    """A button that posts: CSRF only (skip)."""
