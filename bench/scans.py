"""The `scans` benchmark: POST /api/v1/scans under gunicorn, against a floor route.

    python -m bench.run scans [--database-url postgresql+psycopg://postgres@127.0.0.1/tb_bench]
                              [--sqlite] [--workers 4] [--duration 30]

Seeds the Nansha tree, N members and the 526 demo checkpoints, one shift per checkpoint
running now, every active member signed up (confirmed) to one shift of their community,
half of them already checked in (so their next scan is a check-out), one staff account per
community; then serves `bench.floor_wsgi:app` (the app plus `POST /api/v1/_floor`, which
only authenticates and inserts one row) with `gunicorn -w N --threads 1`, and measures from
separate client processes (bench/loadgen.py):

(a) closed-loop maximum throughput of the scan endpoint and of the floor, alternating
    A B A B (`--rounds`, 3), requests/s and p50/p99, and the ratio scan/floor (target
    60 %);
(b) an open loop of `--rate` (100) scans/s for `--duration` seconds, p50/p99 from the
    scheduled send time (target p99 under 100 ms).

Every answer is counted (check_in, check_out, duplicate, refusals, errors); afterwards the
invariants are checked in SQL and with `flask --app timebank verify-ledger`. See
bench/README.md.
"""

import cProfile
import multiprocessing
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from . import what_if
from .common import (
    RESULTS,
    ROOT,
    analyze,
    children,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    gunicorn,
    memory_kib,
    parent_of,
    print_facts,
    write_results,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/tb_bench"
TARGET_RATIO = 0.60
TARGET_OPEN_P99_MS = 100.0
#: A round counts as quiet when processes outside the benchmark used less than this share
#: of the CPUs during both its runs.
QUIET = 0.15
STAFF_PHONE = "137{:08d}"
NOT_SENT = "not sent: more than 10 s behind schedule"
BATCH = 5000


# --- seeding ------------------------------------------------------------------------------


@dataclass
class World:
    """What the load generator needs to know about the seeded data."""

    staff_phones: list[str]  # index = token index
    check_ins: list[tuple]  # loadgen.Pair: signed up, not checked in
    check_outs: list[tuple]  # loadgen.Pair: checked in before the run
    counts: dict = field(default_factory=dict)


def seed_staff(communities, password_hash, now):
    """One staff account per community (phone STAFF_PHONE.format(i), the `staff` role on
    it), inserted in bulk, not committed. Returns (staff ids, community → staff id,
    community → index of the staff token)."""
    from timebank.auth.models import Role, RoleAssignment
    from timebank.extensions import db
    from timebank.members.models import Member, MemberStatus

    staff_rows = [
        dict(
            name=f"卡口工作人员{i + 1:03d}",
            phone=STAFF_PHONE.format(i),
            password_hash=password_hash,
            community_id=community_id,
            status=MemberStatus.ACTIVE,
            created_at=now - timedelta(days=30),
            approved_at=now - timedelta(days=29),
        )
        for i, community_id in enumerate(communities)
    ]
    staff_ids = db.session.scalars(
        sa.insert(Member).returning(Member.id, sort_by_parameter_order=True), staff_rows
    ).all()
    db.session.execute(
        sa.insert(RoleAssignment),
        [
            dict(member_id=m, role=Role.STAFF, unit_id=c, created_at=now)
            for m, c in zip(staff_ids, communities, strict=True)
        ],
    )
    token_of = {c: i for i, c in enumerate(communities)}
    staff_of = dict(zip(communities, staff_ids, strict=True))
    return staff_ids, staff_of, token_of


def seed_running_shifts(rng, checkpoints, per_shift, staff_of, token_of, starts_at, ends_at, now):
    """One checkpoint shift from `starts_at` to `ends_at` (no walk-ins) for each checkpoint,
    with the members of `per_shift[checkpoint id]` signed up (confirmed, `taken` = their
    number) and every other one already checked in by the community's staff (an open
    attendance). Inserted with `sa.insert` in batches, not committed. Returns the (shift,
    member, lat, lon, staff token) pairs whose next scan is a check-in, and those whose next
    scan is a check-out."""
    from timebank.checkin.models import Attendance, Method
    from timebank.extensions import db
    from timebank.shifts.models import Shift, Signup

    shift_rows = [
        dict(
            community_id=cp.community_id,
            checkpoint_id=cp.id,
            kind="checkpoint",
            title="卡口值守",
            description="测温、查验健康码，引导车辆有序通行。",
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=max(1, len(per_shift[cp.id])),
            taken=len(per_shift[cp.id]),
            skills=[],
            walk_ins=False,
            counts_as_service=True,
            status="published",
            created_at=now - timedelta(days=3),
        )
        for cp in checkpoints
    ]
    shift_ids = db.session.scalars(
        sa.insert(Shift).returning(Shift.id, sort_by_parameter_order=True), shift_rows
    ).all()
    signups, attendances, check_ins, check_outs = [], [], [], []
    for shift_id, cp in zip(shift_ids, checkpoints, strict=True):
        staff_id, token = staff_of[cp.community_id], token_of[cp.community_id]
        for i, member_id in enumerate(per_shift[cp.id]):
            signups.append(
                dict(
                    shift_id=shift_id,
                    member_id=member_id,
                    status="confirmed",
                    queued_at=now - timedelta(days=2),
                    confirmed_at=now - timedelta(days=2),
                    is_late_cancel=False,
                    is_walk_in=False,
                )
            )
            pair = (shift_id, member_id, cp.lat, cp.lon, token)
            if i % 2:
                check_ins.append(pair)
                continue
            checked_in_at = starts_at + timedelta(seconds=rng.randint(0, 300))
            attendances.append(
                dict(
                    member_id=member_id,
                    shift_id=shift_id,
                    checked_in_at=checked_in_at,
                    check_in_method=str(Method.SCAN),
                    checked_in_by_id=staff_id,
                    auto_closed=False,
                    outside_geofence_override=False,
                    created_at=checked_in_at,
                )
            )
            check_outs.append(pair)
    for start in range(0, len(signups), BATCH):
        db.session.execute(sa.insert(Signup), signups[start : start + BATCH])
    for start in range(0, len(attendances), BATCH):
        db.session.execute(sa.insert(Attendance), attendances[start : start + BATCH])
    return check_ins, check_outs


def build(args):
    """create_all, the demo tree, members, checkpoints, shifts running now, sign-ups,
    attendances already open for half of them, staff; returns (app, world, seconds)."""
    from timebank.core.clock import utcnow
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.demo.seed_shifts import seed_checkpoints
    from timebank.extensions import db
    from timebank.members.models import Member, MemberStatus
    from timebank.shifts.models import Checkpoint
    from timebank.units.models import Level, Unit

    # the app the server runs (create_app() and the floor route), built here in-process
    # after configure_environment(): for seeding, the in-process requests and the checks
    from .floor_wsgi import app
    from .floor_wsgi import metadata as floor_metadata

    rng = random.Random(args.data_seed)
    seconds = {}
    now = utcnow().replace(microsecond=0)
    starts_at = now - timedelta(minutes=15)
    ends_at = starts_at + timedelta(hours=4)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        floor_metadata.create_all(db.engine)
        password_hash = hash_password(DEMO_PASSWORD)
        seed_units(rng)
        seed_accounts(password_hash)
        seed_members(rng, args.members, password_hash)
        db.session.flush()
        seed_checkpoints(rng)
        seconds["tree, members, checkpoints"] = time.perf_counter() - started

        started = time.perf_counter()
        communities = list(
            db.session.scalars(
                sa.select(Unit.id).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
            )
        )
        staff_ids, staff_of, token_of = seed_staff(communities, password_hash, now)

        checkpoints = list(
            db.session.execute(
                sa.select(
                    Checkpoint.id, Checkpoint.community_id, Checkpoint.lat, Checkpoint.lon
                ).order_by(Checkpoint.id)
            )
        )
        members = defaultdict(list)
        for member_id, community_id in db.session.execute(
            sa.select(Member.id, Member.community_id)
            .where(Member.status == MemberStatus.ACTIVE, Member.phone.like("139%"))
            .order_by(Member.id)
        ):
            members[community_id].append(member_id)
        # each active member signed up to one shift of their community (round robin)
        per_shift = defaultdict(list)
        by_community = defaultdict(list)
        for cp in checkpoints:
            by_community[cp.community_id].append(cp)
        for community_id, member_ids in members.items():
            cps = by_community[community_id]
            for i, member_id in enumerate(member_ids):
                per_shift[cps[i % len(cps)].id].append(member_id)
        check_ins, check_outs = seed_running_shifts(
            rng, checkpoints, per_shift, staff_of, token_of, starts_at, ends_at, now
        )
        db.session.commit()
        seconds["shifts, sign-ups, open attendances, staff"] = time.perf_counter() - started
        started = time.perf_counter()
        analyze(db)
        seconds["ANALYZE"] = time.perf_counter() - started
        counts = {
            "members": db.session.scalar(sa.select(sa.func.count(Member.id))),
            "members_active": sum(len(v) for v in members.values()),
            "communities": len(communities),
            "checkpoints": len(checkpoints),
            "shifts": len(checkpoints),
            "signups": len(check_ins) + len(check_outs),
            "open_attendances": len(check_outs),
            "staff": len(staff_ids),
        }
        db.session.remove()
        db.engine.dispose()
    rng.shuffle(check_ins)
    rng.shuffle(check_outs)
    world = World(
        staff_phones=[STAFF_PHONE.format(i) for i in range(len(communities))],
        check_ins=check_ins,
        check_outs=check_outs,
        counts=counts,
    )
    return app, world, seconds, (starts_at, ends_at)


# --- tokens and clients -------------------------------------------------------------------


def issue_tokens(base: str, phones: list[str], threads: int) -> list[str]:
    """POST /api/v1/auth/tokens for every staff account (rate limits are off). On SQLite
    one at a time: the sign-in holds the write lock through the scrypt check, and with
    four at once some waited out the 10 s busy timeout and got 503 (see bench/README.md)."""
    import json

    from timebank.demo.seed import DEMO_PASSWORD

    def one(phone: str) -> str:
        request = urllib.request.Request(
            base + "/api/v1/auth/tokens",
            data=json.dumps({"phone": phone, "password": DEMO_PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 201:
                raise SystemExit(f"token for {phone}: HTTP {response.status}")
            return json.loads(response.read())["token"]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, phones))


class Clients:
    """`processes` load-generator processes (spawned), each with its share of the pairs."""

    def __init__(self, base: str, processes: int, secret: str, rotate_s: int, tokens, world):
        from . import loadgen

        host, port = base.removeprefix("http://").split(":")
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for i in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=loadgen.client_main,
                args=(
                    child,
                    i,
                    host,
                    int(port),
                    secret,
                    rotate_s,
                    tokens,
                    world.check_ins[i::processes],
                    world.check_outs[i::processes],
                ),
                daemon=True,
            )
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        for pipe in self.pipes:
            pipe.recv()  # ("ready", left)

    def run(self, command: str, params: dict) -> list[dict]:
        for pipe in self.pipes:
            pipe.send((command, params))
        return [pipe.recv()[1] for pipe in self.pipes]

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop", None))
        for proc in self.procs:
            proc.join(timeout=30)


# --- measuring ----------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Run:
    label: str  # "scan" or "floor" or "open"
    round: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    answers: dict
    extra: dict = field(default_factory=dict)

    @property
    def unexpected(self) -> int:
        """Answers other than the one each request was made for (requests of the open loop
        that were not sent because it fell 10 s behind are counted apart)."""
        return sum(n for (want, got), n in self.answers_items() if want != got and got != NOT_SENT)

    @property
    def not_sent(self) -> int:
        return sum(n for (_, got), n in self.answers_items() if got == NOT_SENT)

    def answers_items(self):
        for key, n in self.answers.items():
            want, got = key.split(" -> ", 1)
            yield (want, got), n


def _merge(results: list[dict]) -> tuple[list[float], Counter, float]:
    latencies, answers, last = [], Counter(), 0.0
    for r in results:
        latencies += r["latencies"]
        answers.update(r["answers"])
        last = max(last, r["last"])
    return latencies, answers, last


def closed_run(
    clients: Clients, kind: str, n: int, connections: int, duration: float, meter=None
) -> Run:
    """A closed loop of `connections` connections for `duration` s, against the scan
    endpoint (kind "scan") or the floor ("floor")."""
    threads = [connections // len(clients.pipes)] * len(clients.pipes)
    for i in range(connections % len(clients.pipes)):
        threads[i] += 1
    start = time.monotonic() + 0.3
    if meter:
        meter.start()
    for pipe, t in zip(clients.pipes, threads, strict=True):
        pipe.send(
            (
                "closed",
                dict(kind=kind, threads=t, start=start, end=start + duration),
            )
        )
    results = [pipe.recv()[1] for pipe in clients.pipes]
    latencies, answers, last = _merge(results)
    cpu = meter.stop(len(latencies)) if meter else {}
    seconds = max(last, start + duration) - start
    return Run(
        label=kind,
        round=n,
        requests=len(latencies),
        seconds=seconds,
        rps=len(latencies) / seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=float("nan")),
        answers={f"{w} -> {g}": v for (w, g), v in sorted(answers.items())},
        extra={"left": [r["left"] for r in results], "cpu": cpu},
    )


def open_run(clients: Clients, rate: float, threads: int, duration: float, meter=None) -> Run:
    """`rate` scans/s for `duration` s, whatever the answers' latency (open loop)."""
    start = time.monotonic() + 0.5
    if meter:
        meter.start()
    results = clients.run(
        "open",
        dict(
            rate=rate,
            processes=len(clients.pipes),
            threads=threads,
            start=start,
            duration=duration,
        ),
    )
    latencies, answers, last = _merge(results)
    cpu = meter.stop(len(latencies)) if meter else {}
    service = [x for r in results for x in r["service"]]
    lateness = [x for r in results for x in r["lateness"]]
    seconds = last - start
    return Run(
        label="open",
        round=round(rate),
        requests=len(latencies),
        seconds=seconds,
        rps=len(latencies) / seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=float("nan")),
        answers={f"{w} -> {g}": v for (w, g), v in sorted(answers.items())},
        extra={
            "service_p50_ms": percentile(service, 50),
            "service_p99_ms": percentile(service, 99),
            "sent_late_over_10ms": sum(x > 10 for x in lateness),
            "left": [r["left"] for r in results],
            "cpu": cpu,
        },
    )


