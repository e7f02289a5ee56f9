"""Outgoing project webhooks (SYSTEM.md §4.24): configuration, payloads, signed delivery.

* Signatures follow Standard Webhooks: headers ``webhook-id`` (the delivery's message id),
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
  "<id>.<timestamp>.<body>">`` keyed with the base64 part of the ``whsec_…`` secret.
* A delivery row is written per event and hook, then attempted by an RQ job. A failed
  attempt (network error, timeout after 5 s, non-2xx) sets ``next_attempt_at`` by the
  backoff (6 attempts over about a day); ``jobs.notifications.retry_webhooks`` runs the due
  ones every minute, so retries survive restarts and Redis outages. Every attempt is kept.
* ``DISABLE_AFTER`` consecutive failed attempts disable the hook and notify the project's
  owners and admins.
* SSRF guard: the host is resolved and every address must be public, unless the platform
  setting ``WEBHOOKS_ALLOW_PRIVATE_NETWORKS`` allows private networks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from webapp.audit import Acting, record
from webapp.features.notifications import context, texts
from webapp.features.notifications.events import Event
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore, new_id
from webapp.storage.query import Query

TIMEOUT = 5.0
BACKOFF = (60, 600, 3600, 14400, 64800)  # seconds before attempts 2..6 (≈ 23 h in all)
MAX_ATTEMPTS = len(BACKOFF) + 1
DISABLE_AFTER = 10
BODY_CAP = 1000
COLOURS = {"TASK_CREATED": 0x22C55E, "TASK_COMPLETED": 0x16A34A, "TASK_DELETED": 0xEF4444,
           "STATUS_CHANGED": 0x3B82F6, "PRIORITY_CHANGED": 0xF97316,
           "DUE_DATE_CHANGED": 0xEAB308, "WORKITEM_MENTIONED": 0x8B5CF6}
METADATA_HOSTS = {"metadata.google.internal", "metadata"}


# -- configuration ----------------------------------------------------------------------
def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` may not be called (None: it may). Resolves the host (SSRF guard)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter an http:// or https:// URL."
    host = parts.hostname.lower()
    local = host in METADATA_HOSTS or host == "localhost" or host.endswith(".localhost")
    if local and not allow_private:
        return "This address is not allowed (local or metadata host)."
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        return "This host name does not resolve."
    if allow_private:
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (address.is_loopback or address.is_private or address.is_link_local
                or address.is_reserved or address.is_multicast or address.is_unspecified
                or not address.is_global):
            return "This address is not allowed (loopback, private or link-local network)."
    return None


def _clean(name: str, url: str, events: Iterable[str], *, allow_private: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    url = (url or "").strip()
    chosen = [e for e in dict.fromkeys(events) if e]
    if not name:
        errors["name"] = "Enter a name."
    elif len(name) > 100:
        errors["name"] = "At most 100 characters."
    reason = check_url(url, allow_private=allow_private) if url else "Enter a URL."
    if reason:
        errors["url"] = reason
    if not chosen:
        errors["events"] = "Choose at least one event."
    elif any(e not in texts.HOOK_EVENTS for e in chosen):
        errors["events"] = "Unknown event."
    if errors:
        raise FieldErrors(errors)
    return {"name": name, "url": url, "events": chosen}


def list_hooks(store: DocumentStore, project_id: str) -> list[Document]:
    return store.list("project_webhooks", [Query.equal("project_id", project_id),
                                           Query.order_asc("$createdAt"),
                                           Query.limit(100)]).documents


def get_hook(store: DocumentStore, project_id: str, hook_id: str) -> Document:
    hook = store.find("project_webhooks", hook_id)
    if hook is None or hook["project_id"] != project_id:
        raise Refused("NOT_FOUND", "This webhook does not exist.", status=404)
    return hook


def create_hook(store: DocumentStore, acting: Acting, project: Document, *, name: str,
                url: str, events: Iterable[str], secret: str | None = None,
                enabled: bool = True, allow_private: bool = False) -> Document:
    values = _clean(name, url, events, allow_private=allow_private)
    if secret and not secret.startswith("whsec_"):
        raise FieldErrors({"secret": "A secret starts with whsec_ (leave empty to generate)."})
    with store.transaction():
        hook = store.create("project_webhooks", {
            **values, "project_id": project["$id"], "workspace_id": project.get("workspace_id"),
            "secret": secret or new_secret(), "enabled": bool(enabled),
            "created_by": acting.user_id, "failure_count": 0,
        })
        record(store, acting, "project_webhook_created", "project_webhook", hook["$id"],
               resource_name=hook["name"], changes={"url": [None, hook["url"]]},
               workspace_id=project.get("workspace_id"), project_id=project["$id"])
    return hook


def update_hook(store: DocumentStore, acting: Acting, project: Document, hook_id: str, *,
                name: str, url: str, events: Iterable[str], enabled: bool,
                allow_private: bool = False, rotate_secret: bool = False) -> Document:
    hook = get_hook(store, project["$id"], hook_id)
    values: dict[str, Any] = _clean(name, url, events, allow_private=allow_private)
    values["enabled"] = bool(enabled)
    if enabled and not hook.get("enabled"):
        values.update(failure_count=0, disabled_reason=None)
    if rotate_secret:
        values["secret"] = new_secret()
    with store.transaction():
        after = store.update("project_webhooks", hook_id, values)
        record(store, acting, "project_webhook_updated", "project_webhook", hook_id,
               resource_name=after["name"],
               changes={k: [hook.get(k), after.get(k)] for k in ("name", "url", "enabled")
                        if hook.get(k) != after.get(k)},
               workspace_id=project.get("workspace_id"), project_id=project["$id"])
    return after


def delete_hook(store: DocumentStore, acting: Acting, project: Document, hook_id: str) -> None:
    hook = get_hook(store, project["$id"], hook_id)
    with store.transaction():
        store.delete_where("webhook_deliveries", [Query.equal("webhook_id", hook_id)])
        store.delete("project_webhooks", hook_id)
        record(store, acting, "project_webhook_deleted", "project_webhook", hook_id,
               resource_name=hook["name"], workspace_id=project.get("workspace_id"),
               project_id=project["$id"])


def deliveries(store: DocumentStore, hook_id: str, limit: int = 50) -> list[Document]:
    return store.list("webhook_deliveries", [Query.equal("webhook_id", hook_id),
                                             Query.order_desc("$createdAt"),
                                             Query.limit(limit)]).documents


# -- payloads ---------------------------------------------------------------------------
def payload(event_name: str, event: Event, base_url: str,
            actor: Mapping[str, Any] | None) -> dict[str, Any]:
    item, project = event.item or {}, event.project or {}
    summary = texts.summary(event)
    link = base_url.rstrip("/") + texts.link(event)
    title = texts.title(event)
    return {
        "event": event_name, "projectId": event.project_id,
        "timestamp": event.at.isoformat(), "content": f"{title}: {summary}",
        "description": summary,
        "project": {"id": event.project_id, "name": project.get("name"),
                    "imageUrl": project.get("image_url")},
        "actor": {"userId": event.actor_id, "userName": (actor or {}).get("name")
                  or event.actor_name, "userEmail": (actor or {}).get("email")},
        "data": {"workitemId": event.item_id, "workitemKey": item.get("key"),
                 "title": item.get("title"), "summary": summary, "deepLinkUrl": link,
                 "changes": dict(event.changes)},
        "embeds": [{"title": f"{item.get('key') or ''} {title}".strip(),
                    "description": summary, "url": link,
                    "color": COLOURS.get(event_name, 0x2563EB)}],
    }


def body_for(url: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Slack and Discord incoming webhooks get their own shapes; others the full payload."""
    host = (urlsplit(url).hostname or "").lower()
    embed = (data.get("embeds") or [{}])[0]
    if host == "hooks.slack.com":
        return {"text": data["content"], "attachments": [{
            "color": f"#{embed.get('color', 0x2563EB):06x}", "title": embed.get("title"),
            "title_link": embed.get("url"), "text": embed.get("description")}]}
    if host in ("discord.com", "discordapp.com") and "/api/webhooks/" in url:
        return {"content": data["content"], "embeds": list(data.get("embeds") or [])}
    return dict(data)


