"""Collections of the planning area (schema v3): sprint day snapshots (burndown and
cumulative flow), comments on work items, attachments and time logs.

``sprint_days`` holds one row per sprint per UTC day (unique), rewritten whenever Keel
records the day (sprint start and completion, backlog moves, chart views, the nightly job).
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

SPRINT_DAYS = Collection(
    id="sprint_days",
    name="Sprint day snapshots",
    since=V,
    attributes=(
        A("sprint_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("day", T.STRING, 10, required=True, since=V),  # YYYY-MM-DD (UTC)
        A("total_points", T.FLOAT, default=0, since=V),
        A("done_points", T.FLOAT, default=0, since=V),
        A("open_count", T.INTEGER, default=0, since=V),
        A("progress_count", T.INTEGER, default=0, since=V),
        A("closed_count", T.INTEGER, default=0, since=V),
    ),
    indexes=(Index("sprint_days_unique", I.UNIQUE, ("sprint_id", "day"), since=V),),
)

COMMENTS = Collection(
    id="comments",
    name="Work item comments",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("author_id", T.STRING, 36, required=True, since=V),
        A("parent_id", T.STRING, 36, since=V),  # one level of replies
        A("body", T.TEXT, required=True, since=V),  # Markdown source
        A("body_html", T.TEXT, since=V),  # sanitised rendering
        A("mentions", T.STRING, 36, array=True, default=[], since=V),
        A("is_edited", T.BOOLEAN, default=False, since=V),
        A("edited_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("comments_item", I.KEY, ("item_id", "$createdAt"), since=V),
        Index("comments_parent", I.KEY, ("parent_id",), since=V),
    ),
)

ATTACHMENTS = Collection(
    id="attachments",
    name="Work item attachments",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("file_id", T.STRING, 36, required=True, since=V),
        A("bucket", T.STRING, 32, default="attachments", since=V),
        A("file_name", T.STRING, 255, required=True, since=V),
        A("file_size", T.INTEGER, default=0, since=V),
        A("mime_type", T.STRING, 128, since=V),
        A("uploaded_by", T.STRING, 36, since=V),
    ),
    indexes=(
        Index("attachments_item", I.KEY, ("item_id", "$createdAt"), since=V),
        Index("attachments_project", I.KEY, ("project_id",), since=V),
    ),
)

TIME_LOGS = Collection(
    id="time_logs",
    name="Time logs",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("hours", T.FLOAT, required=True, since=V),
        A("log_date", T.DATETIME, required=True, since=V),  # the calendar day, midnight UTC
        A("note", T.STRING, 1000, since=V),
        A("is_billable", T.BOOLEAN, default=False, since=V),
    ),
    indexes=(
        Index("time_logs_item", I.KEY, ("item_id", "log_date"), since=V),
        Index("time_logs_user", I.KEY, ("user_id", "log_date"), since=V),
    ),
)

COLLECTIONS: tuple[Collection, ...] = (SPRINT_DAYS, COMMENTS, ATTACHMENTS, TIME_LOGS)
