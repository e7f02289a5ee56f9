"""Housekeeping jobs the scheduler runs (see ``jobs/schedule.py``).

Each is idempotent: running it twice, or late, deletes nothing that should stay.
"""

from __future__ import annotations

import logging

from jobs.context import runtime

log = logging.getLogger(__name__)


def purge_sessions() -> int:
    """Delete expired session rows; returns how many."""
    from webapp.identity.service import purge_expired_sessions

    count = purge_expired_sessions(runtime().store)
    log.info("purged %d expired sessions", count)
    return count


def purge_tokens() -> int:
    """Delete single-use tokens past their expiry (used ones expire too); returns how many."""
    from webapp.identity.tokens import purge_expired_tokens

    count = purge_expired_tokens(runtime().store)
    log.info("purged %d expired tokens", count)
    return count