def fan_out(store: DocumentStore, event: Event, *, only_hook: Document | None = None) -> int:
    """One delivery per enabled hook of the event's project that selected the event."""
    name = texts.WEBHOOK_EVENTS.get(event.type)
    if only_hook is None and (name is None or not event.project_id):
        return 0
    hooks = [only_hook] if only_hook is not None else [
        h for h in list_hooks(store, str(event.project_id))
        if h.get("enabled") and name in (h.get("events") or [])]
    if not hooks:
        return 0
    rt = context.runtime()
    actor = store.find("users", event.actor_id) if event.actor_id else None
    now = datetime.now(UTC)
    count = 0
    for hook in hooks:
        data = payload(name or "TEST", event, rt.settings.base_url, actor)
        delivery = store.create("webhook_deliveries", {
            "webhook_id": hook["$id"], "project_id": hook["project_id"],
            "event_type": name or "TEST", "message_id": "msg_" + new_id(),
            "payload": json.dumps(body_for(hook["url"], data), default=str),
            "state": "pending", "next_attempt_at": now + timedelta(minutes=2),
        })
        from jobs.notifications import deliver_webhook

        context.enqueue("default", deliver_webhook, delivery["$id"])
        count += 1
    return count


# -- delivery ---------------------------------------------------------------------------
def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(hook: Mapping[str, Any], delivery: Mapping[str, Any], timestamp: int) -> dict[str, str]:
    return {
        "content-type": "application/json", "user-agent": "Keel-Webhooks/1",
        "webhook-id": str(delivery["message_id"]), "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(str(hook["secret"]), str(delivery["message_id"]), timestamp,
                                  str(delivery["payload"])),
        "x-keel-event": str(delivery["event_type"]),
    }


