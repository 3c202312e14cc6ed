"""Scheduled work of check-in: close what the shift's end left open (SPEC 3.3).

At ends_at + GRACE_AFTER_MIN a shift is claimed (a conditional UPDATE of `closed_at`, so two
schedulers never both close it); its open attendances are closed at ends_at, flagged
auto_closed and credited, and confirmed sign-ups without any attendance become no_show.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa

from ..core.settings import setting
from ..extensions import db
from ..shifts.models import Shift, Signup, SignupStatus
from .closing import close_attendance
from .models import Attendance, Method

log = logging.getLogger(__name__)


def close_shifts_job(now) -> int:
    grace = timedelta(minutes=setting("GRACE_AFTER_MIN"))
    due = db.session.scalars(
        sa.select(Shift.id)
        .where(Shift.closed_at.is_(None), Shift.ends_at <= now - grace)
        .order_by(Shift.ends_at)
        .limit(200)
    ).all()
    closed = 0
    for shift_id in due:
        claimed = (
            db.session.execute(
                sa.update(Shift)
                .where(Shift.id == shift_id, Shift.closed_at.is_(None))
                .values(closed_at=now)
            ).rowcount
            == 1
        )
        if not claimed:
            continue
        shift = db.session.get(Shift, shift_id)
        open_ones = db.session.scalars(
            sa.select(Attendance).where(
                Attendance.shift_id == shift_id, Attendance.checked_out_at.is_(None)
            )
        ).all()
        for attendance in open_ones:
            at = max(shift.ends_at, attendance.checked_in_at)
            close_attendance(attendance, at, method=Method.AUTO_CLOSE, now=now, auto=True)
        attended = sa.select(Attendance.member_id).where(Attendance.shift_id == shift_id)
        no_shows = db.session.execute(
            sa.update(Signup)
            .where(
                Signup.shift_id == shift_id,
                Signup.status == SignupStatus.CONFIRMED,
                Signup.member_id.not_in(attended),
            )
            .values(status=SignupStatus.NO_SHOW)
        ).rowcount
        log.info("closed shift %s: %s auto-closed, %s no-shows", shift_id, len(open_ones), no_shows)
        closed += 1
    return closed


JOBS = [(close_shifts_job, 60)]
