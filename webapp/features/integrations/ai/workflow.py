"""Workflow AI: questions about a workflow, status/transition suggestions, analysis advice
and workflows generated from a description.

Every call sends the workflow as text (statuses with key, type, initial/final; transitions
``FROM → TO``) plus the local analysis (``workflows/analysis.py``: orphaned, unreachable,
dead-end statuses). Calls are ``ai_suggestion`` (5 units). A generated workflow is a *draft*
(``clean_draft`` validates the model's JSON into at most ``MAX_STATUSES`` statuses with
unique keys and transitions between them); it is written only by ``apply_draft`` after the
user confirms, through the workflows services (create, then statuses and transitions), in
one transaction, and is described as AI-generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.audit import Acting
from webapp.features.integrations.ai import gemini
from webapp.features.integrations.ai.assistant import parse_json
from webapp.features.items import markdown
from webapp.features.workflows import service as workflows
from webapp.features.workflows.statuses import (
    KEY_RE,
    clean_key,
    delete_status,
    statuses_of,
    transitions_of,
)
from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.base import Document, DocumentStore

MAX_STATUSES, MAX_TRANSITIONS = 12, 40
TYPES = ("OPEN", "IN_PROGRESS", "CLOSED")
SYSTEM = ("You are the workflow assistant of Keel, an agile project management tool. A "
          "workflow has statuses (key, name, type OPEN/IN_PROGRESS/CLOSED, one initial, some "
          "final) and transitions between them (from a status or from any status). Be "
          "concise and concrete; refer to statuses by name.")


def describe(store: DocumentStore, workflow: Mapping[str, Any]) -> str:
    statuses = statuses_of(store, workflow["$id"])
    names = {s["$id"]: s["name"] for s in statuses}
    lines = [f"Workflow “{workflow['name']}”"]
    if workflow.get("description"):
        lines.append(f"Description: {workflow['description']}")
    lines.append("Statuses:")
    for s in statuses:
        flags = [f for f, on in (("initial", s.get("is_initial")), ("final", s.get("is_final")))
                 if on]
        lines.append(f"- {s['name']} (key {s['key']}, {s.get('status_type')}"
                     + (", " + ", ".join(flags) if flags else "") + ")")
    lines.append("Transitions:")
    for t in transitions_of(store, workflow["$id"]):
        source = names.get(t.get("from_status_id") or "", "any status")
        lines.append(f"- {source} → {names.get(t['to_status_id'], '?')}"
                     + (f" “{t['name']}”" if t.get("name") else ""))
    result = workflows.analyse_workflow(store, workflow)
    problems = ([f"orphaned: {s['name']}" for s in result.orphaned]
                + [f"unreachable: {s['name']}" for s in result.unreachable]
                + [f"dead end: {s['name']}" for s in result.dead_ends] + result.warnings)
    lines.append("Analysis: " + ("; ".join(problems) if problems else "no problems found"))
    return "\n".join(lines)


def _call(store: DocumentStore, secret_key: str, workspace: Document, user: Document,
          prompt: str, json_mode: bool = False) -> str:
    return gemini.generate(store, secret_key, workspace=workspace, user=user,
                           operation="ai_suggestion", prompt=prompt, system=SYSTEM,
                           json_mode=json_mode)


def _html(text: str) -> str:
    return markdown.render(text, {})[0] or ""


def ask(store: DocumentStore, secret_key: str, *, workspace: Document, user: Document,
        workflow: Document, question: str) -> str:
    question = (question or "").strip()
    if not 3 <= len(question) <= 2000:
        raise FieldErrors({"question": "Ask a question (3 to 2,000 characters)."})
    return _html(_call(store, secret_key, workspace, user,
                       f"{describe(store, workflow)}\n\nQuestion: {question}"))


def suggest(store: DocumentStore, secret_key: str, *, workspace: Document, user: Document,
            workflow: Document, kind: str) -> str:
    what = ("one new status this workflow is missing (name, type, where it fits)"
            if kind == "status" else "one transition this workflow is missing (from, to, why)")
    return _html(_call(store, secret_key, workspace, user,
                       f"{describe(store, workflow)}\n\nSuggest {what}. Explain briefly."))


def advise(store: DocumentStore, secret_key: str, *, workspace: Document, user: Document,
           workflow: Document) -> str:
    return _html(_call(store, secret_key, workspace, user,
                       f"{describe(store, workflow)}\n\nReview the analysis above and advise "
                       "how to fix each problem, or confirm the workflow is sound."))


def clean_draft(data: Any) -> dict[str, Any]:
    """A valid draft from the model's JSON, else FieldErrors({"description": …})."""
    bad = FieldErrors({"description": "The AI did not produce a usable workflow; try "
                                      "describing it differently."})
    if not isinstance(data, dict) or not isinstance(data.get("statuses"), list):
        raise bad
    statuses: list[dict[str, Any]] = []
    for entry in data["statuses"][:MAX_STATUSES]:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or entry.get("key") or "").strip()[:64]
        key = clean_key(entry.get("key") or name)[:36]
        if not name or not KEY_RE.match(key) or any(s["key"] == key for s in statuses):
            continue
        kind = str(entry.get("status_type") or entry.get("type") or "OPEN").upper()
        statuses.append({"key": key, "name": name,
                         "status_type": kind if kind in TYPES else "OPEN",
                         "is_final": bool(entry.get("is_final"))})
    if len(statuses) < 2:
        raise bad
    if not any(s["is_final"] for s in statuses):
        for s in statuses:
            s["is_final"] = s["status_type"] == "CLOSED"
    keys = {s["key"] for s in statuses}
    transitions: list[dict[str, Any]] = []
    for entry in (data.get("transitions") or [])[:MAX_TRANSITIONS]:
        if not isinstance(entry, dict):
            continue
        source = clean_key(entry.get("from")) if entry.get("from") else None
        target = clean_key(entry.get("to"))
        if target not in keys or (source is not None and source not in keys) or \
                source == target:
            continue
        if any(t["from"] == source and t["to"] == target for t in transitions):
            continue
        transitions.append({"from": source, "to": target,
                            "name": str(entry.get("name") or "").strip()[:64]})
    name = str(data.get("name") or "AI workflow").strip()[:128] or "AI workflow"
    return {"name": name, "description": str(data.get("description") or "")[:1500],
            "statuses": statuses, "transitions": transitions}


