"""Billing pages: personal (``/billing``) and organization (``/billing/organization/<id>``,
shown as the organization page's Billing and Usage tabs), the Razorpay checkout, invoices,
usage with CSV export, and the Razorpay webhook.

Organization billing lives under ``/billing`` so that a suspended organization's owners
can still reach it (the lifecycle lets SUSPENDED users into billing and profile only).
Routes are thin: guard, one service or query call, render.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from webapp.audit import Acting
from webapp.authz.guards import login_required, org_required, public
from webapp.authz.templating import can
from webapp.authz.vocabulary import OrgPermission
from webapp.extensions import csrf, runtime
from webapp.features.orgs import service as orgs
from webapp.features.orgs.routes import visible_tabs
from webapp.htmx import render
from webapp.storage.base import Document

from . import alerts, payments, views
from .accounts import ensure_account
from .charts import bar_chart
from .errors import FieldErrors, Refused
from .forms import AlertForm, TopupForm, VerifyForm
from .ledger import cycle_of
from .storage import GB

bp = Blueprint("billing", __name__)
P = OrgPermission
ORG = "/billing/organization/<org_id>"


def _acting() -> Acting:
    return Acting.of(g.user, request.remote_addr)


def _personal() -> Document:
    if g.user.get("account_type") != "PERSONAL":
        abort(404)
    return ensure_account(runtime().store, user_id=g.user["$id"], acting=_acting())


def _org_account(org_id: str) -> Document:
    return ensure_account(runtime().store, organization_id=org_id, acting=_acting())


def _urls(org_id: str | None) -> dict[str, Any]:
    def u(name: str, **kw: Any) -> str:
        return url_for(f"billing.{'org_' if org_id else ''}{name}",
                       **({"org_id": org_id} if org_id else {}), **kw)
    return {"billing": u("billing"), "usage": u("usage"), "topup": u("topup"),
            "alerts": u("alerts_create"), "alert_delete": lambda i: u("alert_delete", alert_id=i),
            "csv": u("usage_csv"), "invoice": lambda i: u("invoice", invoice_id=i)}


def _render(template: str, org_id: str | None, *, status: int = 200, tab: str = "",
            **context: Any) -> Response:
    if org_id:
        context.update(org=g.org, me=g.org_member, tabs=visible_tabs(), tab=tab,
                       is_owner=g.org_member.get("role") == "OWNER")
    return render(template, status=status, urls=_urls(org_id), org_id=org_id, **context)


# -- overview -------------------------------------------------------------------------------
def _billing(account: Document, org_id: str | None, form: TopupForm | None = None,
             status: int = 200) -> Response:
    rt = runtime()
    data = views.overview(rt.store, rt.settings, rt.redis, account)
    return _render("billing/billing.html", org_id, status=status, tab="billing.org_billing",
                   form=form or TopupForm(), can_manage=_can_manage(org_id), **data)


def _can_manage(org_id: str | None) -> bool:
    if not org_id:
        return True
    return bool(can(P.BILLING_MANAGE))


@bp.route("/billing")
@login_required
def billing() -> Response:
    if g.user.get("account_type") == "ORG":
        org = orgs.primary_organization(runtime().store, g.user)
        if org is None:
            abort(404)
        return redirect(url_for("billing.org_billing", org_id=org["$id"]))
    return _billing(_personal(), None)


@bp.route(ORG)
@org_required(P.BILLING_VIEW)
def org_billing(org_id: str) -> Response:
    return _billing(_org_account(org_id), org_id)


# -- top-up ---------------------------------------------------------------------------------
def _topup(account: Document, org_id: str | None) -> Response:
    form = TopupForm()
    if not form.validate_on_submit():
        return _billing(account, org_id, form, 422)
    rt = runtime()
    try:
        payment = payments.create_topup(rt.store, rt.settings, rt.redis, _acting(), account,
                                        payments.parse_amount(form.amount.data))
    except FieldErrors as exc:
        form.amount.errors = [exc.errors.get("amount", "Check the amount.")]
        return _billing(account, org_id, form, 422)
    except Refused as exc:
        form.amount.errors = [exc.message]
        return _billing(account, org_id, form, exc.status)
    target = "billing.org_checkout" if org_id else "billing.checkout"
    return redirect(url_for(target, payment_id=payment["$id"],
                            **({"org_id": org_id} if org_id else {})), 303)


@bp.route("/billing/topup", methods=["POST"])
@login_required
def topup() -> Response:
    return _topup(_personal(), None)


@bp.route(f"{ORG}/topup", methods=["POST"])
@org_required(P.BILLING_MANAGE)
def org_topup(org_id: str) -> Response:
    return _topup(_org_account(org_id), org_id)


def _payment(account: Document, payment_id: str) -> Document:
    payment = runtime().store.find("payments", payment_id)
    if payment is None or payment["billing_account_id"] != account["$id"]:
        abort(404)
    return payment


def checkout_csp() -> str:
    """The site CSP, widened on this page only to Razorpay's Checkout script and frames."""
    settings = runtime().settings
    script = _origin(settings.razorpay_checkout_js)
    api = _origin(settings.razorpay_api_url)
    return (f"default-src 'self'; script-src 'self' {script}; style-src 'self'; "
            f"img-src 'self' data: blob: {script}; font-src 'self'; "
            f"connect-src 'self' {script} {api}; frame-src {script} {api}; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _checkout(account: Document, org_id: str | None, payment_id: str) -> Response:
    payment = _payment(account, payment_id)
    verify = url_for("billing.org_verify" if org_id else "billing.verify", payment_id=payment_id,
                     **({"org_id": org_id} if org_id else {}))
    response = _render("billing/checkout.html", org_id, tab="billing.org_billing",
                       payment=payment, form=VerifyForm(), verify_url=verify,
                       key_id=runtime().settings.razorpay_key_id,
                       checkout_js=runtime().settings.razorpay_checkout_js)
    response.headers["Content-Security-Policy"] = checkout_csp()
    return response


@bp.route("/billing/checkout/<payment_id>")
@login_required
def checkout(payment_id: str) -> Response:
    return _checkout(_personal(), None, payment_id)


@bp.route(f"{ORG}/checkout/<payment_id>")
@org_required(P.BILLING_MANAGE)
def org_checkout(org_id: str, payment_id: str) -> Response:
    return _checkout(_org_account(org_id), org_id, payment_id)


def _verify(account: Document, org_id: str | None, payment_id: str) -> Response:
    payment = _payment(account, payment_id)
    form = VerifyForm()
    back = _urls(org_id)["billing"]
    if not form.validate_on_submit():
        abort(400)
    rt = runtime()
    try:
        payments.verify_checkout(rt.store, rt.settings, _acting(),
                                 order_id=form.razorpay_order_id.data or "",
                                 payment_id=form.razorpay_payment_id.data or "",
                                 signature=form.razorpay_signature.data or "",
                                 account_id=payment["billing_account_id"])
    except Refused as exc:
        flash(exc.message, "error")
        return redirect(back, 303)
    flash(f"${payment['amount_cents'] / 100:,.2f} was added to your wallet.", "success")
    return redirect(back, 303)


@bp.route("/billing/checkout/<payment_id>/verify", methods=["POST"])
@login_required
def verify(payment_id: str) -> Response:
    return _verify(_personal(), None, payment_id)


@bp.route(f"{ORG}/checkout/<payment_id>/verify", methods=["POST"])
@org_required(P.BILLING_MANAGE)
def org_verify(org_id: str, payment_id: str) -> Response:
    return _verify(_org_account(org_id), org_id, payment_id)


# -- invoices -------------------------------------------------------------------------------
def _invoice(account: Document, org_id: str | None, invoice_id: str) -> Response:
    invoice = views.invoice_for(runtime().store, account, invoice_id)
    if invoice is None:
        abort(404)
    owner = g.org["name"] if org_id else g.user.get("name")
    return render("billing/invoice.html", invoice=invoice, account=account, owner=owner,
                  last_day=invoice["cycle_end"] - timedelta(days=1), urls=_urls(org_id))


@bp.route("/billing/invoices/<invoice_id>")
@login_required
def invoice(invoice_id: str) -> Response:
    return _invoice(_personal(), None, invoice_id)


@bp.route(f"{ORG}/invoices/<invoice_id>")
@org_required(P.BILLING_VIEW)
def org_invoice(org_id: str, invoice_id: str) -> Response:
    return _invoice(_org_account(org_id), org_id, invoice_id)


# -- usage ----------------------------------------------------------------------------------
def _cycle_arg() -> str:
    cycle = request.args.get("cycle", "")
    if len(cycle) == 7 and cycle[4] == "-" and cycle.replace("-", "").isdigit():
        return cycle
    return cycle_of(datetime.now(UTC))


def _usage(account: Document, org_id: str | None, form: AlertForm | None = None,
           status: int = 200) -> Response:
    rt = runtime()
    workspaces = alerts.account_workspaces(rt.store, account)
    form = form or AlertForm()
    form.workspace_id.choices = [(w["$id"], w["name"]) for w in workspaces]
    names = {w["$id"]: w["name"] for w in workspaces}
    data = views.usage(rt.store, rt.settings, account, _cycle_arg())
    days, per_day = data["days"], data["per_day"]
    series = (
        ("Traffic per day", "traffic", float(GB), "GB", "chart--traffic"),
        ("Storage per day", "storage", float(GB), "GB", "chart--storage"),
        ("Compute per day", "compute", 1000.0, "units", "chart--compute"),
    )
    charts = []
    for title, key, scale, unit, css in series:
        values = [per_day[d][key] / scale for d in days]
        charts.append({"title": title, "svg": bar_chart(title, days, values, unit, css),
                       "total": f"{sum(values):,.3f} {unit}" if key != "storage" else
                       f"{max(values, default=0):,.3f} {unit} at most"})
    return _render("billing/usage.html", org_id, status=status, tab="billing.org_usage",
                   account=account, charts=charts, alert_form=form, names=names,
                   alerts=alerts.account_alerts(rt.store, account["$id"]),
                   can_manage=_can_manage(org_id), **data)


@bp.route("/billing/usage")
@login_required
def usage() -> Response:
    return _usage(_personal(), None)


@bp.route(f"{ORG}/usage")
@org_required(P.BILLING_VIEW)
def org_usage(org_id: str) -> Response:
    return _usage(_org_account(org_id), org_id)


def _alert_create(account: Document, org_id: str | None) -> Response:
    form = AlertForm()
    store = runtime().store
    workspaces = {w["$id"]: w for w in alerts.account_workspaces(store, account)}
    form.workspace_id.choices = [(i, w["name"]) for i, w in workspaces.items()]
    if not form.validate_on_submit():
        return _usage(account, org_id, form, 422)
    workspace = workspaces.get(form.workspace_id.data or "")
    threshold = (form.threshold.data or "").strip()
    try:
        if workspace is None:
            raise FieldErrors({"workspace_id": "Choose one of your workspaces."})
        alerts.create_alert(store, _acting(), workspace, resource=form.resource.data or "",
                            threshold=int(threshold) if threshold.isdigit() else -1,
                            channel=form.channel.data or "",
                            webhook_url=(form.webhook_url.data or "").strip() or None)
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _usage(account, org_id, form, 422)
    flash("Usage alert added.", "success")
    return redirect(_urls(org_id)["usage"], 303)


def _alert_delete(account: Document, org_id: str | None, alert_id: str) -> Response:
    if not alerts.delete_alert(runtime().store, _acting(), account["$id"], alert_id):
        abort(404)
    flash("Usage alert deleted.", "success")
    return redirect(_urls(org_id)["usage"], 303)


@bp.route("/billing/alerts", methods=["POST"])
@login_required
def alerts_create() -> Response:
    return _alert_create(_personal(), None)


@bp.route(f"{ORG}/alerts", methods=["POST"])
@org_required(P.BILLING_MANAGE)
def org_alerts_create(org_id: str) -> Response:
    return _alert_create(_org_account(org_id), org_id)


@bp.route("/billing/alerts/<alert_id>/delete", methods=["POST"])
@login_required
def alert_delete(alert_id: str) -> Response:
    return _alert_delete(_personal(), None, alert_id)


@bp.route(f"{ORG}/alerts/<alert_id>/delete", methods=["POST"])
@org_required(P.BILLING_MANAGE)
def org_alert_delete(org_id: str, alert_id: str) -> Response:
    return _alert_delete(_org_account(org_id), org_id, alert_id)


def _csv(account: Document) -> Response:
    cycle = _cycle_arg()
    body = views.usage_csv(runtime().store, account, cycle)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="usage-{cycle}.csv"'})


@bp.route("/billing/usage.csv")
@login_required
def usage_csv() -> Response:
    return _csv(_personal())


@bp.route(f"{ORG}/usage.csv")
@org_required(P.BILLING_VIEW)
def org_usage_csv(org_id: str) -> Response:
    return _csv(_org_account(org_id))


# -- webhook --------------------------------------------------------------------------------
@bp.route("/webhooks/razorpay", methods=["POST"])
@public
@csrf.exempt
def razorpay_webhook() -> Response:
    rt = runtime()
    try:
        result = payments.handle_webhook(rt.store, rt.settings, request.get_data(),
                                         request.headers.get("X-Razorpay-Signature"),
                                         request.headers.get("X-Razorpay-Event-Id"))
    except Refused as exc:
        response = jsonify({"error": {"code": exc.code, "message": exc.message}})
        response.status_code = exc.status
        return response
    return jsonify({"status": "ok", "event": result.event, "outcome": result.outcome})
