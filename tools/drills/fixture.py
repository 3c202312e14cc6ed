"""Drill fixture: the shifts and members the fault drills drive (tools/drills/run.sh).

Runs with the app's environment (DATABASE_URL, SECRET_KEY) on a database that `seed-demo`
has just filled, commits, and prints JSON for load.py and check.py:

- shift A "running now": capacity 40, walk-ins off, 40 members confirmed (inserted here);
  the load scans them in and out, and scans 10 members who are not signed up (refused).
- shift B, starting in 3 hours (sign-ups close at a shift's start, so the sign-up rush goes
  to a shift that has not started): capacity 40, walk-ins off, nobody signed up; the load
  signs up 200 members at once, and some of them cancel (the waitlist is promoted).
- shift C, which ended 30 minutes ago minus CLOSE_IN seconds: it becomes due for the
  scheduler's close job during the drill. Its 30 confirmed members are scanned in here
  (through the app's record_scan); the load scans half of them out, and the other half stay
  open until the (killed and restarted) scheduler closes the shift and credits them.
- shift E, in 6 hours: sign-ups during the PostgreSQL restart drill.

Before that it closes the past shifts the demo history left open (the scheduler's own close
job, run until nothing is due), so the drill's scheduler has only shift C to close and the
drill does not depend on how fast it works through a backlog of 200 shifts a minute.

Members who sign in through the API get a cheap password hash (pbkdf2, 1,000 rounds) so
250 sign-ins take a second instead of ~20 s of scrypt on two cores; the staff account keeps
the demo password and its scrypt hash.
"""

import json
import os
import random
import sys
import uuid
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from timebank import create_app
from timebank.checkin.jobs import close_shifts_job
from timebank.checkin.services import member_qr, record_scan
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.members.models import Member, MemberStatus
from timebank.shifts.models import Shift, Signup, SignupStatus
from timebank.shifts.signups import conflict_with
from timebank.units.models import Unit

STAFF_PHONE = "13800000005"  # demo "检查点工作人员": staff of NS-HG-C01
STAFF_PASSWORD = "demo1234"  # noqa: S105  # nosec B105 (the demo password)
MEMBER_PASSWORD = "drill-pass-2026"  # noqa: S105  # nosec B105 (drill database only)
CLOSE_IN = int(os.environ.get("DRILL_C_CLOSE_IN_S", "45"))


def _shift(community, title, starts_at, ends_at, capacity, now) -> Shift:
    shift = Shift(
        community_id=community.id,
        kind="checkpoint",
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        taken=0,
        skills=[],
        walk_ins=False,
        counts_as_service=True,
        created_at=now,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def _confirm(shift: Shift, member_ids: list[int], now) -> None:
    db.session.execute(
        sa.insert(Signup),
        [
            dict(
                shift_id=shift.id,
                member_id=m,
                status=SignupStatus.CONFIRMED,
                queued_at=now - timedelta(days=1),
                confirmed_at=now - timedelta(days=1),
                is_late_cancel=False,
                is_walk_in=False,
            )
            for m in member_ids
        ],
    )
    shift.taken = len(member_ids)
    db.session.flush()


def settle_history() -> int:
    closed = 0
    while True:
        n = close_shifts_job(now=utcnow())
        db.session.commit()
        closed += n
        if not n:
            return closed


def build(seed: int = 20261127) -> dict:
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    settled = settle_history()
    now = utcnow()
    community = db.session.scalar(sa.select(Unit).where(Unit.code == "NS-HG-C01"))
    if community is None:
        sys.exit("fixture: no community NS-HG-C01 (run `flask seed-demo` first)")
    active = list(
        db.session.scalars(
            sa.select(Member.id)
            .where(Member.status == MemberStatus.ACTIVE, Member.phone.like("139%"))
            .order_by(Member.id)
        )
    )
    if len(active) < 200:
        sys.exit(f"fixture: only {len(active)} active members (seed more)")
    rng.shuffle(active)

    a = _shift(
        community,
        "演练：正在进行的检查点值守",
        now - timedelta(minutes=20),
        now + timedelta(minutes=100),
        40,
        now,
    )
    # B and E lie beyond the demo's 14 days of seeded shifts: hours from now they could
    # overlap the seeded 08:00-12:00 shift that most members are on (at 19:00 UTC B and E
    # fell on 06:15-10:15 Shanghai time and 186 of 277 members could not sign up)
    later = now + timedelta(days=20)
    b = _shift(community, "演练：报名高峰", later, later + timedelta(hours=2), 40, now)
    c_ends = now - timedelta(minutes=30) + timedelta(seconds=CLOSE_IN)
    c = _shift(community, "演练：待关闭的班次", c_ends - timedelta(minutes=90), c_ends, 30, now)
    e_starts = later + timedelta(days=1)
    e = _shift(
        community, "演练：数据库重启时的报名", e_starts, e_starts + timedelta(hours=1), 1000, now
    )
    on_a, on_c, strangers = active[:40], active[40:70], active[70:80]
    _confirm(a, on_a, now)
    _confirm(c, on_c, now)
    staff = db.session.scalar(sa.select(Member).where(Member.phone == STAFF_PHONE))
    for member_id in on_c:
        scanned_at = c.starts_at + timedelta(minutes=rng.uniform(0, 10))
        answer = record_scan(
            staff,
            c.id,
            qr_payload=member_qr(db.session.get(Member, member_id), now=scanned_at)[0],
            scan_id=str(uuid.uuid4()),
            scanned_at=scanned_at,
            now=scanned_at,  # scanned live then (a late scan would be an offline scan)
        )
        if answer.body.get("action") != "check_in":
            sys.exit(f"fixture: checking member {member_id} in on shift C: {answer.body}")
    db.session.commit()

    eligible_b, eligible_e = [], []
    for member_id in active:
        if len(eligible_b) < 200 and conflict_with(member_id, b) is None:
            eligible_b.append(member_id)
        elif len(eligible_e) < 60 and conflict_with(member_id, e) is None:
            eligible_e.append(member_id)
    if len(eligible_b) < 150 or len(eligible_e) < 20:
        sys.exit(f"fixture: too few eligible members ({len(eligible_b)}, {len(eligible_e)})")
    cheap = generate_password_hash(MEMBER_PASSWORD, method="pbkdf2:sha256:1000")
    signing_in = eligible_b + eligible_e
    db.session.execute(
        sa.update(Member).where(Member.id.in_(signing_in)).values(password_hash=cheap)
    )
    phones = dict(
        db.session.execute(
            sa.select(Member.id, Member.phone).where(Member.id.in_(signing_in))
        ).all()
    )
    db.session.commit()
    return {
        "created_at": now.isoformat(),
        "history_shifts_closed": settled,
        "staff": {"phone": STAFF_PHONE, "password": STAFF_PASSWORD},
        "member_password": MEMBER_PASSWORD,
        "shifts": {
            name: {
                "id": s.id,
                "capacity": s.capacity,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
            }
            for name, s in (("A", a), ("B", b), ("C", c), ("E", e))
        },
        "on_a": on_a,
        "on_c": on_c,
        "strangers": strangers,
        "signup_b": [{"id": m, "phone": phones[m]} for m in eligible_b],
        "signup_e": [{"id": m, "phone": phones[m]} for m in eligible_e],
    }


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        json.dump(build(), sys.stdout, ensure_ascii=False, indent=1)
