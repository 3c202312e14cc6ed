"""The `shifts` benchmark: the board query, the board page, one sign-up, and a burst of
sign-ups for one shift at the same moment.

    python -m bench.run shifts --members 100000 --shifts 50000 [--database-url URL]

Seeds the Nansha tree, N members and the 526 demo checkpoints with the demo seed functions,
then bulk-inserts shifts over every community and about 60 days (past and future) with
sign-ups, so that `shifts.taken` equals the confirmed sign-ups of each shift. See
bench/README.md.
"""

import gc
import platform
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa

from .common import (
    FlaskClientPages,
    Timing,
    analyze,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
    print_timings,
    sign_in,
    summarise,
    time_requests,
    write_results,
)

#: A member without any role (党员志愿者, community NS-HG-C01) in the demo accounts.
MEMBER_PHONE = "13800000006"
TARGET_BOARD_QUERY_MS = 30.0
TARGET_SIGNUP_MS = 20.0
DAYS_PAST, DAYS_AHEAD = 30, 30  # shifts on [today - 30, today + 30): 60 days
BATCH = 5000

#: kind: (weight, [(start hour, start minute, hours)], titles). Every shift ends by 22:00 on
#: the day it starts, so one sign-up per member and day can neither overlap another nor pass
#: the daily limit (12 hours).
KINDS = {
    "checkpoint": (
        45,
        [(7, 0, 4), (8, 0, 4), (14, 0, 4), (18, 0, 4)],
        ["上午卡口值守", "下午卡口值守", "卡口值守", "夜间卡口值守"],
    ),
    "outreach": (
        20,
        [(9, 0, 2), (9, 30, 2), (15, 0, 2), (19, 0, 2)],
        ["防疫政策入户宣传", "独居老人走访", "垃圾分类宣传", "反诈宣传"],
    ),
    "errand": (12, [(9, 0, 3), (10, 30, 2), (14, 0, 3)], ["物资配送", "代购药品", "送餐上门"]),
    "lecture": (8, [(15, 0, 2), (19, 0, 2), (19, 30, 2)], ["党课学习", "防疫知识讲座"]),
    "emergency": (
        5,
        [(h, m, d) for h in range(6, 19) for m in (0, 30) for d in (2, 3)],
        ["应急支援", "台风防御值守", "核酸检测秩序维护"],
    ),
    "other": (10, [(9, 0, 3), (14, 0, 3), (16, 30, 2)], ["社区清洁", "文明劝导", "义诊协助"]),
}
#: Required skills: most shifts need none.
SHIFT_SKILLS = [([], 85), (["cantonese"], 6), (["medical"], 4), (["driving"], 3), (["english"], 2)]


@dataclass
class PlannedShift:
    """What the bench knows about a seeded shift without asking the database."""

    id: int
    community_id: int
    starts_at: datetime  # aware, Asia/Shanghai
    capacity: int
    taken: int
    skills: tuple[str, ...]
    published: bool


@dataclass
class World:
    """The seeded data, as far as the measurements need it."""

    communities: list[int]
    #: community id -> [(member id, skills)] of its active members
    members: dict[int, list[tuple[int, frozenset]]]
    shifts: list[PlannedShift]
    #: (member id, local date) with an active (confirmed or waitlisted) sign-up that day
    busy: set[tuple[int, date]]
    counts: dict[str, int] = field(default_factory=dict)
    _eligible: dict = field(default_factory=dict)

    def eligible(self, community_id: int, skills: tuple[str, ...]) -> list[int]:
        """Active members of a community who have every skill in `skills`."""
        key = (community_id, skills)
        if key not in self._eligible:
            need = set(skills)
            self._eligible[key] = [m for m, have in self.members[community_id] if need <= have]
        return self._eligible[key]

    def free_member(
        self, rng, shift: PlannedShift, tries: int = 200, any_day: bool = False
    ) -> int | None:
        """A random eligible member with no active sign-up on the shift's day (with
        `any_day`, whatever else they signed up for)."""
        pool, day = self.eligible(shift.community_id, shift.skills), shift.starts_at.date()
        for _ in range(tries if pool else 0):
            member_id = rng.choice(pool)
            if any_day or (member_id, day) not in self.busy:
                return member_id
        return None


