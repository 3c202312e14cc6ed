"""A member's (or a unit's) service records: what a certificate and an export list.

Service is the `service` and `adjustment` entries dated (by `effective_at`, on the
Asia/Shanghai calendar) in the range, net of their reversals: a reversed entry is left
out and so is the reversal. Lectures are study, not service (SPEC 2): entries of a shift
that does not count as service, or of a `lecture` shift, are never listed.
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..core.clock import LOCAL_TZ, local
from ..extensions import db
from ..ledger.models import EntryKind, LedgerEntry
from ..members.models import Member
from ..shifts.models import Shift, ShiftKind
from ..units.models import Unit

SERVICE_KINDS = (str(EntryKind.SERVICE), str(EntryKind.ADJUSTMENT))


@dataclass(frozen=True)
class Record:
    """One line of service: an entry, its shift or event, the unit that organised it."""

    entry_id: int
    member_id: int
    member_name: str
    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    title: str
    unit_id: int | None
    unit_name: str
    minutes: int

    def as_json(self) -> dict:
        return {
            "id": self.entry_id,
            "date": self.day.isoformat(),
            "title": self.title,
            "unit": self.unit_name,
            "unit_id": self.unit_id,
            "minutes": self.minutes,
        }


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in Asia/Shanghai, as aware datetimes."""
    start = datetime.combine(first, time.min, LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ)
    return start, end


def _statement(first: date, last: date):
    start, end = day_bounds(first, last)
    reversal = aliased(LedgerEntry)
    unit = aliased(Unit)
    not_reversed = ~sa.exists().where(reversal.reverses_id == LedgerEntry.id)
    counts = sa.or_(
        LedgerEntry.shift_id.is_(None),
        sa.and_(Shift.counts_as_service.is_(True), Shift.kind != str(ShiftKind.LECTURE)),
    )
    return (
        sa.select(
            LedgerEntry.id,
            LedgerEntry.member_id,
            Member.name,
            LedgerEntry.effective_at,
            Shift.starts_at,
            Shift.ends_at,
            sa.func.coalesce(Shift.title, LedgerEntry.reason, ""),
            unit.id,
            sa.func.coalesce(unit.name, ""),
            LedgerEntry.minutes,
        )
        .join(Member, Member.id == LedgerEntry.member_id)
        .outerjoin(Shift, Shift.id == LedgerEntry.shift_id)
        .outerjoin(unit, unit.id == sa.func.coalesce(Shift.community_id, LedgerEntry.community_id))
        .where(
            LedgerEntry.kind.in_(SERVICE_KINDS),
            LedgerEntry.minutes != 0,
            LedgerEntry.effective_at >= start,
            LedgerEntry.effective_at < end,
            not_reversed,
            counts,
        )
        .order_by(LedgerEntry.effective_at, LedgerEntry.id)
    )


def _record(row) -> Record:
    entry_id, member_id, name, effective_at, starts, ends, title, unit_id, unit_name, mins = row
    return Record(
        entry_id=entry_id,
        member_id=member_id,
        member_name=name,
        day=local(effective_at).date(),
        starts_at=starts,
        ends_at=ends,
        title=title,
        unit_id=unit_id,
        unit_name=unit_name,
        minutes=mins,
    )


def member_records(member_id: int, first: date, last: date) -> list[Record]:
    """The member's service records in [first, last], oldest first."""
    stmt = _statement(first, last).where(LedgerEntry.member_id == member_id)
    return [_record(row) for row in db.session.execute(stmt)]


def member_records_stream(
    member_id: int, first: date, last: date, *, batch: int = 2000
) -> Iterator[Record]:
    """The member's service records in [first, last], oldest first, streamed in batches
    (an export of a long period never holds them all)."""
    stmt = _statement(first, last).where(LedgerEntry.member_id == member_id)
    return _streamed(stmt, batch)


def unit_records(unit: Unit, first: date, last: date, *, batch: int = 2000) -> Iterator[Record]:
    """The service records of every member of the unit and the units below it (by the
    community the entry was made in), oldest first, streamed in batches."""
    home = aliased(Unit)
    stmt = (
        _statement(first, last)
        .join(home, home.id == LedgerEntry.community_id)
        .where(home.path.startswith(unit.path, autoescape=True))
    )
    return _streamed(stmt, batch)


def _streamed(stmt, batch: int) -> Iterator[Record]:
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    try:
        for row in result:
            yield _record(row)
    finally:
        result.close()


def changed_since(member_id: int, first: date, last: date, since: datetime) -> bool:
    """Whether an entry of the member dated in the range was reversed after `since`
    (a reversal carries the effective time of the entry it reverses)."""
    start, end = day_bounds(first, last)
    found = db.session.scalar(
        _changed_statement(), {"member_id": member_id, "since": since, "start": start, "end": end}
    )
    return found is not None


@functools.cache
def _changed_statement():
    """Built once: the verify page asks it on every look-up."""
    original = aliased(LedgerEntry)
    return (
        sa.select(LedgerEntry.id)
        .join(original, original.id == LedgerEntry.reverses_id)
        .where(
            original.kind.in_(SERVICE_KINDS),
            LedgerEntry.member_id == sa.bindparam("member_id"),
            LedgerEntry.kind == str(EntryKind.REVERSAL),
            LedgerEntry.created_at > sa.bindparam("since", type_=LedgerEntry.created_at.type),
            LedgerEntry.effective_at >= sa.bindparam("start", type_=LedgerEntry.effective_at.type),
            LedgerEntry.effective_at < sa.bindparam("end", type_=LedgerEntry.effective_at.type),
        )
        .limit(1)
    )
