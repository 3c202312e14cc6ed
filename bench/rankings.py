"""The `rankings` benchmark: ranking pages from the summary table against the plain GROUP BY
over the ledger it replaces, and the exports, on a ledger of millions of entries.

    python -m bench.run rankings --members 100000 --entries 2000000 [--database-url URL]

Seeds the Nansha tree, the demo accounts and N members with the demo seed functions, then
loads the ledger fast: generated service, adjustment and reversal entries over the last
`--days` days, hash-chained in Python in id order (chain.entry_hash) and inserted with
`sa.insert(LedgerEntry)` in batches, the head row set, and the ranking totals worked out
from the same entries with the app's own `rankings.totals.deltas` and inserted in bulk.
Checks the chain (chain.verify) and the totals (rankings.totals.differences), ANALYZE,
then times, alternating in one run: ranking() in an app context, the rendered page, and
the plain SQL over the ledger; then the exports. See bench/rankings.md.
"""

import cProfile
import gc
import io
import os
import platform
import pstats
import random
import time
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa

from .common import (
    FlaskClientPages,
    analyze,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    print_facts,
    print_timings,
    sign_in,
    summarise,
    write_results,
)

ORGANISER_PHONE = "13800000002"  # 区委组织部: organiser on the district
TOWN_ORGANISER_PHONE = "13800000003"  # 黄阁镇组织委员: organiser on the town NS-HG
COORDINATOR_PHONE = "13800000004"  # 社区协调员: coordinator on the community NS-HG-C01
TARGET_PAGE_MS = 50.0
TARGET_EXPORT_S = 5.0
BATCH = 10_000
COMMIT_EVERY = 100_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000

#: Shift slots (local start hour, minute, hours) and how common each is.
SLOTS = [
    ((7, 0, 4), 14),
    ((8, 0, 4), 22),
    ((9, 0, 2), 12),
    ((9, 0, 3), 10),
    ((14, 0, 4), 12),
    ((14, 0, 3), 8),
    ((15, 0, 2), 6),
    ((18, 0, 4), 8),
    ((19, 0, 2), 5),
    ((8, 0, 8), 3),
]
ADJUSTMENT_REASONS = ["补录漏签到工时", "签退时间更正", "活动时长核减", "组织部表彰奖励时长"]
REVERSAL_REASON = "重复签退，冲正"
KIND_SERVICE, KIND_ADJUSTMENT, KIND_REVERSAL = 0, 1, 2
KINDS = ("service", "adjustment", "reversal")


