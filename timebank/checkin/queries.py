"""Reading attendance, and the shifts a scanner can be opened for."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import ensure_role, in_scope
from ..core.clock import LOCAL_TZ
from ..core.errors import NotFound
from ..extensions import db
from ..shifts.models import Shift, ShiftStatus
from ..units.models import Unit
from .models import Attendance, Review


def get_attendance(attendance_id: int) -> Attendance:
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None:
        raise NotFound("attendance_not_found")
    return attendance


def list_to_review(actor) -> list[Attendance]:
    """Auto-closed attendances in the coordinator's scope, oldest first."""
    ensure_role(actor, Role.COORDINATOR)
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(Shift, Shift.id == Attendance.shift_id)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Attendance.review == Review.PENDING, in_scope(Unit.path, actor, Role.COORDINATOR)
            )
            .options(joinedload(Attendance.member), joinedload(Attendance.shift))
            .order_by(Attendance.checked_out_at)
        )
    )


def attendance_by_member(shift_id: int) -> dict[int, Attendance]:
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.shift_id == shift_id))
    return {a.member_id: a for a in rows}


def list_shifts_for_staff(actor, day: date, *, limit: int = 300) -> list[Shift]:
    """Published shifts in the actor's staff scope that run on the local `day` (Asia/Shanghai)
    — started that day, or started before and still running — soonest first."""
    start = datetime.combine(day, time(), LOCAL_TZ)
    end = start + timedelta(days=1)
    return list(
        db.session.scalars(
            sa.select(Shift)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Shift.status == ShiftStatus.PUBLISHED,
                Shift.starts_at < end,
                Shift.ends_at > start,
                in_scope(Unit.path, actor, Role.STAFF),
            )
            .options(joinedload(Shift.community), joinedload(Shift.checkpoint))
            .order_by(Shift.starts_at, Shift.id)
            .limit(limit)
        )
    )


def attendance_counts(shift_id: int) -> tuple[int, int]:
    """(on site now, checked out) for a shift."""
    open_, closed = db.session.execute(
        sa.select(
            sa.func.count().filter(Attendance.checked_out_at.is_(None)),
            sa.func.count().filter(Attendance.checked_out_at.is_not(None)),
        ).where(Attendance.shift_id == shift_id)
    ).one()
    return open_, closed
