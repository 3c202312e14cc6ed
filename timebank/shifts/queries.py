"""Reading shifts: the board, one's own shifts, rosters, checkpoints."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..core.errors import NotFound
from ..extensions import db
from ..members.models import Member
from .models import Checkpoint, Shift, ShiftStatus, Signup, SignupStatus


def get_shift(shift_id: int) -> Shift:
    # Its checkpoint in the same statement: the scan, roster and shift pages all read it.
    shift = db.session.get(Shift, shift_id, options=[joinedload(Shift.checkpoint)])
    if shift is None:
        raise NotFound("shift_not_found")
    return shift


def get_checkpoint(checkpoint_id: int) -> Checkpoint:
    cp = db.session.get(Checkpoint, checkpoint_id)
    if cp is None:
        raise NotFound("checkpoint_not_found")
    return cp


def list_checkpoints(community_id: int, *, active_only: bool = False) -> list[Checkpoint]:
    q = sa.select(Checkpoint).where(Checkpoint.community_id == community_id)
    if active_only:
        q = q.where(Checkpoint.is_active.is_(True))
    return list(db.session.scalars(q.order_by(Checkpoint.name)))


@dataclass
class BoardRow:
    shift: Shift
    waitlist_count: int

    @property
    def confirmed_count(self) -> int:
        return self.shift.taken


def waitlist_counts(shift_ids: list[int]) -> dict[int, int]:
    if not shift_ids:
        return {}
    rows = db.session.execute(
        sa.select(Signup.shift_id, sa.func.count())
        .where(Signup.shift_id.in_(shift_ids), Signup.status == SignupStatus.WAITLISTED)
        .group_by(Signup.shift_id)
    )
    return dict(rows.all())


def list_shifts(
    *,
    community_id: int | None = None,
    kind: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    include_cancelled: bool = False,
    skills: list[str] | None = None,
    first_community_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[BoardRow]:
    """Shifts starting in [starts_from, starts_before), soonest first; `first_community_id`
    puts that community's shifts first. With `skills`, only shifts whose required skills
    are all among them (filtered in Python: required skills are short lists)."""
    q = sa.select(Shift)
    if community_id:
        q = q.where(Shift.community_id == community_id)
    if kind:
        q = q.where(Shift.kind == kind)
    if starts_from is not None:
        q = q.where(Shift.starts_at >= starts_from)
    if starts_before is not None:
        q = q.where(Shift.starts_at < starts_before)
    if not include_cancelled:
        q = q.where(Shift.status == ShiftStatus.PUBLISHED)
    want = limit + offset
    if first_community_id and not community_id:
        # Two index range scans (own community, then the rest) beat sorting the whole week.
        own = _ids(q.where(Shift.community_id == first_community_id), want)
        rest = _ids(q.where(Shift.community_id != first_community_id), want - len(own))
        ids = (own + rest)[offset:]
    else:
        ids = _ids(q, want)[offset:]
    shifts = _load(ids)
    if skills is not None:
        have = set(skills)
        shifts = [s for s in shifts if set(s.skills or []) <= have]
    counts = waitlist_counts([s.id for s in shifts])
    return [BoardRow(s, counts.get(s.id, 0)) for s in shifts]


def _ids(q, limit: int) -> list[int]:
    if limit <= 0:
        return []
    inner = q.with_only_columns(Shift.id).order_by(Shift.starts_at, Shift.id).limit(limit)
    return list(db.session.scalars(inner))


def _load(ids: list[int]) -> list[Shift]:
    """The shifts with their community and checkpoint, in the order of `ids`."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(Shift)
        .where(Shift.id.in_(ids))
        .options(joinedload(Shift.community), joinedload(Shift.checkpoint))
    )
    by_id = {s.id: s for s in rows}
    return [by_id[i] for i in ids if i in by_id]


def find_signup(member_id: int, shift_id: int) -> Signup | None:
    return db.session.scalar(
        sa.select(Signup).where(Signup.member_id == member_id, Signup.shift_id == shift_id)
    )


def signups_by_shift(member_id: int, shift_ids: list[int]) -> dict[int, Signup]:
    if not shift_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Signup).where(Signup.member_id == member_id, Signup.shift_id.in_(shift_ids))
    )
    return {s.shift_id: s for s in rows}


def list_member_signups(
    member_id: int, *, upcoming: bool, now: datetime, limit: int = 100
) -> list[Signup]:
    """A member's sign-ups: upcoming (not ended, soonest first) or past (latest first)."""
    q = (
        sa.select(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.member_id == member_id)
        .options(
            joinedload(Signup.shift).joinedload(Shift.community),
            joinedload(Signup.shift).joinedload(Shift.checkpoint),
        )
    )
    if upcoming:
        q = q.where(Shift.ends_at > now).order_by(Shift.starts_at)
    else:
        q = q.where(Shift.ends_at <= now).order_by(Shift.starts_at.desc())
    return list(db.session.scalars(q.limit(limit)))


def roster(shift: Shift) -> list[Signup]:
    """Confirmed (and no-show) members first, then the waitlist in order."""
    order = sa.case(
        (Signup.status == SignupStatus.CONFIRMED, 0),
        (Signup.status == SignupStatus.NO_SHOW, 1),
        (Signup.status == SignupStatus.WAITLISTED, 2),
        else_=3,
    )
    return list(
        db.session.scalars(
            sa.select(Signup)
            .where(Signup.shift_id == shift.id, Signup.status != SignupStatus.CANCELLED)
            .options(joinedload(Signup.member))
            .order_by(
                order, Signup.queue_no.is_(None), Signup.queue_no, Signup.queued_at, Signup.id
            )
        )
    )


@dataclass
class Reliability:
    confirmed: int
    late_cancellations: int
    no_shows: int


def reliability(member: Member) -> Reliability:
    """What counts for and against a member's reliability."""
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(Signup.status == SignupStatus.CONFIRMED),
            sa.func.count().filter(Signup.is_late_cancel.is_(True)),
            sa.func.count().filter(Signup.status == SignupStatus.NO_SHOW),
        ).where(Signup.member_id == member.id)
    ).one()
    return Reliability(*row)


def find_next_signup(member_id: int, *, now: datetime) -> Signup | None:
    """The member's next confirmed shift that has not ended (the soonest), with its shift,
    community and checkpoint loaded: the first thing a member's home page shows."""
    return db.session.scalar(
        sa.select(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.ends_at > now,
        )
        .options(
            joinedload(Signup.shift).joinedload(Shift.community),
            joinedload(Signup.shift).joinedload(Shift.checkpoint),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(1)
    )
