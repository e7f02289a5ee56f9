"""Custom field values: every type accepts its valid values and names the invalid ones."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from webapp.features.fields.values import display, validate_values
from webapp.features.workspaces.errors import FieldErrors

OPTIONS = [{"value": "Red", "label": "Red"}, {"value": "Blue", "label": "Blue"}]


def defn(field_type, **extra):
    return {"key": "f", "name": "F", "field_type": field_type, "options": OPTIONS,
            "is_required": False, "default_value": None, **extra}


VALID = [
    ("TEXT", "  hello ", "hello"),
    ("TEXTAREA", "line 1\nline 2", "line 1\nline 2"),
    ("NUMBER", "42", 42),
    ("NUMBER", "-3.5", -3.5),
    ("DATE", "2026-03-31", "2026-03-31"),
    ("DATETIME", "2026-03-31T14:30", "2026-03-31T14:30+00:00"),
    ("DATETIME", "2026-03-31T14:30+02:00", "2026-03-31T12:30+00:00"),
    ("SELECT", "Blue", "Blue"),
    ("MULTI_SELECT", ["Red", "Blue", "Red"], ["Red", "Blue"]),
    ("USER", "u123", "u123"),
    ("USERS", ["u1", "u2"], ["u1", "u2"]),
    ("CHECKBOX", "on", True),
    ("CHECKBOX", ["0", "1"], True),
    ("CHECKBOX", "0", False),
    ("URL", "https://example.com/a?b=1", "https://example.com/a?b=1"),
    ("EMAIL", "ana@example.com", "ana@example.com"),
    ("CURRENCY", "1,250.505", 1250.5),
    ("PERCENTAGE", "45%", 45),
    ("PERCENTAGE", "99.5", 99.5),
    ("LABELS", "ui, api ,ui", ["ui", "api"]),
]

INVALID = [
    ("TEXT", "x" * 256, "Use at most 255 characters."),
    ("TEXTAREA", "x" * 5001, "Use at most 5000 characters."),
    ("NUMBER", "twelve", "Enter a number."),
    ("NUMBER", "1e20", "Enter a number below 10^15."),
    ("DATE", "31/03/2026", "Enter a date like 2026-03-31."),
    ("DATETIME", "tomorrow", "Enter a date and time like 2026-03-31T14:30."),
    ("SELECT", "Green", "Choose one of the options."),
    ("MULTI_SELECT", ["Red", "Green"], "Choose only listed options."),
    ("USER", "not a user!", "Choose a member of this workspace."),
    ("USERS", ["u1", "bad id"], "Choose members of this workspace only."),
    ("CHECKBOX", "maybe", "Tick the box or leave it empty."),
    ("URL", "javascript:alert(1)", "Enter a web address starting with http:// or https://."),
    ("URL", "example.com", "Enter a web address starting with http:// or https://."),
    ("EMAIL", "ana@", "Enter an email address like ana@example.com."),
    ("CURRENCY", "ten euros", "Enter an amount, like 1250.50."),
    ("PERCENTAGE", "101", "Enter a percentage from 0 to 100."),
    ("PERCENTAGE", "-1", "Enter a percentage from 0 to 100."),
    ("LABELS", ",".join(f"l{i}" for i in range(21)), "Use at most 20 labels."),
    ("LABELS", "x" * 65, "Use at most 64 characters per label."),
]


@pytest.mark.parametrize(("field_type", "raw", "clean"), VALID)
def test_valid_values(field_type, raw, clean):
    assert validate_values([defn(field_type)], {"cf_f": raw}) == {"f": clean}


@pytest.mark.parametrize(("field_type", "raw", "message"), INVALID)
def test_invalid_values(field_type, raw, message):
    with pytest.raises(FieldErrors) as caught:
        validate_values([defn(field_type)], {"cf_f": raw})
    assert caught.value.errors == {"cf_f": message}


def test_all_fifteen_types_covered():
    from webapp.storage.collections.work import FIELD_TYPES

    assert {t for t, *_ in VALID} == set(FIELD_TYPES) == {t for t, *_ in INVALID}


def test_required_partial_defaults_and_keys():
    defs = [defn("TEXT", key="a", is_required=True),
            defn("SELECT", key="b", is_required=True),
            defn("NUMBER", key="c", default_value=7),
            defn("CHECKBOX", key="d")]
    with pytest.raises(FieldErrors) as caught:
        validate_values(defs, {"cf_a": "  ", "b": ""})
    assert caught.value.errors == {"cf_a": "Enter a value.", "cf_b": "Choose a value."}
    assert validate_values(defs, {"a": "x", "cf_b": "Red"}) == {"a": "x", "b": "Red", "c": 7,
                                                                  "d": False}
    assert validate_values(defs, {"cf_c": ""}, partial=True) == {"c": None}
    assert validate_values(defs, {}, partial=True) == {}


def test_form_multidict_and_known_users():
    defs = [defn("USERS"), defn("MULTI_SELECT", key="m"), defn("CHECKBOX", key="c")]
    raw = MultiDict([("cf_f", ""), ("cf_f", "u1"), ("cf_m", ""), ("cf_c", "0")])
    assert validate_values(defs, raw, user_ids={"u1"}) == {"f": ["u1"], "m": None, "c": False}
    with pytest.raises(FieldErrors) as caught:
        validate_values([defn("USER")], {"cf_f": "u9"}, user_ids={"u1"})
    assert caught.value.errors == {"cf_f": "Choose a member of this workspace."}


def test_display():
    assert display(defn("SELECT"), "Red") == "Red"
    assert display(defn("MULTI_SELECT"), ["Red", "Blue"]) == "Red, Blue"
    assert display(defn("CHECKBOX"), False) == "No"
    assert display(defn("CURRENCY", currency_code="EUR"), 1250.5) == "EUR 1,250.50"
    assert display(defn("PERCENTAGE"), 45) == "45%"
    assert display(defn("USERS"), ["u1", "u2"], {"u1": "Ana"}) == "Ana, u2"
    assert display(defn("DATETIME"), "2026-03-31T12:30+00:00") == "2026-03-31 12:30 UTC"
    assert display(defn("TEXT"), None) == ""
