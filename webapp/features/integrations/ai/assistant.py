"""The project assistant: answers grounded in the project, and proposed work items.

Context (bounded): the project, up to ``MAX_ITEMS`` most recently updated work items (key,
type, status, priority, assignees, title, the first ``DESC_CHARS`` of the description), its
members with their open-item workload, and the start of the project's generated code
documentation when there is one. One Gemini call (``ai_suggestion``, 5 units) answers JSON
``{"answer": markdown, "proposals": [...]}``; each proposal is
``{"action": "create"|"update", "key"?, "title", "description", "type", "priority"}``.
Nothing is written here: proposals are shown, and the user confirms each one, which goes
through ``items.service.create_item`` / ``update_item`` like any other edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from webapp.features.integrations.ai import gemini
from webapp.features.items import markdown, people
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

MAX_ITEMS, DESC_CHARS, DOC_CHARS, MAX_PROPOSALS = 100, 300, 4000, 5
TYPES = ("EPIC", "STORY", "TASK", "BUG", "SUBTASK")
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
SYSTEM = (
    "You are the project assistant of Keel, an agile project management tool. Answer only "
    "from the project context you are given; say so when the context does not contain the "
    "answer. Refer to work items by their keys. When the user asks for new work or changes "
    "to existing items, propose them; never claim that you created or changed anything. "
    "Reply with JSON: {\"answer\": \"<markdown>\", \"proposals\": [{\"action\": \"create\" "
    "or \"update\", \"key\": \"<existing key, for update>\", \"title\": \"...\", "
    "\"description\": \"...\", \"type\": \"TASK|BUG|STORY|EPIC\", \"priority\": "
    "\"LOW|MEDIUM|HIGH|URGENT\"}]}. Use an empty proposals list when nothing is asked for."
)


@dataclass
class Proposal:
    action: str
    title: str
    description: str = ""
    type: str = "TASK"
    priority: str = "MEDIUM"
    key: str | None = None
    item: Document | None = None


@dataclass
class Answer:
    html: str
    proposals: list[Proposal] = field(default_factory=list)


def context(store: DocumentStore, project: Document) -> str:
    items = store.list("work_items", [Query.equal("project_id", project["$id"]),
                                      Query.order_desc("$updatedAt"),
                                      Query.limit(MAX_ITEMS)]).documents
    members = people.members(store, project["$id"])
    names = {p.user_id: p.name for p in members}
    load: dict[str, int] = {}
    for item in items:
        if item.get("status_category") != "CLOSED":
            for uid in item.get("assignee_ids") or []:
                load[uid] = load.get(uid, 0) + 1
    lines = [f"Project {project['key']}: {project['name']}"]
    if project.get("description"):
        lines.append(f"Description: {str(project['description'])[:500]}")
    lines.append(f"\nMembers ({len(members)}):")
    lines += [f"- {p.name} (@{p.handle}), open items assigned: {load.get(p.user_id, 0)}"
              for p in members]
    lines.append(f"\nWork items (the {len(items)} most recently updated):")
    for item in items:
        who = ", ".join(names.get(u, "?") for u in item.get("assignee_ids") or []) or "unassigned"
        desc = " ".join(str(item.get("description") or "").split())[:DESC_CHARS]
        lines.append(f"- {item['key']} [{item.get('type')}, {item.get('status')}, "
                     f"{item.get('priority')}, {who}] {item['title']}"
                     + (f" — {desc}" if desc else ""))
    doc = store.first("code_documents", [Query.equal("project_id", project["$id"])])
    if doc and doc.get("markdown"):
        lines.append("\nCode documentation (start):\n" + str(doc["markdown"])[:DOC_CHARS])
    return "\n".join(lines)


def _proposals(store: DocumentStore, project: Document, raw: Any) -> list[Proposal]:
    out: list[Proposal] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not str(entry.get("title") or "").strip():
            continue
        action = "update" if entry.get("action") == "update" else "create"
        proposal = Proposal(
            action=action, title=str(entry["title"]).strip()[:500],
            description=str(entry.get("description") or "")[:5000],
            type=str(entry.get("type") or "TASK").upper(),
            priority=str(entry.get("priority") or "MEDIUM").upper())
        proposal.type = proposal.type if proposal.type in TYPES else "TASK"
        proposal.priority = proposal.priority if proposal.priority in PRIORITIES else "MEDIUM"
        if action == "update":
            key = str(entry.get("key") or "").strip().upper()
            proposal.key = key
            proposal.item = store.first("work_items", [
                Query.equal("project_id", project["$id"]), Query.equal("key", key)])
            if proposal.item is None:
                continue
        out.append(proposal)
        if len(out) >= MAX_PROPOSALS:
            break
    return out


def parse_json(text: str) -> Any:
    """JSON from a model answer (tolerates a fenced ```json block)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return json.loads(body)
    except ValueError:
        return None


def ask(store: DocumentStore, secret_key: str, *, workspace: Document, project: Document,
        user: Document, question: str) -> Answer:
    """Raises FieldErrors (empty question), Refused (billing) or AIUnavailable."""
    from webapp.features.workspaces.errors import FieldErrors

    question = (question or "").strip()
    if len(question) < 3:
        raise FieldErrors({"question": "Ask a question (at least 3 characters)."})
    if len(question) > 2000:
        raise FieldErrors({"question": "Use at most 2,000 characters."})
    prompt = f"{context(store, project)}\n\nUser question:\n{question}"
    text = gemini.generate(store, secret_key, workspace=workspace, user=user,
                           operation="ai_suggestion", prompt=prompt, system=SYSTEM,
                           json_mode=True, project_id=project["$id"])
    data = parse_json(text)
    if not isinstance(data, dict):
        data = {"answer": text, "proposals": []}
    html, _ = markdown.render(str(data.get("answer") or ""), {})
    return Answer(html or "", _proposals(store, project, data.get("proposals")))
