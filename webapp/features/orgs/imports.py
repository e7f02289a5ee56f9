"""CSV import of members: ``name,email,role`` rows, previewed, then applied row by row.

``preview_import`` checks every row without writing (bad e-mail, unknown role, a role
above the importer's, a duplicate in the file, an existing member) and says what applying
would do; ``apply_import`` runs ``add_member_account`` for each row and reports per row:
created (a new account), added (an existing account joined), already a member, or
rejected with the reason. Files are small by design (``MAX_ROWS``) and run inline.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from webapp.audit import Acting
from webapp.authz.invariants import check_role_assignment
from webapp.storage.base import DocumentStore
from webapp.storage.query import Query

from .accounts import add_member_account, clean_person
from .errors import FieldErrors, Refused
from .members import actor_role, parse_role
from .service import get_membership

MAX_ROWS = 200
MAX_BYTES = 256 * 1024
HEADER = ("name", "email", "role")

CREATE, ADD, ALREADY, REJECTED = "create", "add", "already", "rejected"
OUTCOME_LABELS = {
    CREATE: "New account",
    ADD: "Existing account joins",
    ALREADY: "Already a member",
    REJECTED: "Rejected",
}


@dataclass
class ImportRow:
    line: int
    name: str
    email: str
    role: str
    outcome: str = CREATE
    reason: str = ""
    member_id: str | None = None

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def applicable(self) -> int:
        return self.count(CREATE) + self.count(ADD)


def parse_csv(text: str) -> list[ImportRow]:
    """Rows of a ``name,email,role`` file (a header row is optional); raises FieldErrors."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise FieldErrors({"file": f"The file is too large (at most {MAX_BYTES // 1024} KB)."})
    text = text.lstrip("\ufeff")
    rows: list[ImportRow] = []
    reader = csv.reader(io.StringIO(text))
    for number, cells in enumerate(reader, start=1):
        values = [c.strip() for c in cells]
        if not any(values):
            continue
        if not rows and number == 1 and [v.lower() for v in values[:3]] == list(HEADER):
            continue
        values += [""] * (3 - len(values))
        row = ImportRow(number, values[0], values[1], values[2] or "MEMBER")
        if len(values) > 3 and any(values[3:]):
            row.outcome, row.reason = REJECTED, "Too many columns (expected name,email,role)."
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise FieldErrors({"file": f"Import at most {MAX_ROWS} members at a time."})
    if not rows:
        raise FieldErrors({"file": "The file has no members. Use the columns name,email,role."})
    return rows


def preview_import(store: DocumentStore, acting: Acting, org_id: str, text: str
                   ) -> ImportReport:
    """What applying ``text`` would do, row by row (writes nothing)."""
    actor = actor_role(store, org_id, acting)
    report = ImportReport(parse_csv(text))
    seen: set[str] = set()
    for row in report.rows:
        if row.outcome == REJECTED:
            continue
        try:
            row.name, row.email, row.role = clean_person(row.name, row.email, row.role)
        except FieldErrors as exc:
            row.outcome, row.reason = REJECTED, " ".join(exc.errors.values())
            continue
        if check_role_assignment(actor, None, parse_role(row.role)):
            row.outcome, row.reason = REJECTED, "You cannot add a member with a role above " \
                                                "your own."
            continue
        if row.email in seen:
            row.outcome, row.reason = REJECTED, "This address appears earlier in the file."
            continue
        seen.add(row.email)
        user = store.first("users", [Query.equal("email", row.email)])
        if user is None:
            row.outcome = CREATE
        elif get_membership(store, org_id, user["$id"]) is not None:
            row.outcome = ALREADY
        else:
            row.outcome = ADD
    return report


def apply_import(store: DocumentStore, acting: Acting, org_id: str, text: str) -> ImportReport:
    """Add every acceptable row; each row stands alone (one bad row never stops the rest)."""
    report = preview_import(store, acting, org_id, text)
    for row in report.rows:
        if row.outcome not in (CREATE, ADD):
            continue
        try:
            added = add_member_account(store, acting, org_id, name=row.name, email=row.email,
                                       role=row.role)
        except FieldErrors as exc:
            message = " ".join(exc.errors.values())
            already = "already a member" in message
            row.outcome, row.reason = (ALREADY, "") if already else (REJECTED, message)
            continue
        except Refused as exc:
            row.outcome, row.reason = REJECTED, exc.message
            continue
        row.outcome = CREATE if added.created_account else ADD
        row.member_id = added.member["$id"]
    return report
