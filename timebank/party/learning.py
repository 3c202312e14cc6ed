"""The learning record (SPEC 7): lectures attended are study, never service.

A lecture is a `lecture` shift; its attendance is scanned like any other, and its ledger
entry is the 0-minute `service` entry of a shift not counted as service (reason "not
counted as service"). The study minutes are never written to the ledger: they are the
same overlap of check-in and check-out with the shift's window that a service shift
would credit, computed here from the attendance, so no certificate or balance built on
the ledger can ever count them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..checkin.models import Attendance
from ..core.settings import setting
from ..extensions import db
from ..ledger.credit import credited_minutes
from ..shifts.models import Shift, ShiftStatus
from ..units.models import Unit
from .models import LecturePoint

LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Lecture:
    shift_id: int
    title: str
    date: date
    minutes: int


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC)


def study_minutes(shift: Shift, attendance: Attendance) -> int:
    """The minutes a closed lecture attendance adds to the study record."""
    if attendance.checked_out_at is None:
        return 0
    return credited_minutes(
        shift.starts_at,
        shift.ends_at,
        attendance.checked_in_at,
        attendance.checked_out_at,
        grace_before_min=setting("GRACE_BEFORE_MIN"),
        grace_after_min=setting("GRACE_AFTER_MIN"),
    )


def lectures_of(member_id: int, year: int) -> list[Lecture]:
    """The lectures the member attended in the year (Beijing time), oldest first."""
    rows = db.session.execute(
        sa.select(Shift, Attendance)
        .join(Attendance, Attendance.shift_id == Shift.id)
        .where(
            Attendance.member_id == member_id,
            Shift.kind == "lecture",
            Shift.starts_at >= _utc(date(year, 1, 1)),
            Shift.starts_at < _utc(date(year + 1, 1, 1)),
        )
        .order_by(Shift.starts_at)
    ).all()
    return [
        Lecture(
            shift.id,
            shift.title,
            shift.starts_at.astimezone(LOCAL).date(),
            study_minutes(shift, att),
        )
        for shift, att in rows
    ]


def learning_record(member_id: int, year: int) -> dict:
    """`minutes` (study this year) and `items` (the lectures)."""
    items = lectures_of(member_id, year)
    return {"year": year, "minutes": sum(i.minutes for i in items), "items": items}


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return _utc(date(year, month, 1)), _utc(nxt)


def coverage(points_condition, year: int, month: int) -> list[dict]:
    """Lecture points matching the condition, with their lectures of the month and each
    lecture's attendance; a point with none is listed with an empty list (SPEC 7, rule 5)."""
    starts, ends = month_bounds(year, month)
    points = db.session.scalars(
        sa.select(LecturePoint).where(points_condition).order_by(LecturePoint.name)
    ).all()
    by_checkpoint = {p.checkpoint_id: {"point": p, "lectures": []} for p in points}
    if not points:
        return []
    attended = (
        sa.select(sa.func.count())
        .where(Attendance.shift_id == Shift.id)
        .correlate(Shift)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Shift.checkpoint_id, Shift.id, Shift.title, Shift.starts_at, attended)
        .where(
            Shift.kind == "lecture",
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.checkpoint_id.in_(list(by_checkpoint)),
            Shift.starts_at >= starts,
            Shift.starts_at < ends,
        )
        .order_by(Shift.starts_at)
    ).all()
    for checkpoint_id, shift_id, title, starts_at, count in rows:
        by_checkpoint[checkpoint_id]["lectures"].append(
            {"shift_id": shift_id, "title": title, "starts_at": starts_at, "attended": count}
        )
    return list(by_checkpoint.values())


def points_in_communities(unit_path_condition):
    """A condition on LecturePoint: points of communities matching the unit condition."""
    return LecturePoint.community_id.in_(sa.select(Unit.id).where(unit_path_condition))
