"""Notification pages: the bell's dropdown and count, the inbox page, preferences, mute,
and the signed unsubscribe link of the e-mails. Thin: parse → guard → service → render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import login_required, public
from webapp.extensions import csrf, runtime
from webapp.features.notifications import dispatcher, inbox, prefs
from webapp.features.notifications import mail as notification_mail
from webapp.features.notifications.events import GROUPS
from webapp.features.workspaces.errors import Refused
from webapp.features.workspaces.web import acting, store
from webapp.htmx import is_htmx, render

bp = Blueprint("notifications", __name__)
BASE = "/account/notifications"  # the profile group of the lifecycle table
# a token page, reachable signed out (the lifecycle table's public /auth group)
UNSUBSCRIBE = notification_mail.UNSUBSCRIBE_PATH.replace("{token}", "<token>")
PAGE_TEMPLATE = "notifications/index.html"


def unread_for_template() -> int:
    """The signed-in user's unread count for the bell (0 when the store is unreachable)."""
    user = g.get("user")
    if not user:
        return 0
    try:
        return dispatcher.unread_count(store(), user["$id"])
    except Exception:  # the bell never breaks a page
        return 0


def _own(notification_id: str) -> dict[str, Any]:
    try:
        return inbox.get_own(store(), g.user["$id"], notification_id)
    except Refused:
        abort(404)


def _safe(link: str | None) -> str:
    parts = urlsplit(link or "/")
    return link if link and not parts.scheme and not parts.netloc and link.startswith(
        "/") else "/"


def _page(status: int = 200) -> Any:
    unread_only = request.args.get("filter") == "unread"
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    rows, total = inbox.listing(store(), g.user["$id"], unread_only=unread_only,
                                offset=(page - 1) * inbox.PAGE)
    unread = dispatcher.unread_count(store(), g.user["$id"])
    return render(PAGE_TEMPLATE, "notifications_list", status=status, rows=rows, total=total,
                  unread=unread, unread_only=unread_only, page=page,
                  pages=max(1, -(-total // inbox.PAGE)))


@bp.get(BASE)
@login_required
def index() -> Any:
    return _page()


@bp.get(f"{BASE}/dropdown")
@login_required
def dropdown() -> Any:
    rows, _ = inbox.listing(store(), g.user["$id"], limit=8)
    unread = dispatcher.unread_count(store(), g.user["$id"])
    return render("notifications/_dropdown.html", "notifications_dropdown", rows=rows,
                  unread=unread)


@bp.get(f"{BASE}/bell")
@login_required
def bell() -> Any:
    return render("notifications/_bell_count.html", "notifications_count",
                  unread=dispatcher.unread_count(store(), g.user["$id"]))


@bp.get(f"{BASE}/<notification_id>/go")
@login_required
def go(notification_id: str) -> Any:
    """Open the deep link of a notification, marking it read."""
    row = _own(notification_id)
    inbox.mark_read(store(), g.user["$id"], notification_id)
    return redirect(_safe(row.get("link")), 303)


def _after_write() -> Any:
    if is_htmx():
        return _page()
    return redirect(url_for(".index", **({"filter": "unread"} if request.form.get(
        "filter") == "unread" else {})), 303)


@bp.post(f"{BASE}/<notification_id>/read")
@login_required
def read(notification_id: str) -> Any:
    _own(notification_id)
    inbox.mark_read(store(), g.user["$id"], notification_id)
    return _after_write()


@bp.post(f"{BASE}/read-all")
@login_required
def read_all() -> Any:
    count = inbox.mark_all_read(store(), g.user["$id"])
    if not is_htmx():
        flash(f"{count} notification{'s' if count != 1 else ''} marked as read.", "success")
    return _after_write()


@bp.post(f"{BASE}/<notification_id>/delete")
@login_required
def delete(notification_id: str) -> Any:
    _own(notification_id)
    inbox.delete(store(), g.user["$id"], notification_id)
    return _after_write()


@bp.route(f"{BASE}/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> Any:
    user_id = g.user["$id"]
    if request.method == "POST":
        channels = {group: {c: f"{group}:{c}" in request.form for c in prefs.CHANNELS}
                    for group in GROUPS}
        prefs.save(store(), acting(), user_id, channels=channels,
                   self_suppression="self_suppression" in request.form)
        flash("Notification preferences saved.", "success")
        return redirect(url_for(".preferences"), 303)
    current = prefs.get(store(), user_id)
    muted_items = store().get_many("work_items", list(current.muted_items))
    muted_projects = store().get_many("projects", list(current.muted_projects))
    return render("notifications/preferences.html", "notifications_preferences",
                  current=current, groups=GROUPS, channels=prefs.CHANNELS,
                  muted_items=muted_items, muted_projects=muted_projects)


@bp.post(f"{BASE}/mute")
@login_required
def mute() -> Any:
    """Mute or unmute a work item or project (``item_id`` / ``project_id``, ``muted``)."""
    item_id = request.form.get("item_id") or None
    project_id = request.form.get("project_id") or None
    if not item_id and not project_id:
        abort(400)
    muted = request.form.get("muted") == "1"
    prefs.set_muted(store(), g.user["$id"], item_id=item_id, project_id=project_id,
                    muted=muted)
    flash("Muted." if muted else "Unmuted.", "success")
    return redirect(_safe(request.form.get("next")) if request.form.get("next") else url_for(
        ".preferences"), 303)


@bp.route(UNSUBSCRIBE, methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential (mail clients post one-click without a form)
@public
def unsubscribe(token: str) -> Any:
    """The e-mail's unsubscribe link (GET: confirm; POST: done, also RFC 8058 one-click)."""
    found = notification_mail.read_unsubscribe_token(runtime().settings.secret_key, token)
    if found is None:
        abort(404)
    user_id, group = found
    done = False
    if request.method == "POST":
        if store().find("users", user_id) is None:
            abort(404)
        prefs.set_channel(store(), user_id, group, "email", False)
        done = True
    return render("notifications/unsubscribe.html", "notifications_unsubscribe",
                  group=GROUPS[group], token=token, done=done)
