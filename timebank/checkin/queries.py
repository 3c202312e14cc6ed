"""Reading attendance, rosters with attendance, and the shifts a scanner can be opened for."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import can_see_phone, ensure_role, in_scope
from ..core.clock import LOCAL_TZ
from ..core.errors import NotFound
from ..core.privacy import mask_phone
from ..extensions import db
from ..shifts.models import Shift, ShiftStatus, Signup
from ..shifts.queries import roster
from ..units.models import Unit
from .models import Attendance, Review


def get_attendance(attendance_id: int) -> Attendance:
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None:
        raise NotFound("attendance_not_found")
    return attendance


def list_to_review(actor) -> list[Attendance]:
    """Attendances waiting for a coordinator's review, in their scope, oldest first: those
    closed automatically and those scanned offline (with the staff who scanned them)."""
    ensure_role(actor, Role.COORDINATOR)
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(Shift, Shift.id == Attendance.shift_id)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Attendance.review == Review.PENDING, in_scope(Unit.path, actor, Role.COORDINATOR)
            )
            .options(
                joinedload(Attendance.member),
                joinedload(Attendance.shift),
                joinedload(Attendance.checked_in_by),
                joinedload(Attendance.checked_out_by),
            )
            .order_by(Attendance.checked_out_at, Attendance.id)
        )
    )


def attendance_by_member(shift_id: int) -> dict[int, Attendance]:
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.shift_id == shift_id))
    return {a.member_id: a for a in rows}


def roster_rows(shift: Shift, viewer) -> list[dict]:
    """The shift's roster with attendance, as `viewer` may see it: a phone number in full
    only for the member and coordinators in scope (SPEC 3.6), masked for checkpoint staff;
    offline scans and geofence overrides marked."""
    attendance = attendance_by_member(shift.id)
    return [_roster_row(s, attendance.get(s.member_id), viewer) for s in roster(shift)]


def _roster_row(signup: Signup, a: Attendance | None, viewer) -> dict:
    member = signup.member
    visible = can_see_phone(viewer, member)
    return {
        "member_id": signup.member_id,
        "name": member.name,
        "phone": member.phone if visible else mask_phone(member.phone),
        "phone_visible": visible,
        "status": signup.status,
        "queued_at": signup.queued_at,
        "is_walk_in": signup.is_walk_in,
        "checked_in_at": a.checked_in_at if a else None,
        "checked_out_at": a.checked_out_at if a else None,
        "credited_minutes": a.credited_minutes if a else None,
        "check_in_method": a.check_in_method if a else None,
        "check_out_method": a.check_out_method if a else None,
        "offline": bool(a and a.offline),
        "outside_geofence_override": bool(a and a.outside_geofence_override),
        "override_reason": a.override_reason if a else None,
    }


def list_shifts_for_staff(actor, day: date, *, limit: int = 300) -> list[Shift]:
    """Published shifts in the actor's staff scope that run on the local `day` (Asia/Shanghai)
    — started that day, or started before and still running — soonest first."""
    start = datetime.combine(day, time(), LOCAL_TZ)
    return list_shifts_running(actor, start, start + timedelta(days=1), limit=limit)


def list_shifts_running(actor, start: datetime, end: datetime, *, limit: int = 300) -> list[Shift]:
    """Published shifts in the actor's staff scope that overlap [`start`, `end`), soonest
    first: a staff member's home asks for "now to twelve hours on", which crosses midnight."""
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


def attended_shift_ids(member_id: int, shift_ids: list[int]) -> set[int]:
    """Which of these shifts the member checked in to (one query)."""
    if not shift_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Attendance.shift_id).where(
                Attendance.member_id == member_id, Attendance.shift_id.in_(shift_ids)
            )
        )
    )
