"""Template helpers: localtime, timeago, time_tag, has_endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import g, render_template_string

from webapp.web.templating import localtime, time_tag, timeago

INSTANT = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


def test_localtime_defaults_to_utc_for_visitors(app: Any) -> None:
    with app.test_request_context():
        assert localtime(INSTANT) == "25 Nov 2026, 14:05"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Kolkata", "25 Nov 2026, 19:35"),
        ("America/New_York", "25 Nov 2026, 09:05"),
        ("Not/AZone", "25 Nov 2026, 14:05"),
        ("", "25 Nov 2026, 14:05"),
    ],
)
def test_localtime_uses_the_users_zone(app: Any, zone: str, expected: str) -> None:
    with app.test_request_context():
        g.user = {"$id": "u1", "time_zone": zone}
        assert localtime(INSTANT) == expected


def test_localtime_accepts_naive_utc_iso_strings_and_none(app: Any) -> None:
    with app.test_request_context():
        assert localtime(INSTANT.replace(tzinfo=None)) == "25 Nov 2026, 14:05"
        assert localtime("2026-11-25T14:05:00Z") == "25 Nov 2026, 14:05"
        assert localtime(INSTANT.astimezone(timezone(timedelta(hours=2)))) == "25 Nov 2026, 14:05"
        assert localtime(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)) == "5 Mar 2026, 09:00"
        assert localtime(None) == ""
        assert localtime(INSTANT, tz="Asia/Tokyo") == "25 Nov 2026, 23:05"
        assert localtime(INSTANT, "%Y-%m-%d") == "2026-11-25"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(seconds=-10), "just now"),
        (timedelta(seconds=50), "1 minute ago"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=26), "1 day ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=15), "2 weeks ago"),
        (timedelta(days=65), "2 months ago"),
        (timedelta(days=800), "2 years ago"),
        (timedelta(hours=-3), "in 3 hours"),
    ],
)
def test_timeago(delta: timedelta, expected: str) -> None:
    assert timeago(INSTANT - delta, now=INSTANT) == expected


def test_time_tag_is_escaped_markup(app: Any) -> None:
    with app.test_request_context():
        html = str(time_tag(INSTANT))
    assert html.startswith('<time datetime="2026-11-25T14:05:00+00:00" title="25 Nov 2026, 14:05">')
    assert str(time_tag(None)) == ""


def test_filters_and_globals_in_templates(app: Any) -> None:
    with app.test_request_context():
        out = render_template_string(
            "{{ when|localtime }}|{{ has_endpoint('web.home') }}|{{ has_endpoint('nope.x') }}"
            "|{{ 'web.healthz' is endpoint }}|{{ keel_version }}",
            when=INSTANT,
        )
    from webapp import __version__

    assert out == f"25 Nov 2026, 14:05|True|False|True|{__version__}"