# --- seeding ------------------------------------------------------------------------------


def _pick_members(rng, pool: list[int], day: date, want: int, busy: set) -> list[int]:
    chosen: list[int] = []
    for _ in range(want * 20 if pool else 0):
        if len(chosen) == want:
            break
        member_id = rng.choice(pool)
        if (member_id, day) not in busy and member_id not in chosen:
            chosen.append(member_id)
    return chosen


def _fill_ratio(rng, starts_at: datetime, now: datetime) -> float:
    """How full a shift is: past ones mostly full, the far future mostly empty."""
    days_ahead = (starts_at - now).total_seconds() / 86400
    if days_ahead < 0:
        return rng.uniform(0.4, 1.15)
    if days_ahead < 7:
        return rng.uniform(0.1, 1.2)
    return rng.uniform(-0.2, 0.8)


def seed_shifts_and_signups(rng, world: World, count: int, now: datetime) -> None:
    """Bulk-insert `count` shifts and their sign-ups (Shift.taken = confirmed sign-ups)."""
    from timebank.core.clock import LOCAL_TZ, local
    from timebank.extensions import db
    from timebank.shifts.models import Checkpoint, Shift, Signup

    checkpoints = defaultdict(list)
    for cp_id, community_id in db.session.execute(
        sa.select(Checkpoint.id, Checkpoint.community_id).order_by(Checkpoint.id)
    ):
        checkpoints[community_id].append(cp_id)
    weights = [rng.uniform(0.5, 1.5) for _ in world.communities]  # busier and quieter ones
    kinds = list(KINDS)
    first_day = local(now).date() - timedelta(days=DAYS_PAST)
    rows = []
    for community_id in rng.choices(world.communities, weights, k=count):
        kind = rng.choices(kinds, [KINDS[k][0] for k in kinds])[0]
        _, slots, titles = KINDS[kind]
        hour, minute, hours = rng.choice(slots)
        day = first_day + timedelta(days=rng.randrange(DAYS_PAST + DAYS_AHEAD))
        starts_at = datetime.combine(day, clock(hour, minute), LOCAL_TZ)
        ends_at = starts_at + timedelta(hours=hours)
        created_at = min(now - timedelta(hours=1), starts_at - timedelta(days=rng.randint(2, 21)))
        cancelled = rng.random() < 0.02
        skills = rng.choices([s for s, _ in SHIFT_SKILLS], [w for _, w in SHIFT_SKILLS])[0]
        iso = day.isocalendar()
        rows.append(
            dict(
                community_id=community_id,
                checkpoint_id=rng.choice(checkpoints[community_id])
                if kind == "checkpoint"
                else None,
                kind=kind,
                title=rng.choice(titles),
                description="测温、查验健康码，引导车辆有序通行。"
                if kind == "checkpoint"
                else None,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=rng.randint(2, 10),
                taken=0,
                skills=list(skills),
                walk_ins=rng.random() < (0.3 if kind == "checkpoint" else 0.1),
                counts_as_service=kind != "lecture",
                status="cancelled" if cancelled else "published",
                cancel_reason="天气原因，活动取消" if cancelled else None,
                cancelled_at=min(now, starts_at - timedelta(days=1)) if cancelled else None,
                series_key=(
                    f"b{community_id}-{hour:02d}{minute:02d}-{iso.year}w{iso.week}"
                    if kind == "checkpoint"
                    else None
                ),
                created_by_id=None,
                created_at=created_at,
            )
        )
    # sign-ups, planned before the insert so that `taken` goes in with the shift
    signups: list[tuple[int, dict]] = []  # (index of the shift in rows, row)
    for i, row in enumerate(rows):
        starts_at, day = row["starts_at"], row["starts_at"].date()
        pool = world.eligible(row["community_id"], tuple(row["skills"]))
        opened, closes = row["created_at"], min(now, starts_at)

        def queued(opened=opened, closes=closes):
            return opened + (closes - opened) * rng.random()

        if row["status"] == "cancelled":  # its sign-ups were cancelled with it
            for member_id in _pick_members(rng, pool, day, rng.randint(0, 3), world.busy):
                at = opened + (row["cancelled_at"] - opened) * rng.random()
                signups.append(
                    (i, _signup(member_id, "cancelled", at, cancelled=row["cancelled_at"]))
                )
            continue
        want = max(
            0, min(row["capacity"], round(_fill_ratio(rng, starts_at, now) * row["capacity"]))
        )
        chosen = _pick_members(rng, pool, day, want, world.busy)
        last = opened
        for member_id in chosen:
            world.busy.add((member_id, day))
            at = queued()
            last = max(last, at)
            signups.append((i, _signup(member_id, "confirmed", at)))
        row["taken"] = len(chosen)
        if len(chosen) == row["capacity"] and starts_at > now and rng.random() < 0.3:
            for member_id in _pick_members(rng, pool, day, rng.randint(1, 3), world.busy):
                world.busy.add((member_id, day))  # the waitlist queues after the last place
                signups.append((i, _signup(member_id, "waitlisted", queued(opened=last))))
        if rng.random() < 0.1:  # someone who signed up and cancelled
            for member_id in _pick_members(rng, pool, day, 1, world.busy):
                at = queued()
                late = starts_at - at < timedelta(hours=2) and rng.random() < 0.5
                signups.append((i, _signup(member_id, "cancelled", at, cancelled=at, late=late)))
    _number_the_queue(rows, signups)
    ids: list[int] = []
    insert_shift = sa.insert(Shift).returning(Shift.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        ids += db.session.scalars(insert_shift, rows[start : start + BATCH]).all()
    signup_rows = [dict(row, shift_id=ids[i]) for i, row in signups]
    for start in range(0, len(signup_rows), BATCH * 2):
        db.session.execute(sa.insert(Signup), signup_rows[start : start + BATCH * 2])
    world.shifts = [
        PlannedShift(
            id=ids[i],
            community_id=row["community_id"],
            starts_at=row["starts_at"],
            capacity=row["capacity"],
            taken=row["taken"],
            skills=tuple(row["skills"]),
            published=row["status"] == "published",
        )
        for i, row in enumerate(rows)
    ]
    statuses = Counter(row["status"] for row in signup_rows)
    world.counts.update(
        shifts=len(rows),
        shifts_past=sum(row["starts_at"] < now for row in rows),
        shifts_cancelled=sum(row["status"] == "cancelled" for row in rows),
        shifts_with_signups=len({i for i, _ in signups}),
        places=sum(row["capacity"] for row in rows if row["status"] == "published"),
        signups=len(signup_rows),
        **{f"signups_{status}": n for status, n in sorted(statuses.items())},
    )


def _number_the_queue(rows: list[dict], signups: list[tuple[int, dict]]) -> None:
    """Queue numbers in order of arrival per shift, and `Shift.queued` (as sign_up does)."""
    by_shift = defaultdict(list)
    for i, row in signups:
        by_shift[i].append(row)
    for row in rows:
        row["queued"] = 0
    for i, shift_signups in by_shift.items():
        for number, row in enumerate(sorted(shift_signups, key=lambda r: r["queued_at"]), 1):
            row["queue_no"] = number
        rows[i]["queued"] = len(shift_signups)


def _signup(
    member_id: int, status: str, queued_at: datetime, *, cancelled=None, late: bool = False
) -> dict:
    return dict(
        member_id=member_id,
        status=status,
        queued_at=queued_at,
        confirmed_at=queued_at if status == "confirmed" else None,
        cancelled_at=cancelled,
        is_late_cancel=late,
        is_walk_in=False,
        reminded_24h_at=None,
        reminded_1h_at=None,
    )


def build(args):
    """create_all and the seed on the bench database; returns (app, world, seconds)."""
    from timebank import create_app
    from timebank.core.clock import utcnow
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.demo.seed_shifts import seed_checkpoints
    from timebank.extensions import db
    from timebank.members.models import Member, MemberStatus
    from timebank.shifts.models import Shift, Signup, SignupStatus
    from timebank.units.models import Level, Unit

    app = create_app()
    seconds = {}
    rng = random.Random(args.data_seed)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        seed_units(rng)
        seed_accounts(hash_password(DEMO_PASSWORD))
        seed_members(rng, args.members, hash_password(DEMO_PASSWORD))
        db.session.flush()
        seed_checkpoints(rng)
        seconds["tree, members, checkpoints"] = time.perf_counter() - started
        communities = list(
            db.session.scalars(
                sa.select(Unit.id).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
            )
        )
        members = defaultdict(list)
        for member_id, community_id, skills in db.session.execute(
            sa.select(Member.id, Member.community_id, Member.skills)
            .where(Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id)
        ):
            members[community_id].append((member_id, frozenset(skills or [])))
        world = World(communities=communities, members=members, shifts=[], busy=set())
        started = time.perf_counter()
        seed_shifts_and_signups(rng, world, args.shifts, utcnow())
        db.session.commit()
        seconds["shifts and sign-ups"] = time.perf_counter() - started
        started = time.perf_counter()
        analyze(db)
        seconds["ANALYZE"] = time.perf_counter() - started
        # `taken` must equal the confirmed sign-ups of every shift
        confirmed = (
            sa.select(sa.func.count())
            .where(Signup.shift_id == Shift.id, Signup.status == SignupStatus.CONFIRMED)
            .scalar_subquery()
        )
        mismatched = db.session.scalar(
            sa.select(sa.func.count()).select_from(Shift).where(Shift.taken != confirmed)
        )
        if mismatched:
            raise SystemExit(f"seed: {mismatched} shifts with taken != confirmed sign-ups")
        world.counts["members"] = db.session.scalar(sa.select(sa.func.count(Member.id)))
        world.counts["members_active"] = sum(len(v) for v in members.values())
        world.counts["checkpoints"] = db.session.scalar(sa.text("SELECT count(*) FROM checkpoints"))
        db.session.remove()
    return app, world, seconds


# --- (a) the board query ------------------------------------------------------------------


def _week(rng, today: date) -> tuple[datetime, datetime]:
    """A random week (local midnight to local midnight) inside the seeded 60 days."""
    from timebank.core.clock import LOCAL_TZ

    first = today + timedelta(days=rng.randrange(-DAYS_PAST, DAYS_AHEAD - 6))
    start = datetime.combine(first, clock(), LOCAL_TZ)
    return start, start + timedelta(days=7)


def time_board_query(app, world: World, args, *, all_communities: bool) -> tuple[Timing, float]:
    """`queries.list_shifts` for one community (or all, own first) and one week, each call in
    its own app context and session, as a request would; returns the timing and mean rows."""
    from timebank.core.clock import local, utcnow
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.shifts import queries

    rng = random.Random(args.seed + (1 if all_communities else 0))
    today = local(utcnow()).date()
    token = write_intent.set(False)  # a GET: SQLite begins DEFERRED, as in a request
    samples, rows = [], []
    try:
        for i in range(args.warmup + args.requests):
            community_id = rng.choice(world.communities)
            start, end = _week(rng, today)
            started = time.perf_counter()
            with app.app_context():
                found = queries.list_shifts(
                    community_id=None if all_communities else community_id,
                    starts_from=start,
                    starts_before=end,
                    first_community_id=community_id,
                )
                db.session.rollback()
            if i >= args.warmup:
                samples.append((time.perf_counter() - started) * 1000)
                rows.append(len(found))
    finally:
        write_intent.reset(token)
    name = "board query, all, own first" if all_communities else "board query, 1 community"
    return summarise(name, samples), sum(rows) / len(rows)


def explain_board_query(app, world: World, args) -> list[str]:
    """The plans of the statements `list_shifts` sends for one community and week: captured
    with an engine event, then explained with the same parameters."""
    from timebank.core.clock import local, utcnow
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.shifts import queries

    rng = random.Random(args.seed)
    community_id = rng.choice(world.communities)
    start, end = _week(rng, local(utcnow()).date())
    out: list[str] = []
    token = write_intent.set(False)
    try:
        with app.app_context():
            engine = db.engine
            captured = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                captured.append((statement, parameters))

            for label, community in (("1 community", community_id), ("all, own first", None)):
                captured.clear()
                sa.event.listen(engine, "before_cursor_execute", capture)
                try:
                    queries.list_shifts(
                        community_id=community,
                        starts_from=start,
                        starts_before=end,
                        first_community_id=community_id,
                    )
                finally:
                    sa.event.remove(engine, "before_cursor_execute", capture)
                db.session.rollback()
                prefix = (
                    "EXPLAIN QUERY PLAN "
                    if engine.dialect.name == "sqlite"
                    else "EXPLAIN (ANALYZE, BUFFERS) "
                )
                for statement, parameters in list(captured):
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    out.append(
                        f"-- board query, {label} (community {community_id}, "
                        f"week from {start.date()}):"
                    )
                    out.append(_short_sql(statement))
                    with engine.connect() as conn:
                        result = conn.exec_driver_sql(prefix + statement, parameters)
                        out += [
                            "   " + _short_plan_line(" | ".join(str(c) for c in row))
                            for row in result
                        ]
            db.session.remove()
    finally:
        write_intent.reset(token)
    return out


def _short_sql(statement: str) -> str:
    """The statement without its column list and with long IN lists shortened."""
    text = " ".join(statement.split())
    text = re.sub(
        r"^SELECT .*? FROM shifts ",
        "SELECT shifts.*, units_1.*, checkpoints_1.* FROM shifts ",
        text,
    )
    text = re.sub(r"::(TIMESTAMP WITH(OUT)? TIME ZONE|[A-Z]+)\b", "", text)  # PostgreSQL casts
    return re.sub(r"\(((\?|%\(\w+\)s), ){3,}(\?|%\(\w+\)s)\)", "(…)", text)


def _short_plan_line(line: str, width: int = 160) -> str:
    line = re.sub(r"'\{[\d,]{40,}\}'", "'{…}'", line)
    return line if len(line) <= width else line[: width - 1] + "…"


# --- (b) the board page -------------------------------------------------------------------


def time_board_pages(app, world: World, args) -> list[Timing]:
    """`/shifts/` over Flask's test client, signed in as a demo member through the form."""
    from timebank.core.clock import local, utcnow
    from timebank.demo.seed import DEMO_PASSWORD

    pages = FlaskClientPages(app)
    sign_in(pages, MEMBER_PHONE, DEMO_PASSWORD, check_path="/shifts/")
    rng = random.Random(args.seed + 2)
    today = local(utcnow()).date()

    def day() -> str:  # the board shows [day, day + 7); the seeded future is 30 days long
        return (today + timedelta(days=rng.randrange(DAYS_AHEAD - 6))).isoformat()

    return [
        time_requests(
            pages,
            "board page, 1 community",
            lambda: f"/shifts/?community_id={rng.choice(world.communities)}&day={day()}",
            warmup=args.warmup,
            count=args.requests,
        ),
        time_requests(
            pages,
            "board page, all, own first",
            lambda: f"/shifts/?day={day()}",
            warmup=args.warmup,
            count=args.requests,
        ),
    ]


# --- (c) one sign-up ----------------------------------------------------------------------


def time_signups(app, world: World, args) -> tuple[list[Timing], dict]:
    """`signups.sign_up(member, shift)` + commit for random future shifts with free places,
    each by a random active member of the shift's community who has the skills and no other
    sign-up that day. The member and shift are loaded before the clock starts (a request's
    user loader and view do that); sign_up and the commit are timed."""
    from timebank.core.clock import utcnow
    from timebank.core.db import write_intent
    from timebank.core.errors import DomainError
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.shifts import signups
    from timebank.shifts.models import Shift

    rng = random.Random(args.seed + 3)
    soon = utcnow() + timedelta(hours=2)
    open_shifts = [
        s for s in world.shifts if s.published and s.starts_at > soon and s.taken < s.capacity
    ]
    token = write_intent.set(True)  # a POST: SQLite takes the write lock at BEGIN
    samples, refused_samples = [], []
    refusals: Counter = Counter()
    outcomes: Counter = Counter()
    attempts = done = 0
    try:
        while len(samples) < args.requests and attempts < 5 * (args.warmup + args.requests):
            shift = rng.choice(open_shifts)
            member_id = world.free_member(rng, shift, any_day=args.any_member)
            if shift.taken >= shift.capacity or member_id is None:
                continue
            attempts += 1
            with app.app_context():
                member = db.session.get(Member, member_id)
                row = db.session.get(Shift, shift.id)
                started = time.perf_counter()
                try:
                    result = signups.sign_up(member, row)
                    flushed = time.perf_counter()
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    refusals[exc.code] += 1
                    refused_samples.append((time.perf_counter() - started) * 1000)
                    continue
                ended = time.perf_counter()
                elapsed = (
                    (ended - started) * 1000,
                    (flushed - started) * 1000,
                    (ended - flushed) * 1000,
                )
                outcomes[result.status] += 1
            world.busy.add((member_id, shift.starts_at.date()))
            shift.taken += result.status == "confirmed"
            done += 1
            if done > args.warmup:
                samples.append(elapsed)
    finally:
        write_intent.reset(token)
    timings = [
        summarise("sign-up + commit", [t for t, _, _ in samples]),
        summarise("  of which sign_up()", [t for _, t, _ in samples]),
        summarise("  of which commit", [t for _, _, t in samples]),
    ]
    if refused_samples:
        timings.append(summarise("refused sign-ups", refused_samples, len(refused_samples)))
    return timings, {"attempts": attempts, "outcomes": dict(outcomes), "refusals": dict(refusals)}


# --- concurrency --------------------------------------------------------------------------


@dataclass
class Round:
    round: int
    shift_id: int
    capacity: int
    requests: int
    confirmed: int
    waitlisted: int
    refused: dict
    errors: list
    taken: int
    confirmed_rows: int
    wall_ms: float
    slowest_ms: float

    @property
    def passed(self) -> bool:
        want = min(self.capacity, self.requests)
        return self.confirmed == want == self.taken == self.confirmed_rows


def concurrent_signups(app, world: World, args) -> list[Round]:
    """`--threads` members sign up for one new shift of capacity 10 at the same moment
    (threading.Barrier), each in its own app context and session, committing."""
    from timebank.core.clock import LOCAL_TZ, local, utcnow
    from timebank.core.errors import DomainError
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.shifts import signups
    from timebank.shifts.models import Shift, Signup, SignupStatus

    rng = random.Random(args.seed + 4)
    today = local(utcnow()).date()
    big_enough = [c for c in world.communities if len(world.eligible(c, ())) >= args.threads]
    if not big_enough:
        raise SystemExit(
            f"--threads {args.threads}: no community has that many active members "
            "(seed more --members or use fewer --threads)"
        )
    rounds = []
    for n in range(1, args.rounds + 1):
        community_id = rng.choice(big_enough)
        # a day after the seeded ones: no member has another shift then
        day = today + timedelta(days=DAYS_AHEAD + 10 + n)
        starts_at = datetime.combine(day, clock(9), LOCAL_TZ)
        member_ids = rng.sample(world.eligible(community_id, ()), args.threads)
        with app.app_context():
            shift_id = db.session.scalars(
                sa.insert(Shift).returning(Shift.id),
                [
                    dict(
                        community_id=community_id,
                        kind="outreach",
                        title="并发报名测试",
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=2),
                        capacity=args.capacity,
                        taken=0,
                        skills=[],
                        status="published",
                        created_at=utcnow(),
                    )
                ],
            ).one()
            db.session.commit()
        barrier = threading.Barrier(args.threads, timeout=120)
        outcomes: list[tuple[str, float]] = []
        lock = threading.Lock()

        def worker(
            member_id: int, shift_id=shift_id, barrier=barrier, outcomes=outcomes, lock=lock
        ):
            with app.app_context():
                barrier.wait()
                started = time.perf_counter()
                try:
                    member = db.session.get(Member, member_id)
                    shift = db.session.get(Shift, shift_id)
                    outcome = signups.sign_up(member, shift).status
                    db.session.commit()
                except DomainError as exc:
                    db.session.rollback()
                    outcome = f"refused {exc.code}"
                except Exception as exc:  # counted and reported as an error
                    db.session.rollback()
                    outcome = f"error {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                with lock:
                    outcomes.append((outcome, (time.perf_counter() - started) * 1000))

        threads = [threading.Thread(target=worker, args=(m,)) for m in member_ids]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall_ms = (time.perf_counter() - started) * 1000
        with app.app_context():
            taken = db.session.scalar(sa.select(Shift.taken).where(Shift.id == shift_id))
            confirmed_rows = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Signup)
                .where(Signup.shift_id == shift_id, Signup.status == SignupStatus.CONFIRMED)
            )
            db.session.remove()
        kinds = Counter(o for o, _ in outcomes)
        rounds.append(
            Round(
                round=n,
                shift_id=shift_id,
                capacity=args.capacity,
                requests=len(outcomes),
                confirmed=kinds.pop("confirmed", 0),
                waitlisted=kinds.pop("waitlisted", 0),
                refused={
                    k.split(" ", 1)[1]: v for k, v in kinds.items() if k.startswith("refused")
                },
                errors=[f"{v} x {k}" for k, v in kinds.items() if k.startswith("error")],
                taken=taken,
                confirmed_rows=confirmed_rows,
                wall_ms=wall_ms,
                slowest_ms=max(ms for _, ms in outcomes),
            )
        )
    return rounds


