"""Demo checkpoints (526 of them, like Nansha's) and two weeks of shifts with sign-ups."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..core.clock import LOCAL_TZ, local, utcnow
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..shifts.models import Checkpoint, Shift, Signup
from ..units.models import Level, Unit

CHECKPOINTS_TOTAL = 526
CHECKPOINT_NAMES = [
    "东门卡口",
    "西门卡口",
    "南门卡口",
    "北门卡口",
    "主路口卡口",
    "码头卡口",
    "高速出口卡口",
    "菜市场卡口",
    "地铁站卡口",
    "工业园卡口",
]
#: (start, end, title) of the daily checkpoint shifts, local time.
DAILY = [(time(8), time(12), "上午卡口值守"), (time(14), time(18), "下午卡口值守")]
OUTREACH = ["防疫政策入户宣传", "独居老人走访", "核酸检测秩序维护", "垃圾分类宣传", "物资配送"]


def seed_checkpoints(rng: random.Random) -> list[Checkpoint]:
    communities = list(
        db.session.scalars(sa.select(Unit).where(Unit.level == Level.COMMUNITY).order_by(Unit.id))
    )
    per = [3] * len(communities)
    for i in rng.sample(range(len(communities)), CHECKPOINTS_TOTAL - 3 * len(communities)):
        per[i] += 1
    checkpoints = []
    for unit, count in zip(communities, per, strict=True):
        for name in rng.sample(CHECKPOINT_NAMES, count):
            checkpoints.append(
                Checkpoint(
                    community_id=unit.id,
                    name=name,
                    radius_m=rng.choice([150, 200, 200, 300]),
                    lat=round(unit.lat + rng.gauss(0, 0.003), 6),
                    lon=round(unit.lon + rng.gauss(0, 0.003), 6),
                )
            )
    db.session.add_all(checkpoints)
    db.session.flush()
    return checkpoints


def seed_shifts(
    rng: random.Random, checkpoints: list[Checkpoint], days: int = 14, now: datetime | None = None
) -> list[Shift]:
    """For every community: its first checkpoint staffed twice a day for `days` days, and an
    outreach shift every other day."""
    now = now or utcnow()
    today = local(now).date()
    first_cp = {}
    for cp in checkpoints:
        first_cp.setdefault(cp.community_id, cp)
    shifts = []
    for community_id, cp in first_cp.items():
        for d in range(days):
            day = today + timedelta(days=d)
            for start, end, title in DAILY:
                shifts.append(
                    Shift(
                        community_id=community_id,
                        checkpoint_id=cp.id,
                        kind="checkpoint",
                        title=title,
                        starts_at=datetime.combine(day, start, LOCAL_TZ),
                        ends_at=datetime.combine(day, end, LOCAL_TZ),
                        capacity=rng.choice([3, 4, 6]),
                        description="测温、查验健康码，引导车辆有序通行。",
                        created_at=now,
                    )
                )
            if d % 2 == 0:
                shifts.append(
                    Shift(
                        community_id=community_id,
                        kind="outreach",
                        title=rng.choice(OUTREACH),
                        starts_at=datetime.combine(day, time(19), LOCAL_TZ),
                        ends_at=datetime.combine(day, time(21), LOCAL_TZ),
                        capacity=5,
                        skills=["cantonese"] if rng.random() < 0.2 else [],
                        created_at=now,
                    )
                )
    db.session.add_all(shifts)
    db.session.flush()
    return shifts


def seed_signups(rng: random.Random, shifts: list[Shift], now: datetime | None = None) -> int:
    """Fill shifts partly with members of their community; at most one shift a member a day."""
    now = now or utcnow()
    members_by_community = defaultdict(list)
    rows = db.session.execute(
        sa.select(Member.id, Member.community_id, Member.skills).where(
            Member.status == MemberStatus.ACTIVE
        )
    )
    for member_id, community_id, skills in rows:
        members_by_community[community_id].append((member_id, set(skills or [])))
    busy = set()  # (member_id, local date)
    signups = []
    for shift in shifts:
        day = local(shift.starts_at).date()
        pool = [
            m
            for m, skills in members_by_community[shift.community_id]
            if (m, day) not in busy and set(shift.skills) <= skills
        ]
        want = min(len(pool), rng.randint(0, shift.capacity))
        for member_id in rng.sample(pool, want):
            busy.add((member_id, day))
            signups.append(
                dict(
                    shift_id=shift.id,
                    member_id=member_id,
                    status="confirmed",
                    queued_at=now,
                    confirmed_at=now,
                    is_late_cancel=False,
                    is_walk_in=False,
                )
            )
        shift.taken = want
    if signups:
        db.session.execute(sa.insert(Signup), signups)
    db.session.flush()
    return len(signups)