# --- checking -----------------------------------------------------------------------------


def check_invariants(app, runs: list[Run], open_attendances: int) -> dict:
    """After the load: SQL checks of what the answers claimed, and verify-ledger."""
    from timebank.checkin.models import Attendance, Scan
    from timebank.extensions import db
    from timebank.ledger.models import LedgerEntry
    from timebank.shifts.models import Shift, Signup

    from .floor_wsgi import floor_table

    answered = Counter()
    for run in runs:
        for (_want, got), n in run.answers_items():
            answered[got] += n
    facts = {}
    with app.app_context():
        q = db.session.scalar
        double = db.session.execute(
            sa.text(
                "SELECT attendance_id, count(*) FROM ledger_entries WHERE kind = 'service' "
                "GROUP BY attendance_id HAVING count(*) > 1"
            )
        ).all()
        facts["attendances credited twice"] = len(double)
        closed = q(
            sa.select(sa.func.count())
            .select_from(Attendance)
            .where(Attendance.checked_out_at.is_not(None))
        )
        closed_uncredited = q(
            sa.select(sa.func.count())
            .select_from(Attendance)
            .where(
                Attendance.checked_out_at.is_not(None),
                ~sa.exists().where(LedgerEntry.attendance_id == Attendance.id),
            )
        )
        facts["closed attendances without a service entry"] = closed_uncredited
        service = q(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "service")
        )
        attendances = q(sa.select(sa.func.count()).select_from(Attendance))
        scans = dict(
            db.session.execute(
                sa.select(Scan.outcome, sa.func.count()).group_by(Scan.outcome)
            ).all()
        )
        floor_rows = q(sa.select(sa.func.count()).select_from(floor_table))
        confirmed = (
            sa.select(sa.func.count())
            .where(Signup.shift_id == Shift.id, Signup.status == "confirmed")
            .scalar_subquery()
        )
        taken_off = q(sa.select(sa.func.count()).select_from(Shift).where(Shift.taken != confirmed))
        db.session.remove()
    expect = {
        "check_out answers = closed attendances = service entries": (
            answered["check_out"],
            closed,
            service,
        ),
        "check_in answers = new attendances": (
            answered["check_in"],
            attendances - open_attendances,
        ),
        "scan answers = rows in scans": (
            sum(
                n
                for k, n in answered.items()
                if k != "floor" and not k.startswith(("error", "http", "no pairs", "not sent"))
            ),
            sum(scans.values()),
        ),
        "floor answers = rows in bench_floor_scans": (answered["floor"], floor_rows),
    }
    facts["scans by stored outcome"] = dict(sorted(scans.items(), key=lambda kv: str(kv[0])))
    for label, values in expect.items():
        facts[label] = " = ".join(f"{v:,}" for v in values) + (
            "  ok" if len(set(values)) == 1 else "  MISMATCH"
        )
    facts["shifts whose taken != confirmed sign-ups"] = taken_off
    flask = Path(sys.executable).parent / "flask"
    started = time.perf_counter()
    done = subprocess.run(
        [str(flask), "--app", "timebank", "verify-ledger"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    facts["flask verify-ledger"] = (
        f"exit {done.returncode} in {time.perf_counter() - started:.1f} s: "
        + (done.stdout or done.stderr).strip().splitlines()[0]
    )
    facts["passed"] = (
        not double
        and not closed_uncredited
        and not taken_off
        and done.returncode == 0
        and all(len(set(v)) == 1 for v in expect.values())
    )
    return facts


# --- the report ---------------------------------------------------------------------------


def others(run: Run) -> float | None:
    """The share of the CPUs other processes (other jobs on the machine) used during a run."""
    return run.extra.get("cpu", {}).get("_others_share")


def print_runs(title: str, runs: list[Run]) -> None:
    print()
    print(title)
    header = (
        f"{'run':<10} {'requests':>8} {'seconds':>7} {'req/s':>8} {'p50':>8} {'p99':>8} "
        f"{'max':>8} {'others':>6}  answers"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        answers = ", ".join(f"{k} {v:,}" for k, v in r.answers.items())
        share = others(r)
        print(
            f"{r.label + ' ' + str(r.round):<10} {r.requests:>8,} {r.seconds:>7.1f} "
            f"{r.rps:>8.1f} {r.p50_ms:>6.1f}ms {r.p99_ms:>6.1f}ms {r.max_ms:>6.0f}ms "
            f"{'' if share is None else f'{share:.0%}':>6}  {answers}"
        )
    print(
        "(others: the share of the 2 CPUs that processes outside this benchmark used during "
        "the run)"
    )


def print_ratio(scan_runs: list[Run], floor_runs: list[Run]) -> float:
    """The ratio of the medians (the target's measure), the median of each round's own
    ratio (scan and floor run back to back), and the same over the rounds in which other
    processes used less than QUIET of the CPUs."""
    scan_s, floor_s = summary_line(scan_runs), summary_line(floor_runs)
    ratio = scan_s["rps_median"] / floor_s["rps_median"]
    print(
        f"medians: scan {scan_s['rps_median']:.1f} req/s (p50 {scan_s['p50_median']:.1f}, "
        f"p99 {scan_s['p99_median']:.1f} ms), floor {floor_s['rps_median']:.1f} req/s "
        f"(p50 {floor_s['p50_median']:.1f}, p99 {floor_s['p99_median']:.1f} ms)"
    )
    pairs = list(zip(scan_runs, floor_runs, strict=False))
    per_round = [a.rps / b.rps for a, b in pairs]
    quiet = [a.rps / b.rps for a, b in pairs if max(others(a) or 0, others(b) or 0) < QUIET]
    print(
        f"scan/floor: ratio of the medians {ratio:.0%}; per round "
        + ", ".join(f"{x:.0%}" for x in per_round)
        + f" (median {statistics.median(per_round):.0%}); rounds where other processes "
        f"used under {QUIET:.0%} of the CPUs: "
        + (f"{len(quiet)}, median {statistics.median(quiet):.0%}" if quiet else "none")
    )
    print(
        f"target scan/floor >= {TARGET_RATIO:.0%}: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'} ({ratio:.0%}, ratio of the medians)"
    )
    return ratio


def summary_line(runs: list[Run]) -> dict:
    return {
        "rps_median": statistics.median(r.rps for r in runs),
        "p50_median": statistics.median(r.p50_ms for r in runs),
        "p99_median": statistics.median(r.p99_ms for r in runs),
    }


# --- one request in-process: time and SQL -------------------------------------------------


def anatomy(
    app, world: World, tokens: list[str], secret: str, count: int, profile: bool = False
) -> tuple[Run, dict]:
    """`count` requests of each kind (floor, check-in, check-out) through Flask's test
    client (the app and the database, no HTTP, no server): milliseconds per request and
    the statements SQLAlchemy sends for the last one of each kind; with `profile`, also
    cProfile's functions of most cumulative time per kind (the timings then include
    cProfile's own cost: compare kinds, not runs)."""
    from timebank.extensions import db
    from timebank.rankings import totals

    from .diagnose import StatementLog
    from .loadgen import FLOOR_PATH, SCAN_PATH, Sender

    sender = Sender("", 0, secret, app.config["QR_ROTATE_S"], tokens)
    # time the ranking totals' share of a check-out (a wrapper that only measures)
    apply_entries, totals_ms = totals.apply_entries, []

    def timed_apply_entries(entries):
        t0 = time.perf_counter()
        try:
            return apply_entries(entries)
        finally:
            totals_ms.append((time.perf_counter() - t0) * 1000)

    client = app.test_client()
    answers: Counter = Counter()
    found = {}
    with app.app_context():
        engine = db.engine
    totals.apply_entries = timed_apply_entries
    for kind in ("floor", "check_in", "check_out"):
        pool = world.check_outs if kind == "check_out" else world.check_ins
        samples, driver, cpu = [], [], []
        totals_ms.clear()
        profiler = cProfile.Profile(time.process_time) if profile else None
        for i in range(count):
            pair = pool[i] if kind == "floor" else pool.pop()
            with StatementLog(engine) as log:
                started, cpu_started = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                response = client.post(
                    FLOOR_PATH if kind == "floor" else SCAN_PATH,
                    data=sender.body(pair),
                    headers=sender.headers[pair[4]],
                )
                if profiler:
                    profiler.disable()
                samples.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            driver.append(log.driver_ms)
            body = response.get_json(silent=True) or {}
            got = (
                body.get("action")
                if response.status_code == 201
                else f"http {response.status_code}"
            )
            answers[(kind, got)] += 1
        found[kind] = {
            "median_ms": statistics.median(samples),
            "p95_ms": percentile(samples, 95),
            # this process's CPU (the app's Python and the driver's; not the database's)
            "cpu_ms": statistics.mean(cpu),
            "statements": log.statements,
            # per statement (by position, requests with the last one's count): median ms
            # in the driver's execute, the round trip and the database's work
            "driver_ms": [
                statistics.median(column)
                for column in zip(*(d for d in driver if len(d) == len(log.driver_ms)), strict=True)
            ],
            "totals_ms": statistics.median(totals_ms) if totals_ms else None,
            "profile": _top_functions(profiler, count) if profiler else None,
            "packages": _own_time_by_package(profiler, count) if profiler else None,
        }
    totals.apply_entries = apply_entries
    run = Run(
        label="in-process",
        round=-1,
        requests=sum(answers.values()),
        seconds=0.0,
        rps=0.0,
        p50_ms=float("nan"),
        p99_ms=float("nan"),
        max_ms=float("nan"),
        answers={f"{w} -> {g}": v for (w, g), v in sorted(answers.items())},
    )
    return run, found


def _app_path(filename: str) -> str:
    """timebank/… for the app's own files, else the file's name."""
    parts = Path(filename).parts
    if "timebank" in parts and "site-packages" not in parts:
        return "/".join(parts[parts.index("timebank") :])
    return Path(filename).name


def _top_functions(profiler: cProfile.Profile, count: int, top: int = 40) -> list:
    """(ms per request cumulative, ms per request own, calls per request, function) of the
    functions with the most cumulative time."""
    stats = pstats.Stats(profiler).stats
    rows = [
        (cum * 1000 / count, own * 1000 / count, calls / count, f"{_app_path(f)}:{line} {name}")
        for (f, line, name), (_, calls, own, cum, _) in stats.items()
    ]
    ours = [r for r in rows if r[3].startswith("timebank/")]
    return sorted(rows, reverse=True)[:top] + [None] + sorted(ours, reverse=True)[:top]


def _own_time_by_package(profiler: cProfile.Profile, count: int) -> list:
    """(ms per request of own time, package) for each package (sqlalchemy, psycopg, flask,
    timebank, the standard library, built-ins…), most first."""
    mine: Counter = Counter()
    for (f, _, _), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():
        parts = Path(f).parts
        if "site-packages" in parts:
            package = parts[parts.index("site-packages") + 1]
        elif "timebank" in parts:
            package = "timebank"
        elif f.startswith("<") or f == "~":
            package = "(built-in or generated)"
        else:
            package = "(standard library)"
        mine[package] += own * 1000 / count
    return mine.most_common()


# --- the report ---------------------------------------------------------------------------


def print_cpu(runs: list[Run]) -> None:
    """Median CPU milliseconds per request, per process group, for each kind of run."""
    kinds = {}
    for r in runs:
        if r.round > 0 and r.extra.get("cpu"):
            kinds.setdefault(r.label, []).append(r.extra["cpu"])
    if not kinds:
        return
    groups = [k for k in next(iter(kinds.values()))[0] if not k.startswith("_")]
    print()
    print("CPU per request (ms, median over the runs; from /proc, 2 CPUs shared by all):")
    header = f"{'':<36}" + "".join(f"{k:>10}" for k in kinds)
    print(header)
    print("-" * len(header))
    for g in [*groups, "_total", "_busy_share", "_others_share"]:
        cells = []
        for values in kinds.values():
            if g == "_total":
                v = statistics.median(sum(c[k] for k in groups) for c in values)
            else:
                v = statistics.median(c[g] for c in values)
            cells.append(f"{v:>9.0%} " if g.endswith("_share") else f"{v:>10.2f}")
        label = {
            "_total": "total",
            "_busy_share": "machine busy",
            "_others_share": "  of which other processes",
        }.get(g, g)
        print(f"{label:<36}" + "".join(cells))


def print_anatomy(found: dict, show_sql: bool) -> None:
    print()
    print("One request in-process (Flask test client, no HTTP; median of the timed requests):")
    for kind, info in found.items():
        fresh = sum(cached is False for _, cached in info["statements"])
        print(
            f"  {kind:<10} {info['median_ms']:6.1f} ms (p95 {info['p95_ms']:.1f}; "
            f"this process's CPU {info['cpu_ms']:.2f} ms, mean), "
            f"{len(info['statements'])} statements ({fresh} compiled again, not from "
            "SQLAlchemy's statement cache)"
            + (
                f"; in rankings.totals.apply_entries {info['totals_ms']:.2f} ms (median)"
                if info.get("totals_ms")
                else ""
            )
        )
    if {"floor", "check_in", "check_out"} <= found.keys():
        scan_cpu = (found["check_in"]["cpu_ms"] + found["check_out"]["cpu_ms"]) / 2
        print(
            f"  this process's CPU, floor / scan (check-in and check-out alike): "
            f"{found['floor']['cpu_ms'] / scan_cpu:.0%} (the database's CPU not counted)"
        )
    for kind, info in found.items():
        if info.get("profile"):
            print(f"  cProfile of the {kind} requests, per request: cumulative ms, own ms, calls")
            for row in info["profile"]:
                if row is None:
                    print("   the app's own functions:")
                    continue
                cum, own, calls, name = row
                print(f"    {cum:7.2f} {own:6.2f} {calls:6.1f}  {name[:100]}")
            print(f"  own time of the {kind} requests by package, ms per request:")
            for package, ms in info["packages"]:
                print(f"    {ms:7.2f}  {package}")
    if show_sql:
        for kind, info in found.items():
            print(
                f"  statements of the last {kind} (* = compiled again), with the median ms "
                "in the driver's execute (round trip and database) of that statement:"
            )
            times = info.get("driver_ms") or [float("nan")] * len(info["statements"])
            for (statement, cached), ms in zip(info["statements"], times, strict=False):
                print(f"    {'*' if cached is False else ' '} {ms:5.2f} {statement[:126]}")
            print(
                f"    in the driver: {sum(times):.2f} ms of the request's "
                f"{info['median_ms']:.2f} ms (medians)"
            )


def print_profile(kind: str, profile: dict, pg: dict) -> None:
    print()
    if profile.get("samples"):
        print(
            f"[{kind}] py-spy samples of the gunicorn workers in request handling: "
            f"{profile['samples']:,}, of which {profile['work_samples']:,} not in a socket "
            "call; share under each frame (inclusive), of all / of those not in a socket call"
        )
        for name, (share, work) in profile["inclusive"].items():
            print(f"    {name:<40} {share:6.1%} {work:6.1%}")
        print("  by innermost frame:")
        for name, share in profile["leaf"].items():
            print(f"    {name:<40} {share:6.1%}")
        print("  top innermost frames:")
        for name, share in profile["top_self"]:
            print(f"    {share:6.1%}  {name[:110]}")
    if pg:
        print(f"[{kind}] PostgreSQL backends of the workers, sampled every 20 ms:")
        for name, share in pg.items():
            print(f"    {name:<48} {share:6.1%}")


# --- the run ------------------------------------------------------------------------------


def run_scans(args) -> None:
    from .diagnose import CpuMeter, PgSampler, analyse_profiles, start_py_spy

    url = None if args.sqlite else args.database_url
    with fresh_database(url, args.keep) as database_url:
        configure_environment(database_url)
        os.environ["BENCH_WHAT_IF"] = ",".join(args.what_if)  # read by the floor_wsgi app
        if not args.recycle:  # read by gunicorn.conf.py: no worker restarts mid-run
            os.environ["GUNICORN_MAX_REQUESTS"] = "0"
        postgres = database_url.startswith("postgresql")
        app, world, seconds, (starts_at, ends_at) = build(args)
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "database": database_version(app),
            "python": platform.python_version(),
            "app code": code_version(),
            "cpus": os.cpu_count(),
            "what-if": ", ".join(args.what_if) + " (patched in: NOT the app as it is)"
            if args.what_if
            else "none (the app as it is)",
            "server": f"gunicorn -c gunicorn.conf.py -w {args.workers} --threads 1 "
            "bench.floor_wsgi:app"
            + (
                " (workers recycled after max_requests, as gunicorn.conf.py says)"
                if args.recycle
                else " (GUNICORN_MAX_REQUESTS=0: no worker recycling during the runs)"
            ),
            "load generator": f"{args.client_processes} processes, {args.connections} "
            "connections in the closed loop, on the same 2 CPUs",
            "data": ", ".join(f"{k} {v:,}" for k, v in world.counts.items()),
            "shifts": f"{starts_at:%H:%M}–{ends_at:%H:%M} UTC (started 15 minutes before)",
            "pairs": f"{len(world.check_ins):,} to check in, {len(world.check_outs):,} "
            "to check out",
            "seeded in": ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()),
        }
        runs: list[Run] = []
        profiles, pg_waits = {}, {}
        secret = os.environ["SECRET_KEY"]
        with tempfile.TemporaryDirectory(prefix="tb-bench-scans-") as tmp:
            log_path = Path(tmp) / "gunicorn.log"
            with gunicorn(
                log_path, app="bench.floor_wsgi:app", workers=args.workers, threads=1
            ) as (base, first_workers):
                master = parent_of(first_workers[0])

                def workers() -> list[int]:
                    """The current workers (gunicorn replaces one that dies or times out)."""
                    return children(master)

                try:
                    tokens = issue_tokens(base, world.staff_phones, 4 if postgres else 1)
                except Exception:
                    print(f"gunicorn log:\n{log_path.read_text(errors='replace')[-4000:]}")
                    raise
                in_process, found = anatomy(
                    app, world, tokens, secret, args.in_process, args.in_process_profile
                )
                runs.append(in_process)
                with app.app_context():
                    from timebank.extensions import db

                    db.engine.dispose()  # its connections are idle from here on
                clients = Clients(
                    base, args.client_processes, secret, app.config["QR_ROTATE_S"], tokens, world
                )
                meter = CpuMeter(workers, [p.pid for p in clients.procs], postgres)
                try:
                    if args.warmup:
                        for kind in ("scan", "floor"):
                            runs.append(closed_run(clients, kind, 0, args.connections, args.warmup))
                    for n in range(1, args.rounds + 1):
                        for kind in ("scan", "floor"):
                            run = closed_run(
                                clients, kind, n, args.connections, args.duration, meter
                            )
                            runs.append(run)
                            print(
                                f"  {kind} round {n}: {run.rps:.1f} req/s, p50 "
                                f"{run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms",
                                flush=True,
                            )
                    for rate in args.rates:
                        run = open_run(clients, rate, args.open_threads, args.duration, meter)
                        runs.append(run)
                        print(
                            f"  open loop {rate:g}/s: p50 {run.p50_ms:.1f} ms, p99 "
                            f"{run.p99_ms:.1f} ms",
                            flush=True,
                        )
                    for kind in {"scan": ["scan"], "both": ["scan", "floor"]}.get(args.profile, []):
                        out_dir = Path(tmp) / f"py-spy-{kind}"
                        out_dir.mkdir()
                        spies = start_py_spy(workers(), args.duration, out_dir)
                        time.sleep(1.0)  # py-spy attaches
                        sampler = PgSampler(database_url) if postgres else None
                        if sampler:
                            sampler.__enter__()
                        run = closed_run(clients, kind, 99, args.connections, args.duration - 3)
                        if sampler:
                            sampler.__exit__(None, None, None)
                            pg_waits[kind] = sampler.shares()
                        run.label = f"{kind}+prof"
                        runs.append(run)
                        for spy in spies:
                            spy.wait(timeout=args.duration + 60)
                        profiles[kind] = analyse_profiles(out_dir)
                        if args.output:
                            RESULTS.mkdir(parents=True, exist_ok=True)
                            (RESULTS / f"{Path(args.output).stem}-{kind}.pyspy.txt").write_text(
                                "\n".join(f.read_text() for f in out_dir.glob("*.txt"))
                            )
                    memory = {pid: memory_kib(pid) for pid in workers()}
                finally:
                    clients.stop()
            gunicorn_log = log_path.read_text(errors="replace")
            if args.output:
                RESULTS.mkdir(parents=True, exist_ok=True)
                (RESULTS / f"{Path(args.output).stem}.gunicorn.log").write_text(gunicorn_log)
        facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        invariants = check_invariants(app, runs, world.counts["open_attendances"])
        report(args, facts, runs, found, profiles, pg_waits, memory, gunicorn_log, invariants)


def report(args, facts, runs, found, profiles, pg_waits, memory, gunicorn_log, invariants):
    print_facts(f"Scans, {facts['database']}", facts)
    print_anatomy(found, args.show_sql)
    scan_runs = [r for r in runs if r.label == "scan" and r.round > 0]
    floor_runs = [r for r in runs if r.label == "floor" and r.round > 0]
    open_runs = [r for r in runs if r.label == "open"]
    print_runs(
        f"(a) closed loop, {args.connections} connections, alternating scan / floor "
        f"({args.duration:g} s each; round 0 = warm-up, {args.warmup:g} s)",
        [r for r in runs if r.label in ("scan", "floor")],
    )
    ratio = float("nan")
    if scan_runs and floor_runs:
        ratio = print_ratio(scan_runs, floor_runs)
    if open_runs:
        print_runs(
            f"(b) open loop at fixed rates ('open N' = N scans/s) for {args.duration:g} s each "
            "(latency from the scheduled send time)",
            open_runs,
        )
        for o in open_runs:
            print(
                f"open {o.round}/s: service time (from the actual send) p50 "
                f"{o.extra['service_p50_ms']:.1f} ms, p99 {o.extra['service_p99_ms']:.1f} ms; "
                f"sent more than 10 ms late: {o.extra['sent_late_over_10ms']}; not sent "
                f"(10 s behind): {o.not_sent}"
            )
        o = max(open_runs, key=lambda r: r.round)
        print(
            f"target p99 < {TARGET_OPEN_P99_MS:.0f} ms at {o.round} scans/s: "
            f"{'met' if o.p99_ms < TARGET_OPEN_P99_MS else 'NOT met'} ({o.p99_ms:.1f} ms)"
        )
    print_cpu(runs)
    prof_runs = [r for r in runs if r.label.endswith("+prof")]
    if prof_runs:
        print_runs("profiled runs (py-spy attached; not in the figures above)", prof_runs)
    unexpected = sum(r.unexpected for r in runs)
    print()
    print(
        f"answers other than the one asked for (duplicates, refusals, errors) over all "
        f"{sum(r.requests for r in runs):,} requests: {unexpected}"
    )
    print(
        "gunicorn workers' peak RSS (VmHWM): "
        + ", ".join(f"{m['VmHWM'] / 1024:.0f} MiB" for m in memory.values())
    )
    notable = [
        line
        for line in gunicorn_log.splitlines()
        if any(w in line for w in ("Traceback", "ERROR", "WARNING", "CRITICAL", "TIMEOUT"))
    ]
    boots = sum("Booting worker" in line for line in gunicorn_log.splitlines())
    print(
        f"gunicorn log: {boots} worker boots for {args.workers} workers, "
        f"{len(notable)} warning/error lines"
        + "".join(f"\n    {line[:200]}" for line in notable[:8])
    )
    print_facts("Invariants after the load", invariants)
    for kind in profiles.keys() | pg_waits.keys():
        print_profile(kind, profiles.get(kind, {}), pg_waits.get(kind, {}))
    if args.output:
        path = write_results(
            args.output,
            {
                "facts": facts,
                "in_process": found,
                "runs": [r.__dict__ for r in runs],
                "ratio": ratio,
                "invariants": invariants,
                "memory_kib": memory,
                "profiles": profiles,
                "postgres_waits": pg_waits,
            },
        )
        print(f"written to {path}")
    if not invariants["passed"] or unexpected:
        raise SystemExit("scans: invariants or answers FAILED")


def add_parser(sub) -> None:
    p = sub.add_parser("scans", help="POST /api/v1/scans under gunicorn against a floor route")
    p.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help=f"postgresql+psycopg://… (created and dropped; default {DEFAULT_URL})",
    )
    p.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    p.add_argument(
        "--recycle",
        action="store_true",
        help="keep gunicorn.conf.py's worker recycling (max_requests 5000 +- 500); off by "
        "default so that no worker restarts with cold caches in the middle of a run",
    )
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    p.add_argument("--duration", type=float, default=30, help="seconds per run")
    p.add_argument("--rounds", type=int, default=3, help="scan / floor rounds (A B A B …)")
    p.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per endpoint")
    p.add_argument(
        "--connections",
        type=int,
        default=None,
        help="concurrent closed-loop connections (default 2 x workers)",
    )
    p.add_argument("--client-processes", type=int, default=2, help="load-generator processes")
    p.add_argument(
        "--rate",
        default="100",
        help="open-loop scans/s; several separated by commas (e.g. 50,100), 0 to skip",
    )
    p.add_argument(
        "--open-threads", type=int, default=16, help="sending threads per client process"
    )
    p.add_argument("--members", type=int, default=80000, help="members to seed")
    p.add_argument(
        "--in-process", type=int, default=20, help="in-process requests of each kind (timed)"
    )
    p.add_argument("--show-sql", action="store_true", help="print the statements of each kind")
    p.add_argument(
        "--in-process-profile",
        action="store_true",
        help="cProfile the in-process requests and print the costliest functions of each kind",
    )
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument(
        "--profile",
        choices=["scan", "both"],
        help="after the measured runs, one more run per endpoint with py-spy on every worker "
        "(needs the bench extra) and pg_stat_activity sampled; prints where the time goes",
    )
    p.add_argument(
        "--what-if",
        action="append",
        default=[],
        choices=what_if.NAMES,
        help="an experiment from bench/what_if.py (e.g. the old way of an app function), patched "
        "in at run time (not the app as it is; the report says so)",
    )
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=_main)


def _main(args) -> None:
    if args.connections is None:
        args.connections = 2 * args.workers
    args.rates = [r for r in (float(x) for x in args.rate.split(",") if x.strip()) if r > 0]
    run_scans(args)
