"""Reading the time bank."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import in_scope
from ..checkin.models import Attendance, Review
from ..core.errors import NotFound
from ..extensions import db
from ..shifts.models import Shift, ShiftStatus, Signup, SignupStatus
from ..units.models import Unit
from .models import Correction, CorrectionStatus, LedgerEntry, LedgerHead


def balance_minutes(member_id: int) -> int:
    """The member's balance: the sum of all their entries (reversals net out)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
            LedgerEntry.member_id == member_id
        )
    )
    return int(total or 0)


def list_entries(member_id: int, *, limit: int = 500) -> list[LedgerEntry]:
    """The member's entries, newest first."""
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(LedgerEntry.member_id == member_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
    )


def reversed_ids(entry_ids: list[int]) -> set[int]:
    if not entry_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(entry_ids))
        )
    )


def credited_for_shift(member_id: int, shift_id: int) -> int:
    """Minutes the member holds for one shift (service, adjustments, reversals)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
            LedgerEntry.member_id == member_id, LedgerEntry.shift_id == shift_id
        )
    )
    return int(total or 0)


def head() -> LedgerHead | None:
    return db.session.get(LedgerHead, 1)


def get_correction(correction_id: int) -> Correction:
    correction = db.session.get(Correction, correction_id)
    if correction is None:
        raise NotFound("correction_not_found")
    return correction


def list_open_corrections(actor) -> list[Correction]:
    """Open correction requests for shifts in the coordinator's scope, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Correction)
            .join(Shift, Shift.id == Correction.shift_id)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Correction.status == CorrectionStatus.OPEN,
                in_scope(Unit.path, actor, Role.COORDINATOR),
            )
            .options(joinedload(Correction.member), joinedload(Correction.shift))
            .order_by(Correction.created_at)
        )
    )


def list_decided_corrections(actor, *, limit: int = 50) -> list[Correction]:
    """The latest decided (or withdrawn) requests for shifts in the coordinator's scope,
    newest first: the history of the queue."""
    return list(
        db.session.scalars(
            sa.select(Correction)
            .join(Shift, Shift.id == Correction.shift_id)
            .join(Unit, Unit.id == Shift.community_id)
            .where(
                Correction.status != CorrectionStatus.OPEN,
                in_scope(Unit.path, actor, Role.COORDINATOR),
            )
            .options(
                joinedload(Correction.member),
                joinedload(Correction.shift),
                joinedload(Correction.decided_by),
            )
            .order_by(Correction.decided_at.desc(), Correction.id.desc())
            .limit(limit)
        )
    )


def list_member_corrections(member_id: int) -> list[Correction]:
    return list(
        db.session.scalars(
            sa.select(Correction)
            .where(Correction.member_id == member_id)
            .options(joinedload(Correction.shift))
            .order_by(Correction.id.desc())
        )
    )


def count_open_corrections(actor) -> int:
    """How many open correction requests wait in the coordinator's scope (the nav badge)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Correction)
        .join(Shift, Shift.id == Correction.shift_id)
        .join(Unit, Unit.id == Shift.community_id)
        .where(
            Correction.status == CorrectionStatus.OPEN,
            in_scope(Unit.path, actor, Role.COORDINATOR),
        )
    )


def count_attendances_to_review(actor) -> int:
    """How many auto-closed attendances wait for review in the coordinator's scope."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Unit, Unit.id == Shift.community_id)
        .where(Attendance.review == Review.PENDING, in_scope(Unit.path, actor, Role.COORDINATOR))
    )


@dataclass
class HistoryRow:
    """One line of a member's statement: the entry, its shift, whether it was reversed."""

    entry: LedgerEntry
    shift: Shift | None
    is_reversed: bool


def list_history(member_id: int, *, limit: int = 500) -> list[HistoryRow]:
    """The member's entries newest first, with their shifts and reversed flags."""
    rows = db.session.execute(
        sa.select(LedgerEntry, Shift)
        .outerjoin(Shift, Shift.id == LedgerEntry.shift_id)
        .where(LedgerEntry.member_id == member_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    ).all()
    done = reversed_ids([entry.id for entry, _shift in rows])
    return [HistoryRow(entry, shift, entry.id in done) for entry, shift in rows]


def list_correctable_shifts(member_id: int, *, now: datetime, days: int = 60) -> list[Shift]:
    """Shifts a member may ask a correction about: signed up for (not cancelled) or
    attended, not cancelled, started in the last `days` days; latest first."""
    signed_up = sa.select(Signup.shift_id).where(
        Signup.member_id == member_id, Signup.status != SignupStatus.CANCELLED
    )
    attended = sa.select(Attendance.shift_id).where(Attendance.member_id == member_id)
    return list(
        db.session.scalars(
            sa.select(Shift)
            .where(
                sa.or_(Shift.id.in_(signed_up), Shift.id.in_(attended)),
                Shift.status == ShiftStatus.PUBLISHED,
                Shift.starts_at <= now,
                Shift.starts_at >= now - timedelta(days=days),
            )
            .order_by(Shift.starts_at.desc())
            .limit(100)
        )
    )


def find_entry(entry_id: int) -> LedgerEntry | None:
    return db.session.get(LedgerEntry, entry_id)


def credited_by_shift(member_id: int, shift_ids: list[int]) -> dict[int, int]:
    """credited_for_shift() of many shifts in one grouped query: shift id → minutes held."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        sa.select(LedgerEntry.shift_id, sa.func.sum(LedgerEntry.minutes))
        .where(LedgerEntry.member_id == member_id, LedgerEntry.shift_id.in_(shift_ids))
        .group_by(LedgerEntry.shift_id)
    )
    return {shift_id: int(minutes or 0) for shift_id, minutes in rows}