def print_rounds(rounds: list[Round], threads: int, pool: str) -> bool:
    print()
    print(
        f"Concurrent sign-ups: {threads} threads, one shift, barrier, one session each "
        f"(connection pool: {pool})"
    )
    header = (
        f"{'round':>5} {'requests':>8} {'confirmed':>9} {'waitlisted':>10} "
        f"{'refused':>7} {'errors':>6} {'taken':>5} {'wall':>9} {'slowest':>9}  verdict"
    )
    print(header)
    print("-" * len(header))
    for r in rounds:
        errors = sum(int(e.split(" x ", 1)[0]) for e in r.errors)
        print(
            f"{r.round:>5} {r.requests:>8} {r.confirmed:>9} {r.waitlisted:>10} "
            f"{sum(r.refused.values()):>7} {errors:>6} {r.taken:>5} {r.wall_ms:>7.0f}ms "
            f"{r.slowest_ms:>7.0f}ms  {'PASS' if r.passed else 'FAIL'}"
        )
        for line in r.errors + [f"refused {k}: {v}" for k, v in r.refused.items()]:
            print(f"      {line}")
    passed = all(r.passed for r in rounds)
    print(
        f"concurrency check (confirmed == min(capacity, requests) == taken == confirmed "
        f"rows, every round): {'PASS' if passed else 'FAIL'}"
    )
    return passed