def generate(store: DocumentStore, secret_key: str, *, workspace: Document, user: Document,
             description: str) -> dict[str, Any]:
    description = (description or "").strip()
    if not 10 <= len(description) <= 2000:
        raise FieldErrors({"description": "Describe the workflow in 10 to 2,000 characters."})
    text = _call(store, secret_key, workspace, user, (
        f"Design a workflow for: {description}\n\nReply with JSON: {{\"name\": \"...\", "
        "\"description\": \"...\", \"statuses\": [{\"key\": \"TODO\", \"name\": \"To Do\", "
        "\"status_type\": \"OPEN|IN_PROGRESS|CLOSED\", \"is_final\": false}], "
        "\"transitions\": [{\"from\": \"KEY or null for any\", \"to\": \"KEY\", \"name\": "
        "\"...\"}]}. The first status is the initial one."), json_mode=True)
    return clean_draft(parse_json(text))


def apply_draft(store: DocumentStore, acting: Acting, workspace_id: str,
                draft: Mapping[str, Any], *, name: str | None = None) -> Document:
    """Create the confirmed draft as a workspace workflow (validated again)."""
    clean = clean_draft(dict(draft))
    description = ("AI-generated. " + clean["description"]).strip()[:2000]
    with store.transaction():
        workflow = workflows.create_from_template(
            store, acting, workspace_id, "SIMPLE_KANBAN", name=(name or clean["name"]).strip()
            or clean["name"], description=description)
        for old in statuses_of(store, workflow["$id"]):
            delete_status(store, acting, workflow, old["$id"])
        ids: dict[str, str] = {}
        for position, status in enumerate(clean["statuses"]):
            ids[status["key"]] = workflows.add_status(store, acting, workflow, {
                **status, "is_initial": position == 0})["$id"]
        for transition in clean["transitions"]:
            workflows.add_transition(store, acting, workflow, {
                "from_status_id": ids[transition["from"]] if transition["from"] else None,
                "to_status_id": ids[transition["to"]], "name": transition["name"]})
        return store.get("workflows", workflow["$id"])
