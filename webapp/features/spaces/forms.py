"""Space forms: parsing and CSRF only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from webapp.features.spaces.service import INHERITANCE_LABELS, TEMPLATE_LABELS
from webapp.features.workspaces.forms import options

VISIBILITY_CHOICES = [("PUBLIC", "Public: every workspace member can see it"),
                      ("PRIVATE", "Private: only its members and workspace admins")]
ROLE_CHOICES = [("ADMIN", "Master"), ("MEMBER", "Member"), ("VIEWER", "Viewer")]


class SpaceForm(FlaskForm):
    name = StringField("Name")
    key = StringField("Key")
    description = TextAreaField("Description")
    visibility = SelectField("Visibility", choices=options(VISIBILITY_CHOICES),
                             validate_choice=False)
    template = SelectField("Template", choices=options(TEMPLATE_LABELS.items()),
                           validate_choice=False)


class SpaceSettingsForm(SpaceForm):
    default_workflow_id = StringField("Default workflow id")
    workflow_inheritance = SelectField("Workflow inheritance",
                                       choices=options(INHERITANCE_LABELS.items()),
                                       validate_choice=False)


class AddSpaceMemberForm(FlaskForm):
    user_id = SelectField("Workspace member", choices=[], validate_choice=False)
    role = SelectField("Role", choices=options(ROLE_CHOICES), validate_choice=False)


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""
