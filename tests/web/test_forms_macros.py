"""components/forms.html: labels, hints and errors wired to the input for screen readers."""

from __future__ import annotations

from typing import Any

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField

MACROS = '{% from "components/forms.html" import field, checkbox %}'


class _Form(FlaskForm):
    class Meta:
        csrf = False

    email = EmailField("Email")
    name = StringField("Name")
    agree = BooleanField("I agree")


def _render(app: Any, body: str, errors: bool = False) -> str:
    with app.test_request_context():
        form = _Form()
        if errors:
            form.email.errors = ["Enter a valid email address."]
            form.agree.errors = ["Accept to continue."]
        return render_template_string(MACROS + body, form=form)


def test_field_with_hint_and_error(app: Any) -> None:
    html = _render(app, '{{ field(form.email, type="email", autocomplete="email", '
                        'hint="We never share it.") }}', errors=True)
    assert 'class="field field--error"' in html
    assert '<label class="field__label" for="email">Email</label>' in html
    assert 'type="email"' in html and 'autocomplete="email"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="email-error email-hint"' in html
    assert '<p class="field__error" id="email-error">Enter a valid email address.</p>' in html
    assert '<p class="field__hint" id="email-hint">We never share it.</p>' in html


def test_field_without_errors_has_no_aria_noise(app: Any) -> None:
    html = _render(app, "{{ field(form.name) }}")
    assert 'class="field"' in html
    assert "aria-invalid" not in html and "aria-describedby" not in html
    assert 'class="field__input"' in html


def test_field_passes_extra_attributes(app: Any) -> None:
    html = _render(app, '{{ field(form.name, placeholder="Ada", class_="wide", '
                        '**{"hx-post": "/check"}) }}')
    assert 'placeholder="Ada"' in html
    assert 'class="field__input wide"' in html
    assert 'hx-post="/check"' in html


def test_checkbox_error(app: Any) -> None:
    html = _render(app, "{{ checkbox(form.agree) }}", errors=True)
    assert 'class="field field--check field--error"' in html
    assert 'class="field__check"' in html
    assert 'aria-describedby="agree-error"' in html
    assert "Accept to continue." in html
