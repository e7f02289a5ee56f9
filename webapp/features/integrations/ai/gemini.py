"""Gemini calls through the google-genai client, per workspace.

A workspace's settings (``ai_settings``): on/off, model (default ``gemini-2.5-flash-lite``)
and its API key (Fernet-encrypted). Every call goes through ``generate``:

1. the billing gate (``metering.ensure_billing_active``: BILLING_SUSPENDED refuses);
2. the settings: off or without a key raises ``AIUnavailable("NOT_CONFIGURED")``;
3. ``client.models.generate_content`` against ``GEMINI_BASE_URL`` (``http_options``), with
   ``GEMINI_TIMEOUT`` and ``GEMINI_RETRIES`` retries on 429/5xx;
4. failures become ``AIUnavailable`` with a code and a message a page shows: RATE_LIMITED
   (429), BAD_KEY (400/401/403 about the key), UNAVAILABLE (5xx), UNREACHABLE (timeouts,
   connection errors), EMPTY (no text in the answer);
5. a successful call records its compute units (``metering.record_compute``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from google import genai
from google.genai import errors, types

from webapp.audit import Acting, diff, record
from webapp.features.integrations import metering, secrets
from webapp.features.integrations.config import settings
from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gemini-2.5-flash-lite"
MODELS = ("gemini-2.5-flash-lite", "gemini-2.5-flash", "gemini-2.5-pro")
MESSAGES = {
    "NOT_CONFIGURED": "AI assistance is not set up for this workspace. A workspace admin can "
                      "turn it on and add a Gemini API key in the workspace's AI settings.",
    "RATE_LIMITED": "The AI service is busy (rate limit reached). Try again in a minute.",
    "BAD_KEY": "The AI service refused the workspace's API key. A workspace admin can "
               "update it in the AI settings.",
    "UNAVAILABLE": "The AI service is having problems right now. Try again later.",
    "UNREACHABLE": "The AI service could not be reached. Try again later.",
    "EMPTY": "The AI service returned no answer. Try rephrasing.",
}


class AIUnavailable(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, code)
        super().__init__(self.message)


@dataclass(frozen=True)
class AIConfig:
    enabled: bool
    model: str
    api_key: str | None

    @property
    def ready(self) -> bool:
        return self.enabled and bool(self.api_key)


def settings_doc(store: DocumentStore, workspace_id: str) -> Document | None:
    return store.first("ai_settings", [Query.equal("workspace_id", workspace_id)])


def config(store: DocumentStore, secret_key: str, workspace_id: str) -> AIConfig:
    doc = settings_doc(store, workspace_id)
    if doc is None:
        return AIConfig(False, DEFAULT_MODEL, None)
    return AIConfig(bool(doc.get("enabled")), doc.get("model") or DEFAULT_MODEL,
                    secrets.decrypt(secret_key, doc.get("api_key_enc")))


def save_settings(store: DocumentStore, acting: Acting, secret_key: str, workspace: Document,
                  *, enabled: bool, model: str, api_key: str | None,
                  clear_key: bool = False) -> Document:
    """Save a workspace's AI settings; an empty ``api_key`` keeps the stored one."""
    model = (model or DEFAULT_MODEL).strip()
    errors_: dict[str, str] = {}
    if model not in MODELS:
        errors_["model"] = "Choose one of the models."
    key = (api_key or "").strip()
    if key and (len(key) < 10 or len(key) > 200 or any(c.isspace() for c in key)):
        errors_["api_key"] = "This does not look like an API key."
    current = settings_doc(store, workspace["$id"])
    has_key = bool(key) or (bool((current or {}).get("api_key_enc")) and not clear_key)
    if enabled and not has_key:
        errors_["api_key"] = "Add an API key to turn AI assistance on."
    if errors_:
        raise FieldErrors(errors_)
    values: dict[str, Any] = {"enabled": bool(enabled), "model": model,
                              "updated_by": acting.user_id}
    if key:
        values["api_key_enc"] = secrets.encrypt(secret_key, key)
    elif clear_key:
        values["api_key_enc"] = None
    with store.transaction():
        if current is None:
            doc = store.create("ai_settings", {"workspace_id": workspace["$id"], **values})
        else:
            doc = store.update("ai_settings", current["$id"], values)
        changes = diff(current, doc, ("enabled", "model"))
        if key or clear_key:
            changes["api_key"] = ["…", "changed" if key else "removed"]
        record(store, acting, "ai_settings_updated", "workspace", workspace["$id"],
               resource_name=workspace.get("name"), changes=changes,
               organization_id=workspace.get("organization_id"),
               workspace_id=workspace["$id"])
    return doc


def _client(api_key: str) -> genai.Client:
    conf = settings()
    options: dict[str, Any] = {
        "timeout": int(conf.gemini_timeout * 1000),
        "retry_options": types.HttpRetryOptions(
            attempts=max(1, conf.gemini_retries + 1), initial_delay=0.5, max_delay=4,
            http_status_codes=[429, 500, 502, 503, 504]),
    }
    if conf.gemini_base_url:
        options["base_url"] = conf.gemini_base_url
    return genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))


def _failure(exc: Exception) -> AIUnavailable:
    if isinstance(exc, errors.APIError):
        code = int(getattr(exc, "code", 0) or 0)
        if code == 429:
            return AIUnavailable("RATE_LIMITED")
        if code in (400, 401, 403) and "key" in str(exc).lower():
            return AIUnavailable("BAD_KEY")
        if code >= 500:
            return AIUnavailable("UNAVAILABLE")
        return AIUnavailable("UNAVAILABLE", f"The AI service refused the request ({code}).")
    return AIUnavailable("UNREACHABLE")


def generate(store: DocumentStore, secret_key: str, *, workspace: Document,
             user: Document | None, operation: str, prompt: str,
             system: str | None = None, json_mode: bool = False,
             project_id: str | None = None, max_tokens: int = 2048) -> str:
    """One Gemini call for ``workspace`` on behalf of ``user``; returns the answer text.

    Raises Refused (BILLING_SUSPENDED) or AIUnavailable; records compute units on success.
    """
    metering.ensure_billing_active(store, user, workspace)
    conf = config(store, secret_key, workspace["$id"])
    if not conf.ready or conf.api_key is None:
        raise AIUnavailable("NOT_CONFIGURED")
    generation = types.GenerateContentConfig(
        system_instruction=system, max_output_tokens=max_tokens, temperature=0.2,
        response_mime_type="application/json" if json_mode else None)
    client = _client(conf.api_key)  # held until the call returns (its transport closes
    try:                             # when the client is collected)
        response = client.models.generate_content(
            model=conf.model, contents=prompt, config=generation)
        text = response.text
    except Exception as exc:  # every client failure degrades to a message
        log.warning("gemini call failed (%s): %s", operation, exc)
        raise _failure(exc) from exc
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()
    metering.record_compute(store, workspace=workspace, operation=operation,
                            user_id=(user or {}).get("$id"), project_id=project_id)
    if not text or not text.strip():
        raise AIUnavailable("EMPTY")
    return text.strip()
