"""Integration jobs (``default`` queue): the GitHub commit sync of a project's repository and
the AI code documentation. Each takes ids only; tokens and keys are read (and decrypted)
from the store inside the job, so no secret sits in Redis job arguments."""

from __future__ import annotations

import logging

from jobs.context import runtime

log = logging.getLogger(__name__)


def sync_repository(repo_id: str, user_id: str | None = None) -> int:
    """Read new commits of a linked repository and link them to work items."""
    from webapp.features.integrations.github.service import sync_commits

    rt = runtime()
    return sync_commits(rt.store, rt.settings.secret_key, repo_id, user_id)


def generate_documentation(project_id: str, user_id: str | None = None) -> bool:
    """Generate (or regenerate) a project's code documentation."""
    from webapp.features.integrations.github.docs import generate

    rt = runtime()
    return generate(rt.store, rt.settings.secret_key, project_id, user_id)
