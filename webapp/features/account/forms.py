"""Account lifecycle forms: parsing and CSRF only; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from webapp.features.onboarding.forms import SizeField


class LegalForm(FlaskForm):
    accept_terms = BooleanField("I accept the Terms of Service (version v1)")
    accept_dpa = BooleanField("I accept the Data Processing Agreement (version v1)")
    apply_to_org = BooleanField("Accept both on behalf of my organization")


class ConvertForm(FlaskForm):
    name = StringField("Organization name")
    size = SizeField("Organization size")
    accept_legal = BooleanField(
        "I accept the Terms of Service and the Data Processing Agreement (v1) on behalf of "
        "the organization"
    )
    confirm = BooleanField("I understand that this can't be undone")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password")
    confirm_email = StringField("Your email address")
