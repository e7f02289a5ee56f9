"""Template helpers every page may use: ``has_endpoint``, ``localtime``, ``timeago``.

Time is stored in UTC and shown in the signed-in user's time zone (``users.time_zone``),
UTC for visitors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, g
from markupsafe import Markup, escape

DEFAULT_FORMAT = "%d %b %Y, %H:%M"  # 25 Nov 2026, 14:05


def has_endpoint(name: str) -> bool:
    """Whether a view is registered under ``name`` (e.g. ``identity.sessions``)."""
    return name in current_app.view_functions


def ws_url() -> str | None:
    """The websocket endpoint's path when the realtime package serves one, else None."""
    path = current_app.extensions.get("keel.ws_url", False)
    if path is False:
        found = next((r.rule for r in current_app.url_map.iter_rules() if r.rule == "/ws"), None)
        current_app.extensions["keel.ws_url"] = path = found
    return path  # type: ignore[no-any-return]


def _zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def user_zone() -> ZoneInfo:
    """The signed-in user's time zone, UTC for visitors or unknown zone names."""
    user = g.get("user")
    name = user.get("time_zone") if isinstance(user, dict) else getattr(user, "time_zone", None)
    return _zone(name)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:  # naive datetimes in Keel are UTC
        value = value.replace(tzinfo=UTC)
    return value


def localtime(
    value: datetime | str | None, fmt: str = DEFAULT_FORMAT, tz: str | None = None
) -> str:
    """A UTC datetime in the user's (or ``tz``'s) time zone, e.g. ``25 Nov 2026, 14:05``."""
    if value is None or value == "":
        return ""
    zone = _zone(tz) if tz else user_zone()
    text = _as_utc(value).astimezone(zone).strftime(fmt)
    return text[1:] if fmt.startswith("%d") and text.startswith("0") else text


_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (7 * 86400, "week"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def timeago(value: datetime | str | None, now: datetime | None = None) -> str:
    """``just now``, ``5 minutes ago``, ``in 3 days``, ``2 months ago``..."""
    if value is None or value == "":
        return ""
    now = _as_utc(now) if now is not None else datetime.now(UTC)
    seconds = (now - _as_utc(value)).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    count, unit = 1, "minute"  # 45-59 seconds
    for size, name in _UNITS:
        if seconds >= size:
            count, unit = int(seconds // size), name
            break
    label = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {label}" if future else f"{label} ago"


def time_tag(value: datetime | str | None) -> Markup:
    """``<time>`` with the machine-readable instant, relative text and the local time as title."""
    if value is None or value == "":
        return Markup("")
    instant = _as_utc(value)
    return Markup('<time datetime="{iso}" title="{title}">{text}</time>').format(
        iso=instant.isoformat(timespec="seconds"),
        title=escape(localtime(instant)),
        text=escape(timeago(instant)),
    )


def init_app(app: Flask) -> None:
    from webapp import __version__

    app.add_template_global(has_endpoint, "has_endpoint")
    app.add_template_global(ws_url, "ws_url")
    app.add_template_global(__version__, "keel_version")
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(timeago, "timeago")
    app.add_template_filter(time_tag, "time_tag")
    app.jinja_env.tests["endpoint"] = has_endpoint

