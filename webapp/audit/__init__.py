"""The audit trail: every write records who, what, when, from where, and what changed."""

from webapp.audit.service import Acting, diff, record

__all__ = ["Acting", "diff", "record"]