# --- the run ------------------------------------------------------------------------------


def run_shifts(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, world, seconds = build(args)
        # The bench's own bookkeeping (every member, shift and busy day: a few hundred
        # thousand objects) is not in a real worker; keep the garbage collector's full
        # collections from walking it during the timings.
        gc.collect()
        gc.freeze()
        from timebank.extensions import db

        with app.app_context():
            pool = db.engine.pool
            pool_text = (
                f"{type(pool).__name__} size {pool.size()} + overflow {pool._max_overflow}"
                if hasattr(pool, "size")
                else type(pool).__name__
            )
        c = world.counts
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database_version(app),
            "members": f"{c['members']:,} ({args.members:,} generated + demo accounts; "
            f"{c['members_active']:,} active)",
            "checkpoints": f"{c['checkpoints']:,}",
            "shifts": f"{c['shifts']:,} over {len(world.communities)} communities and "
            f"{DAYS_PAST + DAYS_AHEAD} days ({c['shifts_past']:,} past, "
            f"{c['shifts_cancelled']:,} cancelled)",
            "sign-ups": f"{c['signups']:,} on {c['shifts_with_signups']:,} shifts ("
            + ", ".join(f"{k[8:]} {v:,}" for k, v in c.items() if k.startswith("signups_"))
            + ")",
            "places taken": f"{c.get('signups_confirmed', 0) / max(c['places'], 1):.0%} of "
            f"{c['places']:,} (published shifts)",
            "seeded in": ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()),
            "python": platform.python_version(),
            "runs": f"{args.requests} timed after {args.warmup} warm-up, per row",
        }
        query_1, rows_1 = time_board_query(app, world, args, all_communities=False)
        query_all, rows_all = time_board_query(app, world, args, all_communities=True)
        facts["rows per board query"] = (
            f"{rows_1:.1f} (1 community), {rows_all:.1f} (all, limit 200)"
        )
        pages = time_board_pages(app, world, args)
        signup_timings, signup_facts = time_signups(app, world, args)
        rounds = concurrent_signups(app, world, args)
        plans = explain_board_query(app, world, args) if args.explain else []

        print_facts(f"Shifts, {facts['database']}", facts)
        print_timings(
            "(a) board query: queries.list_shifts(...) in an app context",
            [query_1, query_all],
            width=30,
        )
        print_timings(
            "(b) board page GET /shifts/, in-process (Flask test client), "
            f"signed in as {MEMBER_PHONE}",
            pages,
            width=30,
        )
        print_timings(
            "(c) one sign-up: signups.sign_up(member, shift) + commit", signup_timings, width=30
        )
        refusals = signup_facts["refusals"]
        print(
            f"sign-up attempts {signup_facts['attempts']}: "
            + ", ".join(f"{k} {v}" for k, v in signup_facts["outcomes"].items())
            + "; refused: "
            + (", ".join(f"{k} {v}" for k, v in refusals.items()) if refusals else "none")
        )
        passed = print_rounds(rounds, args.threads, pool_text)
        print()
        for label, timing, target in (
            ("board query, 1 community", query_1, TARGET_BOARD_QUERY_MS),
            ("sign-up + commit", signup_timings[0], TARGET_SIGNUP_MS),
        ):
            verdict = "met" if timing.median_ms < target else "NOT met"
            print(
                f"target {label}: median under {target:.0f} ms: {verdict} "
                f"({timing.median_ms:.1f} ms)"
            )
        if plans:
            print()
            print("\n".join(plans))
        if args.output:
            path = write_results(
                args.output,
                {
                    "facts": facts,
                    "counts": world.counts,
                    "seconds": seconds,
                    "runs": {
                        "board_query": [asdict(query_1), asdict(query_all)],
                        "board_page_in_process": [asdict(t) for t in pages],
                        "signup": [asdict(t) for t in signup_timings],
                    },
                    "signup_outcomes": signup_facts,
                    "concurrency": {
                        "threads": args.threads,
                        "pool": pool_text,
                        "passed": passed,
                        "rounds": [asdict(r) | {"passed": r.passed} for r in rounds],
                    },
                    "plans": plans,
                },
            )
            print(f"written to {path}")
        if not passed:
            raise SystemExit("concurrency check FAILED")


def add_parser(sub) -> None:
    p = sub.add_parser("shifts", help="board query and page, one sign-up, concurrent sign-ups")
    p.add_argument("--members", type=int, default=100000, help="members to seed")
    p.add_argument("--shifts", type=int, default=50000, help="shifts to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--requests", type=int, default=200, help="timed runs per row")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs per row")
    p.add_argument("--threads", type=int, default=50, help="concurrent sign-ups per round")
    p.add_argument("--capacity", type=int, default=10, help="places on the contended shift")
    p.add_argument("--rounds", type=int, default=5, help="rounds of concurrent sign-ups")
    p.add_argument("--seed", type=int, default=1, help="random seed for the picks")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument(
        "--any-member",
        action="store_true",
        help="(c): pick members without regard to their other sign-ups that day "
        "(shows how often such picks are refused)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="print the plans of the board query (EXPLAIN QUERY PLAN on SQLite, "
        "EXPLAIN ANALYZE on PostgreSQL)",
    )
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_shifts)
