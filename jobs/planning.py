"""Planning jobs the scheduler runs (see ``jobs/schedule.py``).

``snapshot_sprints`` records the day of every active sprint for the burndown and
cumulative flow charts; it rewrites the day's row, so running it twice or late is harmless.
"""

from __future__ import annotations

import logging

from jobs.context import runtime

log = logging.getLogger(__name__)


def snapshot_sprints() -> int:
    """Today's snapshot of every active sprint; returns how many sprints were recorded."""
    from webapp.features.planning.charts import record_active_days

    count = record_active_days(runtime().store)
    log.info("recorded the day of %d active sprints", count)
    return count
