"""Custom field definition form: parsing and CSRF only; the rules live in the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from webapp.features.fields.service import FIELD_TYPES, TYPE_LABELS
from webapp.features.workspaces.forms import options


class FieldForm(FlaskForm):
    name = StringField("Name")
    key = StringField("Key")
    field_type = SelectField("Field type", validate_choice=False,
                             choices=options((t, TYPE_LABELS[t]) for t in FIELD_TYPES))
    scope = SelectField("Where", choices=[], validate_choice=False)
    description = StringField("Help text")
    options = TextAreaField("Options")
    default_value = StringField("Default value")
    precision = StringField("Decimal places")
    currency_code = StringField("Currency code")
    applies_to_types = SelectMultipleField("Applies to work types", choices=[],
                                           validate_choice=False)
    is_required = BooleanField("Required")
    show_in_list = BooleanField("Show in the item table")
    show_in_card = BooleanField("Show on board cards")
    position = StringField("Position")


class FieldActionForm(FlaskForm):
    """A button that posts: CSRF only."""
