"""The texts users accept: /legal/terms and /legal/dpa (version ``TERMS_VERSION`` /
``DPA_VERSION``), public and reachable in every lifecycle state (the ``/legal`` group)."""

from __future__ import annotations

from werkzeug.wrappers import Response as BaseResponse

from webapp.authz.guards import public
from webapp.htmx import render

from .routes import bp
from .service import DPA_VERSION, TERMS_VERSION


@bp.route("/legal/terms")
@public
def terms() -> BaseResponse:
    return render("identity/legal_terms.html", version=TERMS_VERSION)


@bp.route("/legal/dpa")
@public
def dpa() -> BaseResponse:
    return render("identity/legal_dpa.html", version=DPA_VERSION)
