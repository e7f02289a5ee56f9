"""The integrations area: GitHub repositories and AI assistance.

Blueprints: ``integrations_github`` (the project Code tab, commit sync, the webhook),
``integrations_docs`` (AI code documentation and code Q&A), ``integrations_ai`` (workspace
AI settings, the project assistant, duplicate detection) and ``integrations_workflow_ai``
(the workflow AI panel). Template global ``item_code_refs(item)`` feeds the work item page's
"Development" section (``integrations/_item_commits.html``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def _item_code_refs(item: Any) -> list[Any]:
    from webapp.features.integrations.github.service import refs_for_item
    from webapp.features.workspaces.web import store

    if not item or not item.get("$id"):
        return []
    return refs_for_item(store(), item["$id"])


def init_app(app: Flask) -> None:
    """Register the area's blueprints, template globals and hooks."""
    from webapp.features.integrations import (
        routes_ai,
        routes_docs,
        routes_github,
        routes_workflow_ai,
    )

    for module in (routes_github, routes_docs, routes_ai, routes_workflow_ai):
        app.register_blueprint(module.bp)
    app.add_template_global(_item_code_refs, "item_code_refs")
