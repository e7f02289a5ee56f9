"""Two-factor forms: parsing and CSRF only; the rules live in ``service.py``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField


class CodeForm(FlaskForm):
    code = StringField("Code")


class ChallengeForm(FlaskForm):
    method = HiddenField()
    code = StringField("Code")


class DisableForm(FlaskForm):
    credential = PasswordField("Password")


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""