def attempt(store: DocumentStore, delivery_id: str, *, allow_private: bool = False) -> Document:
    """Send one attempt of a delivery and record it; returns the delivery as stored."""
    delivery = store.get("webhook_deliveries", delivery_id)
    if delivery["state"] in ("success", "failed"):
        return delivery
    hook = store.find("project_webhooks", delivery["webhook_id"])
    if hook is None or not hook.get("enabled"):
        return store.update("webhook_deliveries", delivery_id, {
            "state": "failed", "next_attempt_at": None})
    started = time.monotonic()
    now = datetime.now(UTC)
    status: int | None = None
    text = ""
    reason = check_url(hook["url"], allow_private=allow_private)
    if reason:
        text = reason
    else:
        try:
            response = requests.post(
                hook["url"], data=str(delivery["payload"]).encode(), timeout=TIMEOUT,
                headers=headers(hook, delivery, int(now.timestamp())), allow_redirects=False)
            status, text = response.status_code, response.text[:BODY_CAP]
        except requests.RequestException as exc:
            text = f"{type(exc).__name__}: {exc}"[:BODY_CAP]
    duration = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    count = int(delivery.get("attempt_count") or 0) + 1
    attempts = [*(delivery.get("attempts") or []), {
        "at": now.isoformat(), "status": status, "duration_ms": duration,
        "response": text[:BODY_CAP]}]
    if ok:
        state, next_at = "success", None
    elif count >= MAX_ATTEMPTS:
        state, next_at = "failed", None
    else:
        state, next_at = "retrying", now + timedelta(seconds=BACKOFF[count - 1])
    updated = store.update("webhook_deliveries", delivery_id, {
        "state": state, "attempt_count": count, "next_attempt_at": next_at,
        "response_status": status, "response_body": text[:BODY_CAP], "duration_ms": duration,
        "delivered_at": now if ok else None, "attempts": attempts[-MAX_ATTEMPTS:]})
    if ok:
        store.update("project_webhooks", hook["$id"], {"failure_count": 0,
                                                       "last_triggered_at": now})
    else:
        failures = store.increment("project_webhooks", hook["$id"], "failure_count")
        if int(failures.get("failure_count") or 0) >= DISABLE_AFTER:
            _disable(store, failures)
    return updated


def _disable(store: DocumentStore, hook: Document) -> None:
    reason = f"Disabled after {DISABLE_AFTER} failed deliveries in a row."
    changed = store.update_where("project_webhooks", [Query.equal("$id", hook["$id"]),
                                                      Query.equal("enabled", True)],
                                 {"enabled": False, "disabled_reason": reason})
    if not changed:
        return
    admins = store.list("project_members", [
        Query.equal("project_id", hook["project_id"]),
        Query.equal("role", ["PROJECT_OWNER", "PROJECT_ADMIN"]),
        Query.equal("status", "ACTIVE"), Query.limit(100)]).documents
    link = f"/w/{hook.get('workspace_id')}/projects/{hook['project_id']}/webhooks"
    for member in admins:
        store.create("notifications", {
            "user_id": member["user_id"], "workspace_id": hook.get("workspace_id"),
            "project_id": hook["project_id"], "type": "PROJECT_UPDATED",
            "kind": "task_updated", "group": "members",
            "title": "Webhook disabled", "link": link,
            "message": f'The webhook "{hook["name"]}" was disabled: {reason}',
            "metadata": {"webhook_id": hook["$id"]},
        })


def due_deliveries(store: DocumentStore, now: datetime, limit: int = 100) -> list[Document]:
    return store.list("webhook_deliveries", [
        Query.equal("state", ["pending", "retrying"]), Query.less_than_equal(
            "next_attempt_at", now), Query.order_asc("next_attempt_at"),
        Query.limit(limit)]).documents


def claim(store: DocumentStore, delivery: Document, now: datetime) -> bool:
    """Lease a due delivery for five minutes so two runners never send it twice."""
    return bool(store.update_where("webhook_deliveries", [
        Query.equal("$id", delivery["$id"]),
        Query.equal("next_attempt_at", delivery["next_attempt_at"])],
        {"next_attempt_at": now + timedelta(minutes=5)}))
