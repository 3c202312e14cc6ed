"""Reading attendance."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import ensure_role, in_scope
from ..core.errors import NotFound
from ..extensions import db
from ..shifts.models import Shift
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
