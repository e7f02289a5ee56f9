"""Collections of the integrations area (schema v3): GitHub repositories linked to projects,
the commits and pull requests that mention work items, generated code documentation,
per-workspace AI settings and the compute units AI calls used.

Secrets (a repository's personal access token, its webhook secret, a workspace's Gemini API
key) are stored Fernet-encrypted (``webapp/features/integrations/secrets.py``), never plain.
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

JOB_STATES = ("IDLE", "QUEUED", "RUNNING", "DONE", "FAILED")

GITHUB_REPOSITORIES = Collection(
    id="github_repositories",
    name="GitHub repositories",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("owner", T.STRING, 100, required=True, since=V),
        A("name", T.STRING, 100, required=True, since=V),
        A("url", T.STRING, 300, required=True, since=V),
        A("branch", T.STRING, 255, default="main", since=V),
        A("default_branch", T.STRING, 255, since=V),
        A("private", T.BOOLEAN, default=False, since=V),
        A("token_enc", T.TEXT, since=V),  # Fernet token of the personal access token
        A("webhook_secret_enc", T.TEXT, since=V),
        A("status", T.STRING, 16, default="CONNECTED", elements=("CONNECTED", "ERROR"),
          since=V),
        A("last_error", T.STRING, 500, since=V),
        A("last_synced_at", T.DATETIME, since=V),
        A("sync_state", T.STRING, 16, default="IDLE", elements=JOB_STATES, since=V),
        A("sync_done", T.INTEGER, default=0, since=V),  # commits read so far
        A("sync_message", T.STRING, 500, since=V),
        A("linked_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("github_repo_project", I.UNIQUE, ("project_id",), since=V),),
)

CODE_REFS = Collection(
    id="code_refs",
    name="Commits and pull requests",
    since=V,
    attributes=(
        A("repository_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("kind", T.STRING, 16, required=True, elements=("COMMIT", "PULL_REQUEST"), since=V),
        A("ref", T.STRING, 64, required=True, since=V),  # commit sha or PR number
        A("title", T.STRING, 500, since=V),  # first line of the message / PR title
        A("message", T.TEXT, since=V),
        A("author", T.STRING, 255, since=V),
        A("url", T.STRING, 500, since=V),
        A("state", T.STRING, 16, since=V),  # PR: open / closed / merged
        A("happened_at", T.DATETIME, since=V),
        A("item_keys", T.STRING, 24, array=True, default=[], since=V),
    ),
    indexes=(
        Index("code_refs_unique", I.UNIQUE, ("repository_id", "kind", "ref"), since=V),
        Index("code_refs_project", I.KEY, ("project_id", "happened_at"), since=V),
    ),
)

CODE_REF_LINKS = Collection(
    id="code_ref_links",
    name="Work items mentioned by commits and pull requests",
    since=V,
    attributes=(
        A("ref_id", T.STRING, 36, required=True, since=V),
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("happened_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("code_ref_links_unique", I.UNIQUE, ("ref_id", "item_id"), since=V),
        Index("code_ref_links_item", I.KEY, ("item_id", "happened_at"), since=V),
    ),
)

CODE_DOCUMENTS = Collection(
    id="code_documents",
    name="Generated code documentation",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("repository_id", T.STRING, 36, required=True, since=V),
        A("state", T.STRING, 16, default="IDLE", elements=JOB_STATES, since=V),
        A("progress", T.INTEGER, default=0, since=V),  # files read so far
        A("total", T.INTEGER, default=0, since=V),
        A("message", T.STRING, 500, since=V),
        A("markdown", T.TEXT, since=V),
        A("html", T.TEXT, since=V),  # sanitised rendering of ``markdown``
        A("files", T.JSON, default=[], since=V),  # [{path, size, summary}] read for the doc
        A("generated_at", T.DATETIME, since=V),
        A("requested_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("code_documents_project", I.UNIQUE, ("project_id",), since=V),),
)

AI_SETTINGS = Collection(
    id="ai_settings",
    name="AI settings per workspace",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("enabled", T.BOOLEAN, default=False, since=V),
        A("model", T.STRING, 64, default="gemini-2.5-flash-lite", since=V),
        A("api_key_enc", T.TEXT, since=V),
        A("updated_by", T.STRING, 36, since=V),
    ),
    indexes=(Index("ai_settings_workspace", I.UNIQUE, ("workspace_id",), since=V),),
)

AI_USAGE = Collection(
    id="ai_usage",
    name="Compute units of AI and GitHub operations",
    since=V,
    attributes=(
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("organization_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("user_id", T.STRING, 36, since=V),
        A("operation", T.STRING, 32, required=True, since=V),  # ai_suggestion, sync, ...
        A("module", T.STRING, 16, default="ai", since=V),  # ai | github
        A("base_units", T.INTEGER, default=1, since=V),
        A("units", T.FLOAT, required=True, since=V),
    ),
    indexes=(Index("ai_usage_workspace", I.KEY, ("workspace_id", "$createdAt"), since=V),),
)

COLLECTIONS: tuple[Collection, ...] = (
    GITHUB_REPOSITORIES, CODE_REFS, CODE_REF_LINKS, CODE_DOCUMENTS, AI_SETTINGS, AI_USAGE,
)
