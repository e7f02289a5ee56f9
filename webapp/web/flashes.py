"""Flashed messages reach htmx requests too: appended to the fragment as out-of-band toasts.

A full page shows them in the layout's ``#toasts`` region; an htmx response that will be
swapped (2xx, or 422 for a re-rendered form) carries them as ``hx-swap-oob`` markup instead,
so a message flashed by a fragment route is not held back until the next full page.
"""

from __future__ import annotations

from flask import Flask, get_flashed_messages, render_template, request, session
from werkzeug.wrappers import Response

SWAPPED = {200, 201, 422}


def flashes_into_htmx(response: Response) -> Response:
    if (
        request.headers.get("HX-Request") != "true"
        or response.status_code not in SWAPPED
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
        or any(h in response.headers for h in ("HX-Redirect", "HX-Location", "HX-Refresh"))
        or "_flashes" not in session
    ):
        return response
    messages = get_flashed_messages(with_categories=True)
    if messages:
        oob = render_template("components/toasts_oob.html", messages=messages)
        response.set_data(response.get_data() + oob.encode())
    return response


def init_app(app: Flask) -> None:
    app.after_request(flashes_into_htmx)
