"""Organization forms: parsing and CSRF only. The rules live in the services, which raise
``FieldErrors``; ``attach_errors`` puts their messages on the named fields."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.identity.forms import ActionForm, attach_errors

from .departments import COLORS
from .members import ROLE_CHOICES

__all__ = [
    "ActionForm", "AddMemberForm", "BulkForm", "DeleteOrgForm", "DepartmentForm",
    "GeneralForm", "ImportForm", "PermissionsForm", "RoleForm", "SetPasswordForm",
    "attach_errors", "options",
]

def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (wtforms deprecates tuple choices)."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_SELECT = options((r, r.title()) for r in ROLE_CHOICES)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GeneralForm(FlaskForm):
    name = StringField("Organization name")
    domain = StringField("Company domain")
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the current logo")


class AddMemberForm(FlaskForm):
    name = StringField("Full name")
    email = EmailField("Email")
    role = SelectField("Role", choices=ROLE_SELECT, default="MEMBER", validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_SELECT, validate_choice=False)


class BulkForm(FlaskForm):
    action = SelectField("With selected", choices=options([("role", "Change role"),
                                                           ("remove", "Remove")]))
    role = SelectField("New role", choices=ROLE_SELECT, default="MEMBER", validate_choice=False)
    member_ids = SelectMultipleField("Members", choices=[], validate_choice=False)
    confirm = HiddenField()


class ImportForm(FlaskForm):
    file = FileField("CSV file")
    csv_text = TextAreaField("Or paste the rows")


class DepartmentForm(FlaskForm):
    name = StringField("Name")
    description = TextAreaField("Description")
    color = SelectField("Colour", validate_choice=False,
                        choices=options([("", "None"), *((c, c.title()) for c in COLORS)]))
    parent_department_id = SelectField("Inside", choices=options([("", "— top level —")]),
                                       validate_choice=False)


class PermissionsForm(FlaskForm):
    permissions = MultiCheckboxField("Permissions", choices=[], validate_choice=False)


class DeleteOrgForm(FlaskForm):
    confirm_name = StringField("Type the organization's name to confirm")


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password")
