"""Render a whole page, or only the block an htmx request asked for.

Every swappable region of a page is a ``{% block <feature>_<region> %}``; the same block
renders on first paint, for htmx requests and in websocket pushes, so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """A partial htmx request: not a boosted navigation, not a history restore."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """The named block for htmx requests, the whole page otherwise (``Vary: HX-Request``)."""
    if block is not None and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_fragment(template: str, block: str, **context: Any) -> str:
    """One block as a string, e.g. for a websocket push (``hx-swap-oob``)."""
    return str(render_block(template, block, **context))
