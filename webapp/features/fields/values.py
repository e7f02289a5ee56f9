"""Custom field values: one cleaner and one formatter per field type.

Values are stored in ``work_items.custom_fields`` as JSON: text as strings, numbers as
int/float, DATE as ``YYYY-MM-DD``, DATETIME as an ISO string in UTC, multi-value types as
lists of strings, CHECKBOX as bool. Form values arrive as strings (lists for multi-value
types when the raw mapping has ``getlist``, e.g. ``request.form``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from webapp.features.workspaces.errors import FieldErrors

MULTI = frozenset({"MULTI_SELECT", "USERS", "LABELS"})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,36}$")
TRUE = frozenset({"1", "true", "on", "yes", "y"})
LIMITS = {"TEXT": 255, "TEXTAREA": 5000}


class Invalid(ValueError):
    """A value a field does not accept; the message is shown at the field."""


def _text(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    text = str(value).strip()
    limit = LIMITS[defn["field_type"]]
    if len(text) > limit:
        raise Invalid(f"Use at most {limit} characters.")
    return text


def _decimal(value: Any, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise Invalid(message) from None
    if not number.is_finite():
        raise Invalid(message)
    return number


def _as_number(number: Decimal, precision: int | None) -> int | float:
    if precision is not None:
        number = round(number, precision)
    return int(number) if number == number.to_integral_value() and precision in (None, 0) \
        else float(number)


def _number(defn: Mapping[str, Any], value: Any, **_: Any) -> int | float:
    if isinstance(value, bool):
        raise Invalid("Enter a number.")
    number = _decimal(value, "Enter a number.")
    if abs(number) >= Decimal("1e15"):
        raise Invalid("Enter a number below 10^15.")
    return _as_number(number, defn.get("precision"))


def _currency(defn: Mapping[str, Any], value: Any, **_: Any) -> float:
    number = _decimal(value, "Enter an amount, like 1250.50.")
    if abs(number) >= Decimal("1e13"):
        raise Invalid("Enter an amount below 10^13.")
    precision = defn.get("precision")
    return float(round(number, 2 if precision is None else precision))


def _percentage(defn: Mapping[str, Any], value: Any, **_: Any) -> int | float:
    number = _decimal(str(value).strip().rstrip("%"), "Enter a percentage from 0 to 100.")
    if not 0 <= number <= 100:
        raise Invalid("Enter a percentage from 0 to 100.")
    return _as_number(number, defn.get("precision"))


def _date(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise Invalid("Enter a date like 2026-03-31.") from None


def _datetime(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid("Enter a date and time like 2026-03-31T14:30.") from None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="minutes")


def option_values(defn: Mapping[str, Any]) -> list[str]:
    return [str(o.get("value")) for o in defn.get("options") or [] if isinstance(o, dict)]


def _select(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    text = str(value).strip()
    if text not in option_values(defn):
        raise Invalid("Choose one of the options.")
    return text


def _multi_select(defn: Mapping[str, Any], value: list[str], **_: Any) -> list[str]:
    allowed = option_values(defn)
    if any(v not in allowed for v in value):
        raise Invalid("Choose only listed options.")
    return value


def _user(defn: Mapping[str, Any], value: Any, *, user_ids: Collection[str] | None = None,
          **_: Any) -> str:
    text = str(value).strip()
    if not ID_RE.match(text) or (user_ids is not None and text not in user_ids):
        raise Invalid("Choose a member of this workspace.")
    return text


def _users(defn: Mapping[str, Any], value: list[str], *,
           user_ids: Collection[str] | None = None, **_: Any) -> list[str]:
    for uid in value:
        if not ID_RE.match(uid) or (user_ids is not None and uid not in user_ids):
            raise Invalid("Choose members of this workspace only.")
    return value


def _checkbox(defn: Mapping[str, Any], value: Any, **_: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in ("0", "false", "off", "no", "n", ""):
        return False
    raise Invalid("Tick the box or leave it empty.")


def _url(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise Invalid("Enter a web address starting with http:// or https://.")
    if len(text) > 2000:
        raise Invalid("Use at most 2000 characters.")
    return text


def _email(defn: Mapping[str, Any], value: Any, **_: Any) -> str:
    text = str(value).strip()
    if not EMAIL_RE.match(text) or len(text) > 254:
        raise Invalid("Enter an email address like ana@example.com.")
    return text


def _labels(defn: Mapping[str, Any], value: list[str], **_: Any) -> list[str]:
    if len(value) > 20:
        raise Invalid("Use at most 20 labels.")
    if any(len(v) > 64 for v in value):
        raise Invalid("Use at most 64 characters per label.")
    return value


CLEANERS: dict[str, Callable[..., Any]] = {
    "TEXT": _text, "TEXTAREA": _text, "NUMBER": _number, "DATE": _date, "DATETIME": _datetime,
    "SELECT": _select, "MULTI_SELECT": _multi_select, "USER": _user, "USERS": _users,
    "CHECKBOX": _checkbox, "URL": _url, "EMAIL": _email, "CURRENCY": _currency,
    "PERCENTAGE": _percentage, "LABELS": _labels,
}


def _raw_of(raw: Mapping[str, Any], defn: Mapping[str, Any]) -> tuple[bool, Any]:
    """(present, value) for the field: ``cf_<key>`` first, then ``<key>``."""
    kind = defn["field_type"]
    for name in (f"cf_{defn['key']}", str(defn["key"])):
        if name in raw:
            if kind in MULTI | {"CHECKBOX"} and hasattr(raw, "getlist"):
                return True, raw.getlist(name)
            return True, raw[name]
    return False, None


def _listify(kind: str, value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple, set)) else [value]
    parts: list[str] = []
    for item in items:
        pieces = str(item).split(",") if kind == "LABELS" else [str(item)]
        parts.extend(p.strip() for p in pieces)
    out: list[str] = []
    for part in parts:
        if part and part not in out:
            out.append(part)
    return out


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def clean_value(defn: Mapping[str, Any], value: Any, *,
                user_ids: Collection[str] | None = None) -> Any:
    """One value for ``defn`` (None for empty); raises Invalid."""
    kind = defn["field_type"]
    if kind == "CHECKBOX":
        if isinstance(value, (list, tuple)):
            value = any(str(v).strip().lower() in TRUE for v in value)
        return False if value is None else _checkbox(defn, value)
    if kind in MULTI:
        items = _listify(kind, value)
        return CLEANERS[kind](defn, items, user_ids=user_ids) if items else None
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if is_empty(value) or (isinstance(value, str) and not value.strip()):
        return None
    return CLEANERS[kind](defn, value, user_ids=user_ids)


def validate_values(defs: list[Mapping[str, Any]], raw: Mapping[str, Any], *,
                    partial: bool = False,
                    user_ids: Collection[str] | None = None) -> dict[str, Any]:
    """Clean values keyed by field key; FieldErrors keyed ``cf_<key>``.

    ``partial``: only the fields present in ``raw`` (an edit of some fields); otherwise
    every field: absent ones take their default, required ones must have a value.
    ``user_ids``: when given, USER/USERS values must be among them.
    """
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for defn in defs:
        present, value = _raw_of(raw, defn)
        if not present:
            if partial:
                continue
            value = defn.get("default_value")
        name = f"cf_{defn['key']}"
        try:
            clean = clean_value(defn, value, user_ids=user_ids)
        except Invalid as exc:
            errors[name] = str(exc)
            continue
        if defn.get("is_required") and (is_empty(clean) or clean is False):
            errors[name] = "Tick this box." if defn["field_type"] == "CHECKBOX" else \
                "Enter a value." if defn["field_type"] not in MULTI | {"SELECT", "USER"} \
                else "Choose a value."
            continue
        out[str(defn["key"])] = clean
    if errors:
        raise FieldErrors(errors)
    return out


def display(defn: Mapping[str, Any], value: Any,
            names: Mapping[str, str] | None = None) -> str:
    """``value`` as text for lists, cards and the item page ('' when empty)."""
    if is_empty(value):
        return ""
    kind = defn["field_type"]
    labels = {str(o.get("value")): str(o.get("label") or o.get("value"))
              for o in defn.get("options") or [] if isinstance(o, dict)}
    if kind == "CHECKBOX":
        return "Yes" if value else "No"
    if kind == "SELECT":
        return labels.get(str(value), str(value))
    if kind == "MULTI_SELECT":
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if kind in ("USER", "USERS"):
        ids = value if isinstance(value, list) else [value]
        return ", ".join((names or {}).get(str(v), str(v)) for v in ids)
    if kind == "LABELS":
        return ", ".join(str(v) for v in value)
    if kind == "CURRENCY":
        places = 2 if defn.get("precision") is None else int(defn["precision"])
        return f"{defn.get('currency_code') or ''} {float(value):,.{places}f}".strip()
    if kind == "PERCENTAGE":
        return f"{value}%"
    if kind == "DATETIME":
        return str(value).replace("T", " ").replace("+00:00", " UTC")
    return str(value)
