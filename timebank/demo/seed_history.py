"""Three weeks of past duty: shifts, sign-ups, attendance and the ledger entries they earned."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..checkin.models import Attendance, Method
from ..core.clock import LOCAL_TZ, local, utcnow
from ..extensions import db
from ..ledger import chain
from ..ledger.credit import credited_minutes
from ..ledger.models import LedgerEntry
from ..members.models import Member, MemberStatus
from ..shifts.models import Checkpoint, Shift, Signup

HISTORY_DAYS = 21
SHOW_UP = 0.88  # share of confirmed members who came


def seed_history(
    rng: random.Random,
    days: int = HISTORY_DAYS,
    now: datetime | None = None,
    grace_before: int = 15,
    grace_after: int = 30,
) -> int:
    """Past morning duty at every community's first checkpoint; returns entries written."""
    now = now or utcnow()
    today = local(now).date()
    first_cp: dict[int, Checkpoint] = {}
    for cp in db.session.scalars(sa.select(Checkpoint).order_by(Checkpoint.id)):
        first_cp.setdefault(cp.community_id, cp)
    pool = defaultdict(list)
    for member_id, community_id in db.session.execute(
        sa.select(Member.id, Member.community_id).where(Member.status == MemberStatus.ACTIVE)
    ):
        pool[community_id].append(member_id)
    shifts = []
    for community_id, cp in first_cp.items():
        for d in range(days, 0, -1):
            day = today - timedelta(days=d)
            start = datetime.combine(day, time(8), LOCAL_TZ)
            shifts.append(
                Shift(
                    community_id=community_id,
                    checkpoint_id=cp.id,
                    kind="checkpoint",
                    title="上午卡口值守",
                    starts_at=start,
                    ends_at=start + timedelta(hours=4),
                    capacity=4,
                    created_at=start - timedelta(days=3),
                    closed_at=start + timedelta(hours=5),
                )
            )
    db.session.add_all(shifts)
    db.session.flush()
    attendances, signups = [], []
    for shift in shifts:
        people = rng.sample(
            pool[shift.community_id],
            min(len(pool[shift.community_id]), rng.randint(1, shift.capacity)),
        )
        shift.taken = len(people)
        for member_id in people:
            came = rng.random() < SHOW_UP
            signups.append(
                dict(
                    shift_id=shift.id,
                    member_id=member_id,
                    status="confirmed" if came else "no_show",
                    queued_at=shift.created_at,
                    confirmed_at=shift.created_at,
                    is_late_cancel=False,
                    is_walk_in=False,
                )
            )
            if came:
                attendances.append(_attendance(rng, shift, member_id, grace_before, grace_after))
    db.session.execute(sa.insert(Signup), signups)
    db.session.add_all(attendances)
    db.session.flush()
    members = dict(db.session.execute(sa.select(Member.id, Member.community_id)).all())
    entries = [
        LedgerEntry(
            member_id=a.member_id,
            kind="service",
            minutes=a.credited_minutes,
            shift_id=a.shift_id,
            attendance_id=a.id,
            community_id=members[a.member_id],
            source_key=f"attendance:{a.id}",
            created_at=a.checked_out_at,
        )
        for a in sorted(attendances, key=lambda a: a.checked_out_at)
    ]
    chain.append_many(entries)
    return len(entries)


def _attendance(rng, shift, member_id, grace_before, grace_after) -> Attendance:
    checked_in = shift.starts_at + timedelta(minutes=rng.randint(-20, 15))
    checked_out = shift.ends_at + timedelta(minutes=rng.randint(-30, 40))
    auto = rng.random() < 0.05
    if auto:
        checked_out = shift.ends_at
    minutes = credited_minutes(
        shift.starts_at,
        shift.ends_at,
        checked_in,
        checked_out,
        grace_before_min=grace_before,
        grace_after_min=grace_after,
    )
    return Attendance(
        member_id=member_id,
        shift_id=shift.id,
        checked_in_at=checked_in,
        checked_out_at=checked_out,
        check_in_method=Method.SCAN,
        check_out_method=Method.AUTO_CLOSE if auto else Method.SCAN,
        auto_closed=auto,
        review="pending" if auto else None,
        credited_minutes=minutes,
        created_at=checked_in,
    )