@dataclass(slots=True)
class Entry:
    """A generated ledger entry, with the attributes chain.canonical and totals.deltas read."""

    id: int
    member_id: int
    kind: str
    minutes: int
    reason: str | None
    reverses_id: int | None
    community_id: int
    source_key: str | None
    created_by_id: int | None
    created_at: datetime
    effective_at: datetime
    prev_hash: str = ""
    entry_hash: str = ""
    shift_id: None = None
    attendance_id: None = None

    def row(self) -> dict:
        return {
            "id": self.id,
            "member_id": self.member_id,
            "kind": self.kind,
            "minutes": self.minutes,
            "reason": self.reason,
            "shift_id": None,
            "attendance_id": None,
            "reverses_id": self.reverses_id,
            "community_id": self.community_id,
            "source_key": self.source_key,
            "created_by_id": self.created_by_id,
            "created_at": self.created_at,
            "effective_at": self.effective_at,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


def _us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the ledger, planned --------------------------------------------------------------------


def plan_entries(rng, members, count: int, days: int, now: datetime, organiser_id: int):
    """`count` entries as light tuples, in created_at order:
    (created µs, seq, kind, member id, minutes, effective µs, seq of the reversed entry).

    Every member gets one service entry first (so the all-time ranking has a row for nearly
    every member, as the issue's 100,000-row export asks), the rest go by an activity weight
    (log-normal: a few members do much more than most). 3 % adjustments (a fifth of them
    negative), 1 % reversals of earlier service entries; the rest service at shift slots."""
    from timebank.core.clock import LOCAL_TZ, local

    n_reversal = count // 100
    n_adjustment = count * 3 // 100
    n_service = count - n_reversal - n_adjustment
    today = local(now).date()
    day_list = [today - timedelta(days=d) for d in range(1, days + 1)]
    day_weights = [1.4 if d.weekday() >= 5 else 1.0 for d in day_list]
    slots = [s for s, _ in SLOTS]
    # effective µs of (day, slot), computed once
    starts = [
        [_us(datetime.combine(d, clock(h, m), LOCAL_TZ)) for h, m, _ in slots] for d in day_list
    ]
    ids = [m[0] for m in members]
    weights = [
        rng.lognormvariate(0, 0.9) * (0.3 if status == "pending" else 1.0)
        for _, _, status in members
    ]
    who = ids[: min(len(ids), n_service)]
    who += rng.choices(ids, weights=weights, k=n_service - len(who))
    rng.shuffle(who)
    day_of = rng.choices(range(days), weights=day_weights, k=n_service)
    slot_of = rng.choices(range(len(slots)), weights=[w for _, w in SLOTS], k=n_service)
    plan = []
    rand, randint = rng.random, rng.randint
    for seq in range(n_service):
        slot = slot_of[seq]
        hours = slots[slot][2]
        effective = starts[day_of[seq]][slot]
        minutes = min(480, max(30, hours * 60 + randint(-30, 25)))
        created = effective + hours * HOUR_US + randint(-30, 40) * MINUTE_US + int(rand() * 6e7)
        plan.append((created, seq, KIND_SERVICE, who[seq], minutes, effective, -1))
    now_us = _us(now)
    window = days * 24 * HOUR_US
    adj_who = rng.choices(ids, weights=weights, k=n_adjustment)
    for k in range(n_adjustment):
        created = now_us - int(rand() * window)
        minutes = randint(30, 240) if rand() < 0.8 else -randint(15, 120)
        plan.append((created, n_service + k, KIND_ADJUSTMENT, adj_who[k], minutes, created, -1))
    for k, original in enumerate(rng.sample(range(n_service), n_reversal)):
        created0, _, _, member_id, minutes, effective, _ = plan[original]
        created = created0 + randint(1, 20 * 24) * HOUR_US
        if created >= now_us:
            created = created0 + 1 + int((now_us - created0 - 1) * rand())
        seq = n_service + n_adjustment + k
        plan.append((created, seq, KIND_REVERSAL, member_id, -minutes, effective, original))
    plan.sort()
    counts = {"service": n_service, "adjustment": n_adjustment, "reversal": n_reversal}
    return plan, counts, organiser_id


def load_ledger(plan, community_of: dict, organiser_id: int, seconds: dict) -> dict:
    """Chain, insert and aggregate the planned entries in id order; returns the totals as
    deltas() gives them: (subject, subject id, period, key) -> [minutes, shifts, c, t]."""
    from timebank.extensions import db
    from timebank.ledger import chain
    from timebank.ledger.models import LedgerEntry, LedgerHead
    from timebank.rankings import totals

    id_of = [0] * len(plan)
    acc: dict[tuple, list] = {}
    prev = chain.GENESIS
    insert = sa.insert(LedgerEntry)
    t_hash = t_insert = t_deltas = 0.0
    for start in range(0, len(plan), BATCH):
        t0 = time.perf_counter()
        batch = []
        for i, (created, seq, kind, member_id, minutes, effective, original) in enumerate(
            plan[start : start + BATCH], start=start + 1
        ):
            id_of[seq] = i
            entry = Entry(
                id=i,
                member_id=member_id,
                kind=KINDS[kind],
                minutes=minutes,
                reason=(
                    None
                    if kind == KIND_SERVICE
                    else REVERSAL_REASON
                    if kind == KIND_REVERSAL
                    else ADJUSTMENT_REASONS[seq % len(ADJUSTMENT_REASONS)]
                ),
                reverses_id=id_of[original] if original >= 0 else None,
                community_id=community_of[member_id],
                source_key=f"bench:{i}" if kind == KIND_SERVICE else None,
                created_by_id=None if kind == KIND_SERVICE else organiser_id,
                created_at=_dt(created),
                effective_at=_dt(effective),
            )
            entry.prev_hash = prev
            entry.entry_hash = prev = chain.entry_hash(prev, entry)
            batch.append(entry)
        t1 = time.perf_counter()
        db.session.execute(insert, [e.row() for e in batch])
        t2 = time.perf_counter()
        # The app's own arithmetic (it reads the reversed originals, now in the database).
        for key, row in totals.deltas(batch).items():
            have = acc.get(key)
            if have is None:
                acc[key] = row
            else:
                have[0] += row[0]
                have[1] += row[1]
                have[2], have[3] = row[2], row[3]
        t3 = time.perf_counter()
        t_hash, t_insert, t_deltas = t_hash + t1 - t0, t_insert + t2 - t1, t_deltas + t3 - t2
        if (start + BATCH) % COMMIT_EVERY == 0:
            db.session.commit()
    db.session.execute(
        sa.update(LedgerHead).where(LedgerHead.id == 1).values(last_id=len(plan), last_hash=prev)
    )
    db.session.commit()
    seconds["ledger: entries and hashes (Python)"] = t_hash
    seconds["ledger: INSERT (executemany)"] = t_insert
    seconds["totals: deltas() in Python"] = t_deltas
    return acc


def insert_totals(acc: dict) -> int:
    from timebank.extensions import db
    from timebank.rankings.models import RankingTotal

    insert = sa.insert(RankingTotal)
    rows = []
    for (subject, subject_id, period, key), (minutes, shifts, c, t) in acc.items():
        rows.append(
            {
                "subject": subject,
                "subject_id": subject_id,
                "period": period,
                "period_key": key,
                "minutes": minutes,
                "shifts": shifts,
                "community_id": c,
                "town_id": t,
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert, rows)
            rows = []
    if rows:
        db.session.execute(insert, rows)
    db.session.commit()
    return len(acc)


@dataclass
class World:
    """What the measurements need to know about the seeded data."""

    ids: dict  # phone -> member id, for the three signed-in accounts
    units: dict  # "district" | "town" | "community" -> unit id
    paths: dict  # same keys -> units.path
    counts: dict


def build(args, seconds: dict, facts: dict):
    """create_all, the demo tree, accounts and members, the ledger and the totals."""
    from timebank import create_app
    from timebank.core.clock import utcnow
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.extensions import db
    from timebank.ledger import chain
    from timebank.members.models import Member
    from timebank.rankings import totals
    from timebank.rankings.models import RankingTotal
    from timebank.units.models import Unit

    app = create_app()
    rng = random.Random(args.data_seed)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        seed_units(rng)
        seed_accounts(hash_password(DEMO_PASSWORD))
        seed_members(rng, args.members, hash_password(DEMO_PASSWORD))
        db.session.commit()
        seconds["tree, accounts, members"] = time.perf_counter() - started
        members = db.session.execute(
            sa.select(Member.id, Member.community_id, Member.status).order_by(Member.id)
        ).all()
        community_of = {m: c for m, c, _ in members}
        phones = dict(
            db.session.execute(
                sa.select(Member.phone, Member.id).where(
                    Member.phone.in_([ORGANISER_PHONE, TOWN_ORGANISER_PHONE, COORDINATOR_PHONE])
                )
            ).all()
        )
        units, paths = {}, {}
        for label, code in (("district", None), ("town", "NS-HG"), ("community", "NS-HG-C01")):
            where = Unit.parent_id.is_(None) if code is None else Unit.code == code
            unit = db.session.scalars(sa.select(Unit).where(where)).one()
            units[label], paths[label] = unit.id, unit.path
        now = utcnow()
        gc.disable()  # millions of small objects: the collector's passes only cost here
        try:
            started = time.perf_counter()
            plan, kinds, organiser_id = plan_entries(
                rng, members, args.entries, args.days, now, phones[ORGANISER_PHONE]
            )
            seconds["ledger: planning"] = time.perf_counter() - started
            started = time.perf_counter()
            acc = load_ledger(plan, community_of, organiser_id, seconds)
            seconds["ledger: total (plan excluded)"] = time.perf_counter() - started
            del plan
            started = time.perf_counter()
            n_totals = insert_totals(acc)
            seconds["totals: INSERT (executemany)"] = time.perf_counter() - started
            del acc
        finally:
            gc.enable()
        gc.collect()
        started = time.perf_counter()
        analyze(db, vacuum=args.vacuum)
        seconds["VACUUM ANALYZE" if args.vacuum else "ANALYZE"] = time.perf_counter() - started
        facts["load average after load"] = _load()
        counts = {
            "members": len(members),
            "entries": db.session.scalar(sa.text("SELECT count(*) FROM ledger_entries")),
            **{f"entries_{k}": v for k, v in kinds.items()},
            "ranking_totals": n_totals,
            "ranking_totals_member": db.session.scalar(
                sa.select(sa.func.count()).where(RankingTotal.subject == "member")
            ),
        }
        first, last = db.session.execute(
            sa.text("SELECT min(effective_at), max(effective_at) FROM ledger_entries")
        ).one()
        counts["effective_at range"] = f"{first} .. {last} (UTC)"
        if db.engine.dialect.name == "postgresql":
            for table in ("ledger_entries", "ranking_totals"):
                counts[f"{table} size"] = db.session.scalar(
                    sa.text(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))")
                )
        else:
            size = os.path.getsize(db.engine.url.database)
            counts["database file"] = f"{size / 2**20:.0f} MiB"
        db.session.remove()

        checks = {}
        if args.check in ("full", "chain"):
            started = time.perf_counter()
            result = chain.verify()
            checks["chain.verify()"] = f"ok={result.ok}, {result.entries:,} entries" + (
                "" if result.ok else f", {result.problem} at {result.first_bad_entry_id}"
            )
            seconds["check: chain.verify() (full)"] = time.perf_counter() - started
            db.session.remove()
            if not result.ok:
                raise SystemExit(f"chain.verify() failed: {result}")
        if args.check == "full":
            started = time.perf_counter()
            found = totals.differences()
            seconds["check: totals.differences() (full)"] = time.perf_counter() - started
            checks["totals.differences()"] = (
                "[] (none)" if not found else f"{len(found)} differences, first {found[:3]}"
            )
            db.session.remove()
            if found:
                raise SystemExit(f"totals.differences(): {len(found)}, first {found[:3]}")
        gc.collect()
    world = World(ids=phones, units=units, paths=paths, counts=counts)
    return app, world, now, checks


# --- the rankings, side by side ----------------------------------------------------------


@dataclass
class Scenario:
    label: str
    phone: str
    by: str
    period: str
    scope: str  # "district" | "town" | "community"


SCENARIOS = [
    Scenario("member · month · district", ORGANISER_PHONE, "member", "month", "district"),
    Scenario("member · all · district", ORGANISER_PHONE, "member", "all", "district"),
    Scenario("town · month · district", ORGANISER_PHONE, "town", "month", "district"),
    Scenario("member · month · town", TOWN_ORGANISER_PHONE, "member", "month", "town"),
    Scenario("member · month · community", COORDINATOR_PHONE, "member", "month", "community"),
]


def plain_sql(scenario: Scenario, world: World, now: datetime):
    """The GROUP BY over the ledger that the summary table replaces (same order and ties as
    ranking(): minutes descending, then id): (SQL, typed bind parameters, values)."""
    from timebank.core.clock import local
    from timebank.core.db import UTCDateTime
    from timebank.rankings import periods

    subject = "c.parent_id" if scenario.by == "town" else "le.member_id"
    where, params, types = [], {}, []
    if scenario.period != "all":
        day = local(now).date()
        start = periods.start_of(periods.first_day(scenario.period, day))
        end = periods.start_of(periods.next_first_day(scenario.period, day))
        where.append("le.effective_at >= :start AND le.effective_at < :end")
        params.update(start=start, end=end)
        types = [
            sa.bindparam("start", type_=UTCDateTime()),
            sa.bindparam("end", type_=UTCDateTime()),
        ]
    if scenario.scope == "community":
        where.append("m.community_id = :community")
        params["community"] = world.units["community"]
    else:
        where.append("c.path LIKE :prefix")
        params["prefix"] = world.paths[scenario.scope] + "%"
    sql = (
        f"SELECT {subject} AS subject_id, SUM(le.minutes) AS minutes "
        "FROM ledger_entries le "
        "JOIN members m ON m.id = le.member_id "
        "JOIN units c ON c.id = m.community_id "
        f"WHERE {' AND '.join(where)} "
        f"GROUP BY {subject} ORDER BY minutes DESC, subject_id LIMIT 50"
    )
    return sql, types, params


def _clause(sql: str, types) -> sa.TextClause:
    return sa.text(sql).bindparams(*types)


def summary_statement(scenario: Scenario, unit, now: datetime):
    """ranking()'s own top-50 statement from the summary table, built as it builds it."""
    from timebank.rankings.models import RankingTotal
    from timebank.rankings.queries import _scope_filter
    from timebank.rankings.totals import period_keys

    t = RankingTotal
    return (
        sa.select(t.subject_id, t.minutes, t.shifts)
        .where(
            t.subject == scenario.by,
            t.period == scenario.period,
            t.period_key == period_keys(now)[scenario.period],
            t.minutes > 0,
            _scope_filter(scenario.by, unit),
        )
        .order_by(t.minutes.desc(), t.subject_id)
        .limit(50)
    )


def page_path(scenario: Scenario) -> str:
    """The page as the account sees it by default (its widest unit), 50 rows."""
    return "/rankings?" + urllib.parse.urlencode({"by": scenario.by, "period": scenario.period})


def compare(app, world: World, now: datetime, pages: dict, args):
    """Per scenario, alternating round by round: (A0) the summary-table statement alone,
    (A) ranking() in an app context, (P) the page, (B) the plain SQL over the ledger."""
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.rankings import queries
    from timebank.units.models import Unit

    out, checks = [], {}
    token = write_intent.set(False)  # GETs: SQLite begins DEFERRED, as in a request
    try:
        for sc in SCENARIOS:
            actor_id, unit_id = world.ids[sc.phone], world.units[sc.scope]
            sql, types, params = plain_sql(sc, world, now)
            plain = _clause(sql, types)
            client = pages[sc.phone]
            path = page_path(sc)
            found = {}

            def with_context(work, name, actor_id=actor_id, unit_id=unit_id, found=found):
                """Load the viewer and the unit (a request's user loader and view do that),
                then time `work` alone; each call in its own app context and session."""
                with app.app_context():
                    actor = db.session.get(Member, actor_id)
                    unit = db.session.get(Unit, unit_id)
                    started = time.perf_counter()
                    result = work(actor, unit)
                    elapsed = (time.perf_counter() - started) * 1000
                    found[name] = result
                    db.session.rollback()
                return elapsed, 0

            def run_a0(actor, unit, sc=sc):
                return db.session.execute(summary_statement(sc, unit, now)).all()

            def run_a(actor, unit, sc=sc):
                r = queries.ranking(actor, by=sc.by, period=sc.period, unit=unit, limit=50, now=now)
                return [(row.id, row.minutes) for row in r.rows]

            def run_b(actor, unit, plain=plain, params=params):
                return [tuple(r) for r in db.session.execute(plain, params).all()]

            def run_page(client=client, path=path, found=found):
                started = time.perf_counter()
                status, body = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                found["page_rows"] = body.count("data-test-rank=")
                return elapsed, int(status != 200)

            runs = {
                "A0": lambda run_a0=run_a0: with_context(run_a0, "A0"),
                "A": lambda run_a=run_a: with_context(run_a, "A"),
                "P": run_page,
                "B": lambda run_b=run_b: with_context(run_b, "B"),
            }
            samples = {k: [] for k in runs}
            errors = dict.fromkeys(runs, 0)
            plain_every = max(1, round(args.requests / max(args.plain_requests, 1)))
            for name, run in runs.items():
                for _ in range(args.warmup if name != "B" else min(args.warmup, 3)):
                    run()
            for r in range(args.requests):
                for name, run in runs.items():
                    if name == "B" and (
                        r % plain_every or len(samples["B"]) >= args.plain_requests
                    ):
                        continue
                    elapsed, err = run()
                    samples[name].append(elapsed)
                    errors[name] += err
            names = {
                "A0": "A0 summary statement",
                "A": "A  ranking()",
                "P": "A  page GET",
                "B": "B  GROUP BY ledger",
            }
            timings = {k: summarise(names[k], v, errors[k]) for k, v in samples.items()}
            # ranking() leaves out rows without minutes (> 0); the GROUP BY keeps them
            b = [(int(i), int(m)) for i, m in found["B"] if m > 0]
            same = found["A"] == b[: len(found["A"])] and len(found["A"]) == min(len(b), 50)
            checks[sc.label] = (
                f"top {len(found['A'])} of ranking() == GROUP BY: {same}; page rows "
                f"{found['page_rows']}"
            )
            out.append(
                {
                    "scenario": sc.label,
                    "account": sc.phone,
                    "page": path,
                    "timings": timings,
                    "ratio_b_over_a": timings["B"].median_ms / timings["A"].median_ms,
                    "ratio_b_over_page": timings["B"].median_ms / timings["P"].median_ms,
                    "ratio_b_over_a0": timings["B"].median_ms / timings["A0"].median_ms,
                    "same_top": same,
                }
            )
            print(
                f"  {sc.label}: A {timings['A'].median_ms:.1f} ms, page "
                f"{timings['P'].median_ms:.1f} ms, B {timings['B'].median_ms:.1f} ms "
                f"(load {_load()})",
                flush=True,
            )
    finally:
        write_intent.reset(token)
    return out, checks


def explain(app, world: World, now: datetime) -> list[str]:
    """The plans of ranking()'s statements (captured while it runs) and of the plain SQL."""
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.rankings import queries
    from timebank.units.models import Unit

    out = []
    token = write_intent.set(False)
    try:
        with app.app_context():
            engine = db.engine
            sqlite = engine.dialect.name == "sqlite"
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
            for sc in SCENARIOS:
                actor = db.session.get(Member, world.ids[sc.phone])
                unit = db.session.get(Unit, world.units[sc.scope])
                captured = []

                def capture(conn, cursor, statement, parameters, context, many, out=captured):
                    out.append((statement, parameters))

                sa.event.listen(engine, "before_cursor_execute", capture)
                try:
                    queries.ranking(actor, by=sc.by, period=sc.period, unit=unit, now=now)
                finally:
                    sa.event.remove(engine, "before_cursor_execute", capture)
                db.session.rollback()
                for statement, parameters in captured:
                    if "ranking_totals" not in statement:
                        continue
                    out.append(f"-- (A) {sc.label}: {' '.join(statement.split())[:300]}")
                    with engine.connect() as conn:
                        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                    out += ["   " + " | ".join(str(c) for c in row) for row in rows]
                sql, types, params = plain_sql(sc, world, now)
                out.append(f"-- (B) {sc.label}: {sql}")
                with engine.connect() as conn:
                    rows = conn.execute(_clause(prefix + sql, types), params).all()
                out += ["   " + " | ".join(str(c) for c in row) for row in rows]
            db.session.remove()
    finally:
        write_intent.reset(token)
    return out


# --- exports ------------------------------------------------------------------------------


def _export(app, world: World, now: datetime, fmt: str, profile: cProfile.Profile | None = None):
    """export_rows(by=member, period=all, unit=district, every row) written as `fmt`:
    "rows" (only read them), "csv" (consume csv_chunks) or "xlsx" (xlsx_bytes). Returns
    (seconds, rows, bytes)."""
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.rankings import exports, xlsx
    from timebank.units.models import Unit

    token = write_intent.set(False)
    try:
        with app.app_context():
            actor = db.session.get(Member, world.ids[ORGANISER_PHONE])
            unit = db.session.get(Unit, world.units["district"])
            count = [0]

            def counted(rows):
                for row in rows:
                    count[0] += 1
                    yield row

            if profile:
                profile.enable()
            started = time.perf_counter()
            export = exports.export_rows(
                actor, by="member", period="all", unit=unit, limit=None, now=now
            )
            export.rows = counted(export.rows)
            if fmt == "rows":
                size = 0
                for _row in export.rows:
                    pass
            elif fmt == "csv":
                size = sum(len(chunk) for chunk in exports.csv_chunks(export))
            else:
                size = len(xlsx.xlsx_bytes(export))
            elapsed = time.perf_counter() - started
            if profile:
                profile.disable()
            db.session.rollback()
        return elapsed, count[0], size
    finally:
        write_intent.reset(token)


def time_exports(app, world: World, now: datetime, client, args) -> dict:
    """Alternating, `--export-runs` times each: the rows alone, CSV, XLSX (functions), and
    the two download pages through the test client."""
    query = urllib.parse.urlencode({"by": "member", "period": "all", "limit": "all"})
    results = {k: [] for k in ("rows", "csv", "xlsx", "page csv", "page xlsx")}
    info = {}
    for _ in range(args.export_runs):
        for fmt in ("rows", "csv", "xlsx"):
            seconds, rows, size = _export(app, world, now, fmt)
            results[fmt].append(seconds)
            info[fmt] = {"rows": rows, "bytes": size}
        for fmt in ("csv", "xlsx"):
            started = time.perf_counter()
            response = client.client.get(f"/rankings/export.{fmt}?{query}")
            body = response.get_data()
            results[f"page {fmt}"].append(time.perf_counter() - started)
            info[f"page {fmt}"] = {
                "status": response.status_code,
                "bytes": len(body),
                "type": response.headers.get("Content-Type"),
            }
        last = {k: round(v[-1], 2) for k, v in results.items()}
        print(f"  export round (s): {last}", flush=True)
    return {"seconds": results, "info": info}


def profile_exports(app, world: World, now: datetime, top: int = 14) -> dict:
    """cProfile of one XLSX and one CSV export: the functions with the most own time, and
    own time grouped by where the code lives."""
    out = {}
    for fmt in ("xlsx", "csv"):
        profile = cProfile.Profile()
        seconds, rows, size = _export(app, world, now, fmt, profile)
        stats = pstats.Stats(profile)
        groups: dict[str, float] = {}
        total = 0.0
        for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
            total += tt
            groups[_group(filename)] = groups.get(_group(filename), 0.0) + tt
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(top)
        lines = [ln for ln in text.getvalue().splitlines() if ln.strip()]
        body = lines[lines.index(next(ln for ln in lines if "ncalls" in ln)) :]
        out[fmt] = {
            "seconds_under_profile": seconds,
            "groups": {k: v / total for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "top": body,
        }
    return out


def _group(filename: str) -> str:
    for needle, name in (
        ("openpyxl", "openpyxl"),
        ("et_xmlfile", "et_xmlfile"),
        ("xml/etree", "xml.etree (stdlib)"),
        ("sqlalchemy", "sqlalchemy"),
        ("psycopg", "psycopg"),
        ("timebank", "timebank"),
        ("zipfile", "zipfile (stdlib)"),
        ("csv", "csv (stdlib)"),
    ):
        if needle in filename:
            return name
    if filename.startswith("~") or filename == "":
        return "builtins (C)"
    return "other"


# --- the run ------------------------------------------------------------------------------


def print_compare(results: list[dict]) -> None:
    for r in results:
        t = r["timings"]
        print_timings(
            f"{r['scenario']}  (signed in as {r['account']}, page {r['page']})",
            [t["A0"], t["A"], t["P"], t["B"]],
            width=24,
        )
        print(
            f"ratio B/A (median): ranking() {r['ratio_b_over_a']:.0f}x, page "
            f"{r['ratio_b_over_page']:.1f}x, summary statement {r['ratio_b_over_a0']:.0f}x"
        )


def print_exports(exp: dict) -> None:
    print()
    print("Exports: by=member, period=all, unit=district, every row (seconds per run)")
    for name, runs in exp["seconds"].items():
        info = exp["info"][name]
        size = info.get("bytes", 0)
        what = f"{info.get('rows', '?'):,} rows" if "rows" in info else f"HTTP {info['status']}"
        verdict = "" if name == "rows" else (" met" if max(runs) < TARGET_EXPORT_S else " NOT met")
        print(
            f"  {name:<10} median {sorted(runs)[len(runs) // 2]:6.2f} s  runs "
            + ", ".join(f"{s:.2f}" for s in runs)
            + f"  {what}, {size / 2**20:.2f} MiB{verdict}"
        )


def run_rankings(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        seconds: dict[str, float] = {}
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": _load(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "app code": code_version(),
        }
        app, world, now, checks = build(args, seconds, facts)
        facts["database"] = database_version(app)
        print_facts(f"Rankings, {facts['database']}", facts | world.counts)
        print_facts("Load and checks (seconds)", {k: f"{v:.1f}" for k, v in seconds.items()})
        print_facts("Checks", checks)
        gc.collect()
        gc.freeze()
        from timebank.demo.seed import DEMO_PASSWORD

        pages = {}
        for phone in (ORGANISER_PHONE, TOWN_ORGANISER_PHONE, COORDINATOR_PHONE):
            pages[phone] = FlaskClientPages(app)
            sign_in(pages[phone], phone, DEMO_PASSWORD, check_path="/rankings")
        print("\ntiming (progress):", flush=True)
        results, top_checks = compare(app, world, now, pages, args)
        facts["load average after rankings"] = _load()
        exp = time_exports(app, world, now, pages[ORGANISER_PHONE], args)
        facts["load average after exports"] = _load()
        prof = profile_exports(app, world, now) if args.profile else {}
        plans = explain(app, world, now) if args.explain else []

        print_facts(f"Rankings, {facts['database']}", facts)
        print_facts("Same answers", top_checks)
        print(
            f"\nA0 = ranking()'s top-50 statement on ranking_totals alone; A = ranking() in an "
            f"app context; page = GET in-process (Flask test client); B = the plain GROUP BY. "
            f"{args.requests} runs of A0/A/page, {args.plain_requests} of B, alternating, "
            f"after {args.warmup} warm-up (B: {min(args.warmup, 3)}). Milliseconds."
        )
        print_compare(results)
        print_exports(exp)
        for fmt, p in prof.items():
            print(
                f"\ncProfile, {fmt} export ({p['seconds_under_profile']:.2f} s under the "
                "profiler): own time by where the code lives"
            )
            for name, share in p["groups"].items():
                if share >= 0.005:
                    print(f"  {name:<22} {share:6.1%}")
            print("\n".join("  " + line for line in p["top"]))
        worst_page = max(r["timings"]["P"].median_ms for r in results)
        print(
            f"\ntarget page median under {TARGET_PAGE_MS:.0f} ms: "
            f"{'met' if worst_page < TARGET_PAGE_MS else 'NOT met'} (slowest {worst_page:.1f} ms)"
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
                    "checks": checks | top_checks,
                    "compare": [
                        r | {"timings": {k: asdict(t) for k, t in r["timings"].items()}}
                        for r in results
                    ],
                    "exports": exp,
                    "profile": prof,
                    "plans": plans,
                },
            )
            print(f"written to {path}")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "rankings", help="ranking pages vs the plain GROUP BY, and exports, on a big ledger"
    )
    p.add_argument("--members", type=int, default=100000, help="members to seed")
    p.add_argument("--entries", type=int, default=2000000, help="ledger entries to load")
    p.add_argument("--days", type=int, default=400, help="days of history")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--requests", type=int, default=100, help="timed runs of A0, A and page")
    p.add_argument(
        "--plain-requests",
        type=int,
        default=10,
        help="timed runs of B, spread over A's (each reads the whole ledger: seconds apiece)",
    )
    p.add_argument("--warmup", type=int, default=20, help="untimed runs per row")
    p.add_argument("--export-runs", type=int, default=3, help="runs of each export")
    p.add_argument(
        "--check",
        choices=("full", "chain", "none"),
        default="full",
        help="after loading: chain.verify() and totals.differences() (full), only the "
        "chain, or nothing",
    )
    p.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="PostgreSQL: ANALYZE only after the load, no VACUUM (autovacuum would run both)",
    )
    p.add_argument("--no-profile", dest="profile", action="store_false", help="skip cProfile")
    p.add_argument("--no-explain", dest="explain", action="store_false", help="skip plans")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_rankings)
