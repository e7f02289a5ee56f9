"""Matrix rows of the project table (bulk edit) and workspace search."""

from __future__ import annotations

from matrix.rows import EDIT, VIEW, project, workspace

ORDER = 40

ROWS = {
    ("table.index", "GET"): project(VIEW),
    # any edit key reaches the form (no items selected: 422); the viewer is refused (403)
    ("table.bulk_edit", "POST"): project(EDIT),
    ("search.results", "GET"): workspace(VIEW),
    ("search.live", "GET"): workspace(VIEW),
}

FORMS = {"table.bulk_edit": {"op": "priority:HIGH"}}
