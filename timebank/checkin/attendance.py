"""Coordinators' work on attendance: manual entry, and review of auto-closed attendances."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, ValidationFailed
from ..extensions import db
from ..ledger.services import find_by_source, reverse
from ..members.models import Member
from ..shifts.models import Shift
from .closing import close_attendance
from .decide import CLOCK_SKEW, SHIFT_MARGIN
from .models import Attendance, Method, Review


def enter_attendance(
    actor,
    shift: Shift,
    member: Member,
    *,
    checked_in_at,
    checked_out_at,
    reason,
    now: datetime | None = None,
) -> Attendance:
    """Record an attendance by hand (the member's phone died, the scanner failed) and credit
    it. A coordinator in scope gives the times and a reason. Audited."""
    ensure_role(actor, Role.COORDINATOR, shift.community)
    now = now or utcnow()
    validate_manual(shift, checked_in_at, checked_out_at, reason, now)
    existing = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.member_id == member.id, Attendance.shift_id == shift.id
        )
    )
    if existing is not None and not existing.is_open:
        raise Conflict(
            "attendance_exists",
            _l("This member's attendance is recorded already; correct it with an adjustment."),
        )
    if existing is None:
        existing = Attendance(
            member_id=member.id,
            shift_id=shift.id,
            created_at=now,
            checked_in_at=checked_in_at,
            checked_in_by_id=actor.id,
            check_in_method=Method.COORDINATOR,
        )
        db.session.add(existing)
    existing.checked_in_at, existing.manual_reason = checked_in_at, reason.strip()[:255]
    db.session.flush()
    close_attendance(existing, checked_out_at, method=Method.COORDINATOR, by=actor, now=now)
    record(
        actor,
        "attendance.enter",
        existing,
        unit_id=shift.community_id,
        now=now,
        details={
            "member_id": member.id,
            "reason": existing.manual_reason,
            "minutes": existing.credited_minutes,
        },
    )
    return existing


def review_attendance(
    actor, attendance: Attendance, *, confirm: bool, reason=None, now: datetime | None = None
) -> Attendance:
    """Confirm an auto-closed attendance, or reverse its credit (a reason is required)."""
    ensure_role(actor, Role.COORDINATOR, attendance.shift.community)
    if attendance.review != Review.PENDING:
        raise Conflict("already_reviewed", _l("This attendance has been reviewed already."))
    now = now or utcnow()
    if not confirm:
        entry = find_by_source(f"attendance:{attendance.id}")
        reverse(actor, entry, reason=reason, now=now)
    attendance.review = Review.CONFIRMED if confirm else Review.REVERSED
    attendance.reviewed_by_id, attendance.reviewed_at = actor.id, now
    db.session.flush()
    record(
        actor,
        f"attendance.{attendance.review}",
        attendance,
        unit_id=attendance.shift.community_id,
        now=now,
        details={"reason": reason},
    )
    return attendance


def validate_manual(shift, checked_in_at, checked_out_at, reason, now=None):
    """Refuse manual attendance times that are not a span near the shift, or no reason."""
    errors: list = []
    for field, value in (("checked_in_at", checked_in_at), ("checked_out_at", checked_out_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors.append((field, _("Give a date and time.")))
    if not errors and checked_out_at <= checked_in_at:
        errors.append(("checked_out_at", _("The end must be after the start.")))
    if not errors and now is not None and checked_out_at > now + CLOCK_SKEW:
        errors.append(("checked_out_at", _("This time has not come yet.")))
    if not errors and not (
        shift.starts_at - SHIFT_MARGIN <= checked_in_at
        and checked_out_at <= shift.ends_at + SHIFT_MARGIN
    ):
        errors.append(("checked_in_at", _("These times are far from the shift's.")))
    if not (reason or "").strip():
        errors.append(("reason", _("Give a reason.")))
    if errors:
        raise ValidationFailed(errors)
