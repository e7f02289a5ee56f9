"""Identity forms: parsing and CSRF. The rules live in ``service.py``, which raises
``FieldErrors``; ``attach_errors`` puts those messages on the fields they name."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired

from .errors import FieldErrors


class SignupForm(FlaskForm):
    name = StringField("Your name")
    email = EmailField("Email")
    password = PasswordField("Password")
    accept_terms = BooleanField("I accept the Terms of Service (version v1)")
    accept_dpa = BooleanField("I accept the Data Processing Agreement (version v1)")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password")
    new_password = PasswordField("New password")


class ActionForm(FlaskForm):
    """A button that posts: CSRF only (resend, revoke, sign out)."""


def attach_errors(form: FlaskForm, error: FieldErrors) -> None:
    """Show each message at its field; messages for unknown fields go to ``form.form_errors``."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
        else:
            form.form_errors.append(message)
