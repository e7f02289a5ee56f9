"""The field macros render an input per type (named cf_<key>) and the stored values."""

from __future__ import annotations

import re

from webapp.storage.collections.work import FIELD_TYPES

OPTIONS = [{"value": "Red", "label": "Red"}, {"value": "Blue", "label": "Blue"}]


def _defs():
    return [{"key": t.lower(), "name": t.title(), "field_type": t, "options": OPTIONS,
             "is_required": t == "TEXT", "default_value": "Blue" if t == "SELECT" else None,
             "description": "Help" if t == "NUMBER" else None, "currency_code": "EUR",
             "precision": None} for t in FIELD_TYPES]


def render(app, source, **context):
    with app.test_request_context("/"):
        return app.jinja_env.from_string(
            '{% from "fields/_macros.html" import inputs, value %}' + source).render(**context)


def test_inputs_for_every_type(app):
    people = [("u1", "Ana"), ("u2", "Ben")]
    html = render(app, "{{ inputs(defs, None, {'cf_number': 'Enter a number.'}, people) }}",
                  defs=_defs(), people=people)
    for t in FIELD_TYPES:
        assert f'name="cf_{t.lower()}"' in html, t
    assert re.search(r'<option value="Blue" selected>', html)  # default for a new item
    assert 'type="datetime-local"' in html and 'type="email"' in html and 'type="url"' in html
    assert 'id="cf-number-error">Enter a number.' in html
    assert 'aria-describedby="cf-number-error cf-number-hint"' in html
    assert ">Ana</option>" in html and 'value="u2"' in html
    assert "style=" not in html  # CSP: no inline styles


def test_inputs_show_stored_values(app):
    values = {"multi_select": ["Red"], "checkbox": True, "labels": ["a", "b"],
              "datetime": "2026-03-31T12:30+00:00", "select": None}
    html = render(app, "{{ inputs(defs, values) }}", defs=_defs(), values=values)
    assert 'value="Red" checked' in html and 'value="a, b"' in html
    assert 'value="2026-03-31T12:30"' in html
    assert '<option value="Blue" selected>' not in html  # an edit shows no defaults


def test_value_macro(app):
    defn = {"key": "c", "field_type": "CURRENCY", "currency_code": "EUR", "precision": None}
    assert render(app, "{{ value(d, 12) }}", d=defn) == "EUR 12.00"
