"""The party organisation's comment (组织评语) on a member's annual sheet (SPEC 7, rule 1).

A secretary in scope writes it while the sheet is not final; it is part of the check
report (page and PDF) and of the problem-reminder notice issued at finalising. A
mid-year sheet takes none (422 `annual_only`), a final sheet is never changed (409
`already_final`).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..core.errors import Conflict, NotFound, RuleViolation, check
from ..dispatch.validation import text
from ..extensions import db
from .models import Check, Sheet, SheetStatus
from .sheets import can_review

COMMENT_MAX = 1000


def is_annual(sheet: Sheet) -> bool:
    """Whether the sheet belongs to an annual check (`YYYY`, not `YYYYH1`/`YYYYH2`)."""
    return len(db.session.get(Check, sheet.check_id).period) == 4


def write_comment(actor, sheet: Sheet, *, comment=None, now: datetime) -> Sheet:
    """A secretary in scope writes (or rewrites, or clears with an empty text) the
    organisation's comment on an annual sheet before it is final. 404 out of scope, 422
    for a comment too long or `annual_only`, 409 `already_final`."""
    if not can_review(actor, sheet):
        raise NotFound("sheet_not_found", _l("No such sheet."))
    value, err = text(comment, COMMENT_MAX, required=False)
    check([("comment", err)] if err else [])
    if not is_annual(sheet):
        raise RuleViolation(
            "annual_only",
            _l("Only the annual check's sheets take the organisation's comment."),
            field="comment",
        )
    matched = db.session.execute(
        sa.update(Sheet)
        .where(Sheet.id == sheet.id, Sheet.status != SheetStatus.FINAL)
        .values(org_comment=value, org_comment_by_id=actor.id, org_comment_at=now)
    ).rowcount
    if matched != 1:
        raise Conflict("already_final", _l("This sheet is final already."))
    db.session.refresh(sheet)
    record(actor, "party_sheet.comment", sheet, now=now, details={"member": sheet.member_id})
    return sheet
