"""Workspace forms: parsing and CSRF only; the rules live in the services."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from webapp.features.workspaces.service import FEATURE_LABELS


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CreateWorkspaceForm(FlaskForm):
    name = StringField("Workspace name")
    organization_id = SelectField("Organization", choices=[], validate_choice=False)


class SettingsForm(FlaskForm):
    name = StringField("Name")
    ui_mode = RadioField("Interface", choices=[
        SelectChoice("ADVANCED", "Advanced: spaces, programs and every tool"),
        SelectChoice("SIMPLE", "Simple: projects only, spaces and programs hidden"),
    ], validate_choice=False)
    spaces = BooleanField(FEATURE_LABELS["spaces"])
    programs = BooleanField(FEATURE_LABELS["programs"])
    teams = BooleanField(FEATURE_LABELS["teams"])
    customFields = BooleanField(FEATURE_LABELS["customFields"])
    workflows = BooleanField(FEATURE_LABELS["workflows"])
    timeTracking = BooleanField(FEATURE_LABELS["timeTracking"])


class ImageForm(FlaskForm):
    image = FileField("Workspace image")


class DeleteForm(FlaskForm):
    confirm_name = StringField("Type the workspace name to confirm")


class AddMemberForm(FlaskForm):
    org_member_id = SelectField("Organization member", choices=[], validate_choice=False)
    role = SelectField("Role", choices=[], validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[], validate_choice=False)


class CustomRoleForm(FlaskForm):
    name = StringField("Role name")
    description = StringField("Description")


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""
