"""Project membership forms: parsing and CSRF only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField


class ProjectForm(FlaskForm):
    name = StringField("Name")
    key = StringField("Key")
    space_id = SelectField("Space", choices=[], validate_choice=False)
    description = TextAreaField("Description")


class AddMemberForm(FlaskForm):
    user_id = SelectField("Workspace member", choices=[], validate_choice=False)
    role_id = SelectField("Role", choices=[], validate_choice=False)


class RoleForm(FlaskForm):
    name = StringField("Role name")
    description = StringField("Description")


class TeamForm(FlaskForm):
    name = StringField("Team name")
    description = StringField("Description")


class GrantForm(FlaskForm):
    user_id = SelectField("Member", choices=[], validate_choice=False)
    permission = SelectField("Permission", choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""
