"""The `mixed` benchmark: a mixed load under gunicorn + PostgreSQL with 1, 2 and 4 workers,
and a soak that watches each worker's memory.

    python -m bench.run mixed [--members 80000] [--duration 60] [--workers-list 1,2,4]
                              [--soak-minutes 10] [--database-url URL]

Seeds a district: the Nansha tree, N members and the 526 checkpoints (the demo seed
functions), shifts over 60 days with sign-ups (bench/shifts.py), a ledger of generated
entries with its ranking totals (bench/rankings.py), one checkpoint shift per checkpoint
running now with members signed up and half of them checked in, and one staff account per
community (as bench/scans.py). Then, with the repository's gunicorn.conf.py and 1, 2 and 4
sync workers in turn (ABC CBA…), a closed loop of a fixed number of connections from
separate client processes sends 90 % reads (the shift board and the rankings, as HTML pages
and through the API) and 10 % writes (sign-ups and scans), and reports requests/s, p50 and
p99 per kind, answers by status, and the speed-up against 1 worker. A soak at one setting
samples every worker's RSS. Afterwards the invariants are checked in SQL and with
`flask --app timebank verify-ledger`. See bench/README.md.
"""

import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import sqlalchemy as sa

from .common import (
    ROOT,
    HttpPages,
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
from .scans import percentile

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/tb_bench_mixed"
USER_AGENT = "tb-bench-mixed"
#: What the closed loop sends, in percent: 90 % reads, 10 % writes.
MIX = {
    "board page": 25,  # GET /shifts/?day=D (HTML, signed-in member: every community, own first)
    "board api": 20,  # GET /api/v1/shifts?community_id=own&from=D&to=D+7 (bearer token)
    "rankings page": 25,  # GET /rankings?by=…&period=… (HTML)
    "rankings api": 20,  # GET /api/v1/rankings?by=…&period=… (bearer token)
    "sign-up": 5,  # POST /api/v1/shifts/{id}/signups (a member, a future shift)
    "scan": 5,  # POST /api/v1/scans (checkpoint staff, a valid QR payload)
}
READS = ("board page", "board api", "rankings page", "rankings api")
RANKING_QUERIES = [
    ("member", "month"),
    ("member", "week"),
    ("member", "year"),
    ("member", "all"),
    ("community", "month"),
    ("town", "month"),
]
SAMPLE_EVERY_S = 15.0
#: The soak's warm-up before its first RSS sample: caches fill in the first requests.
SOAK_WARMUP_S = 30.0
BATCH = 5000

#: (shift id, member id, latitude, longitude, index of the staff token): bench/loadgen.Pair
Pair = tuple[int, int, float, float, int]


# --- seeding ------------------------------------------------------------------------------


@dataclass
class MixedWorld:
    """What the load generator needs to know about the seeded data."""

    staff_phones: list[str]  # index = staff token index
    token_members: list[tuple[str, int]]  # (phone, community id)
    jobs: list[tuple[int, int]]  # sign-ups to make: (shift id, index in token_members)
    check_ins: list[Pair]
    check_outs: list[Pair]
    counts: dict = field(default_factory=dict)


def build(args, seconds: dict):
    """The district: tree, members, checkpoints, shifts and sign-ups, a ledger with its
    ranking totals, shifts running now with members to scan in and out, staff, and the
    sign-ups the load will make. Returns (app, world, now)."""
    from timebank import create_app
    from timebank.core.clock import local, utcnow
    from timebank.core.security import hash_password
    from timebank.demo.seed import DEMO_PASSWORD, seed_accounts, seed_members, seed_units
    from timebank.demo.seed_shifts import seed_checkpoints
    from timebank.extensions import db
    from timebank.members.models import Member, MemberStatus
    from timebank.shifts.models import Checkpoint, Shift, Signup
    from timebank.units.models import Level, Unit

    from . import rankings, scans, shifts

    app = create_app()
    rng = random.Random(args.data_seed)
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        started = time.perf_counter()
        db.create_all()
        password_hash = hash_password(DEMO_PASSWORD)
        seed_units(rng)
        seed_accounts(password_hash)
        seed_members(rng, args.members, password_hash)
        db.session.flush()
        seed_checkpoints(rng)
        seconds["tree, members, checkpoints"] = time.perf_counter() - started

        # shifts over 60 days with their sign-ups (the `shifts` benchmark's seed)
        started = time.perf_counter()
        communities = list(
            db.session.scalars(
                sa.select(Unit.id).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
            )
        )
        members = defaultdict(list)
        for member_id, community_id, skills in db.session.execute(
            sa.select(Member.id, Member.community_id, Member.skills)
            .where(Member.status == MemberStatus.ACTIVE, Member.phone.like("139%"))
            .order_by(Member.id)
        ):
            members[community_id].append((member_id, frozenset(skills or [])))
        world = shifts.World(communities=communities, members=members, shifts=[], busy=set())
        shifts.seed_shifts_and_signups(rng, world, args.shifts, now)
        db.session.commit()
        seconds["shifts and sign-ups"] = time.perf_counter() - started

        # a ledger and its ranking totals (the `rankings` benchmark's seed)
        started = time.perf_counter()
        member_rows = db.session.execute(
            sa.select(Member.id, Member.community_id, Member.status).order_by(Member.id)
        ).all()
        organiser_id = db.session.scalar(
            sa.select(Member.id).where(Member.phone == rankings.ORGANISER_PHONE)
        )
        plan, kinds, _ = rankings.plan_entries(
            rng, member_rows, args.entries, args.days, now, organiser_id
        )
        ledger_seconds: dict = {}
        acc = rankings.load_ledger(
            plan, {m: c for m, c, _ in member_rows}, organiser_id, ledger_seconds
        )
        del plan
        n_totals = rankings.insert_totals(acc)
        del acc
        seconds["ledger and ranking totals"] = time.perf_counter() - started

        # staff, shifts running now, members to scan (the `scans` benchmark's shape)
        started = time.perf_counter()
        staff_ids, staff_of, token_of = scans.seed_staff(communities, password_hash, now)
        starts_at = now - timedelta(minutes=15)
        ends_at = starts_at + timedelta(hours=4)
        today = local(starts_at).date()

        # the members who will use the app through the API and the pages: never scanned
        everyone = [(m, c, s) for c, ms in members.items() for m, s in ms]
        rng.shuffle(everyone)
        token_members = everyone[: args.token_members]
        chosen = {m for m, _, _ in token_members}

        checkpoints = list(
            db.session.execute(
                sa.select(
                    Checkpoint.id, Checkpoint.community_id, Checkpoint.lat, Checkpoint.lon
                ).order_by(Checkpoint.id)
            )
        )
        by_community = defaultdict(list)
        for cp in checkpoints:
            by_community[cp.community_id].append(cp)
        free_today = [
            (m, c) for m, c, _ in everyone[args.token_members :] if (m, today) not in world.busy
        ][: args.scan_pairs]
        per_shift = defaultdict(list)
        for i, (member_id, community_id) in enumerate(free_today):
            cps = by_community[community_id]
            per_shift[cps[i % len(cps)].id].append(member_id)
            world.busy.add((member_id, today))
        running = [cp for cp in checkpoints if per_shift[cp.id]]
        check_ins, check_outs = scans.seed_running_shifts(
            rng, running, per_shift, staff_of, token_of, starts_at, ends_at, now
        )
        db.session.commit()

        # the sign-ups the load will make: for each token member, one published shift of
        # their community (with skills they have) on each day from tomorrow on where they
        # have no sign-up yet, so that a refusal is a real rule outcome (a full shift only
        # waitlists)
        by_day = defaultdict(list)
        for s in world.shifts:
            if s.published and s.starts_at.date() > today:
                by_day[(s.community_id, s.starts_at.date())].append(s)
        jobs = []
        for index, (member_id, community_id, skills) in enumerate(token_members):
            for d in range(1, shifts.DAYS_AHEAD):
                day = today + timedelta(days=d)
                if (member_id, day) in world.busy:
                    continue
                fits = [s for s in by_day[(community_id, day)] if set(s.skills) <= skills]
                if fits:
                    jobs.append((rng.choice(fits).id, index))
                    world.busy.add((member_id, day))
        rng.shuffle(jobs)
        rng.shuffle(check_ins)
        rng.shuffle(check_outs)
        seconds["running shifts, staff, sign-ups to make"] = time.perf_counter() - started

        started = time.perf_counter()
        analyze(db)
        seconds["ANALYZE"] = time.perf_counter() - started
        phones = dict(
            db.session.execute(
                sa.select(Member.id, Member.phone).where(Member.id.in_(chosen))
            ).all()
        )
        counts = {
            "members": db.session.scalar(sa.select(sa.func.count(Member.id))),
            "communities": len(communities),
            "checkpoints": len(checkpoints),
            "shifts": db.session.scalar(sa.select(sa.func.count(Shift.id))),
            "shifts in the coming 7 days": db.session.scalar(
                sa.select(sa.func.count(Shift.id)).where(
                    Shift.starts_at >= now, Shift.starts_at < now + timedelta(days=7)
                )
            ),
            "sign-ups": db.session.scalar(sa.select(sa.func.count(Signup.id))),
            "ledger entries": db.session.scalar(sa.text("SELECT count(*) FROM ledger_entries")),
            "ranking totals": n_totals,
            "shifts running now": len(running),
            "open attendances": len(check_outs),
            "staff": len(staff_ids),
            "token members": len(token_members),
            "sign-ups to make": len(jobs),
            "scan pairs": len(check_ins) + len(check_outs),
        }
        counts.update({f"ledger {k}": v for k, v in kinds.items()})
        db.session.remove()
        db.engine.dispose()
    world = MixedWorld(
        staff_phones=[scans.STAFF_PHONE.format(i) for i in range(len(communities))],
        token_members=[(phones[m], c) for m, c, _ in token_members],
        jobs=jobs,
        check_ins=check_ins,
        check_outs=check_outs,
        counts=counts,
    )
    return app, world, now


def week_days(count: int = 7) -> list[tuple[str, str, str]]:
    """(local date, local midnight ISO, midnight 7 days later ISO) for today and the next
    days: the board's day and the API's week."""
    from timebank.core.clock import LOCAL_TZ, local, utcnow

    today = local(utcnow()).date()
    out = []
    for d in range(count):
        day = today + timedelta(days=d)
        start = datetime.combine(day, clock(), LOCAL_TZ)
        out.append((day.isoformat(), start.isoformat(), (start + timedelta(days=7)).isoformat()))
    return out


# --- tokens and web sessions --------------------------------------------------------------


def web_sessions(base: str, phones: list[str]) -> list[str]:
    """Sign in through the login form (CSRF token from the form) as each of `phones`;
    the Cookie header of each signed-in browser."""
    from timebank.demo.seed import DEMO_PASSWORD

    from .common import sign_in

    cookies = []
    for phone in phones:
        pages = HttpPages(base)
        pages.opener.addheaders = [("User-Agent", USER_AGENT)]
        sign_in(pages, phone, DEMO_PASSWORD, check_path="/shifts/")
        jar = next(
            h.cookiejar
            for h in pages.opener.handlers
            if isinstance(h, urllib.request.HTTPCookieProcessor)
        )
        cookies.append("; ".join(f"{c.name}={c.value}" for c in jar))
    return cookies


# --- the load generator (runs in spawned client processes) --------------------------------


class ClientWork:
    """A client process's share: sign-ups to make and members to scan, each used once."""

    def __init__(self, jobs, check_ins, check_outs):
        self.jobs = list(reversed(jobs))
        self.scans = {
            "check_in": list(reversed(check_ins)),
            "check_out": list(reversed(check_outs)),
        }
        self.turn = 0
        self.lock = threading.Lock()

    def next_job(self):
        with self.lock:
            return self.jobs.pop() if self.jobs else None

    def next_scan(self):
        with self.lock:
            for _ in range(2):
                self.turn ^= 1
                kind = ("check_in", "check_out")[self.turn]
                if self.scans[kind]:
                    return kind, self.scans[kind].pop()
            return None

    def left(self) -> dict:
        return {"sign-ups": len(self.jobs), **{k: len(v) for k, v in self.scans.items()}}


def _label(kind: str, status: int, data: bytes) -> str:
    """An answer as a label: `200`, `201 confirmed`, `201 check_in`, `409 overlapping_shift`,
    `503` …"""
    try:
        body = json.loads(data) if data[:1] in (b"{", b"[") else None
    except ValueError:
        body = None
    if 200 <= status < 300:
        if kind == "sign-up" and isinstance(body, dict):
            return f"{status} {body.get('status')}"
        if kind == "scan" and isinstance(body, dict):
            return f"{status} {body.get('action')}"
        return str(status)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return f"{status} {body['error'].get('code')}"
    return str(status)


def category(label: str) -> str:
    """ok (2xx), rule (409/422: a rule's answer, e.g. a full or overlapping shift), 4xx
    (any other client error: a bench bug or a refused token), 5xx, conn (no answer)."""
    if label.startswith("error"):
        return "conn"
    status = int(label.split()[0])
    if status < 300:
        return "ok"
    if status in (409, 422):
        return "rule"
    if status < 500:
        return "4xx"
    return "5xx"


def _closed_loop(setup: dict, work: ClientWork, sender, params: dict) -> dict:
    host, port = params["host"], params["port"]
    start, end, days = params["start"], params["end"], params["days"]
    kinds, weights = list(MIX), list(MIX.values())
    members, cookies = setup["members"], setup["cookies"]
    member_headers = [
        {"Authorization": f"Bearer {t}", "User-Agent": USER_AGENT} for t, _ in members
    ]
    latencies: dict[str, list[float]] = defaultdict(list)
    done_at: list[tuple[float, float]] = []  # (completion offset s, latency ms), every request
    answers: Counter = Counter()
    skipped: Counter = Counter()
    lock = threading.Lock()

    def request(rng, kind):
        """(method, path, body, headers), or None when this process has nothing left."""
        if kind == "board page":
            day = rng.choice(days)[0]
            return "GET", f"/shifts/?day={day}", None, _cookie(rng)
        if kind == "rankings page":
            by, period = rng.choice(RANKING_QUERIES)
            return "GET", f"/rankings?by={by}&period={period}", None, _cookie(rng)
        if kind == "board api":
            i = rng.randrange(len(members))
            _, start_iso, end_iso = rng.choice(days)
            query = urllib.parse.urlencode(
                {"community_id": members[i][1], "from": start_iso, "to": end_iso}
            )
            return "GET", f"/api/v1/shifts?{query}", None, member_headers[i]
        if kind == "rankings api":
            by, period = rng.choice(RANKING_QUERIES)
            i = rng.randrange(len(members))
            return "GET", f"/api/v1/rankings?by={by}&period={period}", None, member_headers[i]
        if kind == "sign-up":
            job = work.next_job()
            if job is None:
                return None
            shift_id, i = job
            return "POST", f"/api/v1/shifts/{shift_id}/signups", b"", member_headers[i]
        scan = work.next_scan()
        if scan is None:
            return None
        _, pair = scan
        headers = dict(sender.headers[pair[4]], **{"User-Agent": USER_AGENT})
        return "POST", "/api/v1/scans", sender.body(pair), headers

    def _cookie(rng):
        return {"Cookie": rng.choice(cookies), "User-Agent": USER_AGENT}

    def loop(seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine, mine_done, counted, skip = defaultdict(list), [], Counter(), Counter()
        while time.monotonic() < start:
            time.sleep(0.001)
        while time.monotonic() < end:
            kind = rng.choices(kinds, weights)[0]
            req = request(rng, kind)
            if req is None:
                skip[kind] += 1
                continue
            method, path, body, headers = req
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                label = _label(kind, response.status, response.read())
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                label = f"error {type(exc).__name__}"
            ms = (time.perf_counter() - t0) * 1000
            mine[kind].append(ms)
            mine_done.append((time.monotonic() - start, ms))
            counted[(kind, label)] += 1
        conn.close()
        with lock:
            for k, v in mine.items():
                latencies[k].extend(v)
            done_at.extend(mine_done)
            answers.update(counted)
            skipped.update(skip)

    threads = [
        threading.Thread(target=loop, args=(params["seed"] * 1000 + i,))
        for i in range(params["threads"])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "latencies": dict(latencies),
        "done_at": done_at,
        "answers": {f"{k}|{label}": n for (k, label), n in answers.items()},
        "skipped": dict(skipped),
        "left": work.left(),
    }


def client_main(conn, setup: dict) -> None:
    """The body of one client process (spawned): obey commands from the pipe until `stop`."""
    from .loadgen import Sender

    sender = Sender("", 0, setup["secret"], setup["rotate_s"], setup["staff_tokens"])
    work = ClientWork(setup["jobs"], setup["check_ins"], setup["check_outs"])
    conn.send(("ready", work.left()))
    while True:
        command, params = conn.recv()
        if command == "stop":
            break
        conn.send(("closed", _closed_loop(setup, work, sender, params)))
    conn.close()


class Clients:
    """`processes` spawned client processes, each with its share of the writes; they stay up
    across the servers (the port is sent with each command)."""

    def __init__(self, processes: int, secret: str, rotate_s: int, staff, members, cookies, world):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for i in range(processes):
            parent, child = ctx.Pipe()
            setup = dict(
                secret=secret,
                rotate_s=rotate_s,
                staff_tokens=staff,
                members=members,
                cookies=cookies,
                # a member's sign-ups all go to one process: no two of theirs race
                jobs=[j for j in world.jobs if j[1] % processes == i],
                check_ins=world.check_ins[i::processes],
                check_outs=world.check_outs[i::processes],
            )
            proc = ctx.Process(target=client_main, args=(child, setup), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.left = [pipe.recv()[1] for pipe in self.pipes]

    def send(self, base: str, connections: int, duration: float, seed: int) -> float:
        host, port = base.removeprefix("http://").split(":")
        share = [connections // len(self.pipes)] * len(self.pipes)
        for i in range(connections % len(self.pipes)):
            share[i] += 1
        start = time.monotonic() + 0.3
        days = week_days()
        for i, (pipe, threads) in enumerate(zip(self.pipes, share, strict=True)):
            pipe.send(
                (
                    "closed",
                    dict(
                        host=host,
                        port=int(port),
                        threads=threads,
                        start=start,
                        end=start + duration,
                        days=days,
                        seed=seed * 100 + i,
                    ),
                )
            )
        return start

    def receive(self) -> list[dict]:
        results = [pipe.recv()[1] for pipe in self.pipes]
        self.left = [r["left"] for r in results]
        return results

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop", None))
        for proc in self.procs:
            proc.join(timeout=30)


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Run:
    label: str  # "warm-up", "run", "soak"
    workers: int
    seq: int
    seconds: float
    latencies: dict  # kind -> [ms]
    answers: Counter  # (kind, label) -> n
    skipped: dict
    done_at: list = field(default_factory=list)
    cpu: dict = field(default_factory=dict)
    load: tuple = ()
    rss_mib: dict = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def all_latencies(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]

    def categories(self) -> Counter:
        found = Counter()
        for (_, label), n in self.answers.items():
            found[category(label)] += n
        return found

    def summary(self) -> dict:
        kinds = {
            k: {
                "n": len(v),
                "rps": len(v) / self.seconds,
                "p50_ms": percentile(v, 50),
                "p99_ms": percentile(v, 99),
                "max_ms": max(v, default=float("nan")),
            }
            for k, v in sorted(self.latencies.items(), key=lambda kv: list(MIX).index(kv[0]))
        }
        every = self.all_latencies()
        return {
            "label": self.label,
            "workers": self.workers,
            "seq": self.seq,
            "seconds": self.seconds,
            "requests": self.requests,
            "rps": self.rps,
            "p50_ms": percentile(every, 50),
            "p99_ms": percentile(every, 99),
            "kinds": kinds,
            "answers": {f"{k} -> {label}": n for (k, label), n in sorted(self.answers.items())},
            "categories": dict(self.categories()),
            "skipped": self.skipped,
            "cpu_ms_per_request": self.cpu,
            "load_average": self.load,
            "worker_rss_mib": self.rss_mib,
        }


def closed_run(
    clients: Clients,
    base: str,
    args,
    label: str,
    workers: int,
    seq: int,
    meter=None,
    seconds: float | None = None,
):
    """A closed loop of args.connections connections for args.warmup seconds (a warm-up) or
    args.duration (a timed run)."""
    duration = seconds or (args.warmup if label == "warm-up" else args.duration)
    load_before = os.getloadavg()[0]
    clients.send(base, args.connections, duration, seed=args.seed * 1000 + seq)
    if meter:
        meter.start()
    results = clients.receive()
    return _merge(results, label, workers, seq, duration, meter, load_before)


def _merge(results, label, workers, seq, duration, meter, load_before) -> Run:
    latencies: dict[str, list[float]] = defaultdict(list)
    answers: Counter = Counter()
    skipped: Counter = Counter()
    done_at = []
    for r in results:
        for k, v in r["latencies"].items():
            latencies[k].extend(v)
        for key, n in r["answers"].items():
            kind, got = key.split("|", 1)
            answers[(kind, got)] += n
        skipped.update(r["skipped"])
        done_at += r["done_at"]
    requests = sum(len(v) for v in latencies.values())
    last = max((t for t, _ in done_at), default=duration)
    run = Run(
        label=label,
        workers=workers,
        seq=seq,
        seconds=max(last, duration),
        latencies=dict(latencies),
        answers=answers,
        skipped=dict(skipped),
        done_at=done_at,
        load=(round(load_before, 2), round(os.getloadavg()[0], 2)),
    )
    if meter:
        run.cpu = meter.stop(requests)
    return run


# --- checking -----------------------------------------------------------------------------


def check_invariants(app, runs: list[Run], load_started: datetime) -> dict:
    """After the load, in SQL: no shift over capacity, `taken` = confirmed sign-ups, no
    duplicate attendance, no attendance credited twice, the answers against the rows they
    claim; then `flask --app timebank verify-ledger`."""
    from timebank.extensions import db

    answered = Counter()
    for run in runs:
        for (kind, label), n in run.answers.items():
            answered[(kind, label)] += n
    signup_201 = sum(
        n for (k, label), n in answered.items() if k == "sign-up" and label[:3] == "201"
    )
    check_in_201 = answered[("scan", "201 check_in")]
    check_out_201 = answered[("scan", "201 check_out")]
    facts = {}
    with app.app_context():
        one = db.session.scalar
        facts["shifts over capacity (confirmed > capacity)"] = one(
            sa.text(
                "SELECT count(*) FROM shifts s WHERE (SELECT count(*) FROM signups u "
                "WHERE u.shift_id = s.id AND u.status = 'confirmed') > s.capacity"
            )
        )
        facts["shifts whose taken != confirmed sign-ups"] = one(
            sa.text(
                "SELECT count(*) FROM shifts s WHERE s.taken <> (SELECT count(*) FROM signups u "
                "WHERE u.shift_id = s.id AND u.status = 'confirmed')"
            )
        )
        facts["members signed up twice to a shift"] = one(
            sa.text(
                "SELECT count(*) FROM (SELECT 1 FROM signups GROUP BY shift_id, member_id "
                "HAVING count(*) > 1) x"
            )
        )
        facts["duplicate attendances (member, shift)"] = one(
            sa.text(
                "SELECT count(*) FROM (SELECT 1 FROM attendances GROUP BY member_id, shift_id "
                "HAVING count(*) > 1) x"
            )
        )
        facts["attendances credited twice"] = one(
            sa.text(
                "SELECT count(*) FROM (SELECT 1 FROM ledger_entries WHERE kind = 'service' AND "
                "attendance_id IS NOT NULL GROUP BY attendance_id HAVING count(*) > 1) x"
            )
        )
        new_signups = one(
            sa.text("SELECT count(*) FROM signups WHERE queued_at >= :t"), {"t": load_started}
        )
        new_attendances = one(
            sa.text("SELECT count(*) FROM attendances WHERE created_at >= :t"),
            {"t": load_started},
        )
        credited = one(
            sa.text(
                "SELECT count(*) FROM ledger_entries WHERE kind = 'service' "
                "AND attendance_id IS NOT NULL"
            )
        )
        db.session.remove()
    pairs = {
        "sign-up 201 answers = sign-ups queued during the load": (signup_201, new_signups),
        "check_in answers = attendances opened during the load": (check_in_201, new_attendances),
        "check_out answers = service entries for attendances": (check_out_201, credited),
    }
    for label, values in pairs.items():
        facts[label] = " = ".join(f"{v:,}" for v in values) + (
            "  ok" if len(set(values)) == 1 else "  MISMATCH"
        )
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
        + ((done.stdout or done.stderr).strip().splitlines() or [""])[0]
    )
    zero = [k for k, v in facts.items() if isinstance(v, int)]
    facts["passed"] = (
        all(facts[k] == 0 for k in zero)
        and all(len(set(v)) == 1 for v in pairs.values())
        and done.returncode == 0
    )
    return facts


# --- the soak -----------------------------------------------------------------------------


def soak(clients: Clients, args, tmp: Path) -> dict:
    """args.soak_workers workers for args.soak_minutes with the same mix, every worker's
    RSS sampled every SAMPLE_EVERY_S seconds; gunicorn's access log (with the worker's pid)
    counts the requests each worker served."""
    access_log = tmp / "soak-access.log"
    os.environ["GUNICORN_ACCESSLOG"] = str(access_log)
    os.environ["GUNICORN_CMD_ARGS"] = "--access-logformat='%(p)s %(s)s'"
    log_path = tmp / "gunicorn-soak.log"
    duration = args.soak_minutes * 60
    try:
        with gunicorn(log_path, workers=args.soak_workers) as (base, pids):
            master = parent_of(pids[0])
            warm = closed_run(
                clients, base, args, "warm-up", args.soak_workers, 900, seconds=SOAK_WARMUP_S
            )
            served_before = _served(access_log)
            samples = [(0.0, {p: memory_kib(p)["VmRSS"] for p in children(master)})]
            start = clients.send(base, args.connections, duration, seed=args.seed * 1000 + 999)
            load_before = os.getloadavg()[0]
            while not all(pipe.poll(0) for pipe in clients.pipes):
                wake = start + len(samples) * SAMPLE_EVERY_S
                while time.monotonic() < wake and not all(pipe.poll(0) for pipe in clients.pipes):
                    time.sleep(0.2)
                if time.monotonic() >= wake:
                    samples.append(
                        (
                            time.monotonic() - start,
                            {p: memory_kib(p)["VmRSS"] for p in children(master)},
                        )
                    )
            results = clients.receive()
            end_pids = children(master)
            end_memory = {p: memory_kib(p) for p in end_pids}
            samples.append(
                (time.monotonic() - start, {p: m["VmRSS"] for p, m in end_memory.items()})
            )
            served = _served(access_log)
        run = _merge(results, "soak", args.soak_workers, 999, duration, None, load_before)
    finally:
        del os.environ["GUNICORN_ACCESSLOG"]
        del os.environ["GUNICORN_CMD_ARGS"]
    log = log_path.read_text(errors="replace")
    per_worker = {}
    for pid in pids:
        series = [(t, rss[pid] / 1024) for t, rss in samples if pid in rss]
        first, last = series[0], series[-1]
        growth = last[1] - first[1]
        minutes = (last[0] - first[0]) / 60
        half = [s for s in series if s[0] >= series[-1][0] / 2]
        per_worker[pid] = {
            "rss_start_mib": first[1],
            "rss_end_mib": last[1],
            "growth_mib": growth,
            "mib_per_10_min": growth / minutes * 10 if minutes else float("nan"),
            "slope_mib_per_10_min": _slope(series) * 600,
            "slope_second_half_mib_per_10_min": _slope(half) * 600,
            "peak_rss_mib": end_memory.get(pid, {}).get("VmHWM", 0) / 1024,
            "requests": served.get(pid, 0) - served_before.get(pid, 0),
            "alive_at_end": pid in end_pids,
        }
    return {
        "workers": args.soak_workers,
        "minutes": args.soak_minutes,
        "warm_up": warm,
        "run": run,
        "per_worker": per_worker,
        "pids_start": pids,
        "pids_end": end_pids,
        "worker_boots": sum("Booting worker" in line for line in log.splitlines()),
        "samples": [
            (round(t, 1), {p: round(v / 1024, 1) for p, v in s.items()}) for t, s in samples
        ],
        "log_problems": _problems(log),
    }


def _served(access_log: Path) -> Counter:
    """Requests per worker pid so far, from gunicorn's access log (`<pid> status`)."""
    found = Counter()
    if access_log.exists():
        for match in re.finditer(r"^<(\d+)> ", access_log.read_text(errors="replace"), re.M):
            found[int(match.group(1))] += 1
    return found


def _slope(series: list[tuple[float, float]]) -> float:
    """Least-squares slope (MiB per second) of (seconds, MiB)."""
    if len(series) < 2:
        return float("nan")
    xs, ys = zip(*series, strict=True)
    return statistics.linear_regression(xs, ys).slope


def _problems(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if any(w in line for w in ("Traceback", "ERROR", "CRITICAL", "TIMEOUT", "Error"))
    ]


# --- the report ---------------------------------------------------------------------------


def _ms(x: float) -> str:
    return f"{x:.1f}" if x == x else "-"


def print_runs(runs: list[Run]) -> None:
    print()
    print(
        "Every run (closed loop; req/s overall, p50/p99 over every request, then req/s and "
        "p99 per kind; answers by category)"
    )
    kinds = list(MIX)
    header = (
        f"{'run':<14} {'req/s':>7} {'p50':>7} {'p99':>7} "
        + " ".join(f"{k[:13]:>13}" for k in kinds)
        + f" {'load':>11} {'others':>6}  answers"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        s = r.summary()
        cells = []
        for k in kinds:
            ks = s["kinds"].get(k)
            cells.append(f"{ks['rps']:>5.1f}/{ks['p99_ms']:>6.0f}ms" if ks else f"{'-':>13}")
        others = r.cpu.get("_others_share")
        print(
            f"{r.label + ' w' + str(r.workers):<14} {s['rps']:>7.1f} {s['p50_ms']:>6.1f}m "
            f"{s['p99_ms']:>6.1f}m "
            + " ".join(cells)
            + f" {r.load[0]:>5.2f}>{r.load[1]:<5.2f}"
            + f" {'' if others is None else f'{others:.0%}':>6}  "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(s["categories"].items()))
        )
    print(
        "(kind cells: req/s / p99; load: 1-minute load average before > after; others: the "
        "share of the CPUs processes outside the benchmark used)"
    )


def scaling_table(runs: list[Run]) -> list[dict]:
    """Per worker count, every timed run pooled: requests / seconds, percentiles over every
    request, per kind, and the speed-up against 1 worker (or the fewest workers run)."""
    by_workers = defaultdict(list)
    for r in runs:
        if r.label == "run":
            by_workers[r.workers].append(r)
    rows = []
    for workers in sorted(by_workers):
        rs = by_workers[workers]
        seconds = sum(r.seconds for r in rs)
        every = [x for r in rs for x in r.all_latencies()]
        kinds = {}
        for k in MIX:
            lat = [x for r in rs for x in r.latencies.get(k, [])]
            kinds[k] = {
                "rps": len(lat) / seconds,
                "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99),
            }
        cats = Counter()
        for r in rs:
            cats.update(r.categories())
        cpu = [r.cpu for r in rs if r.cpu]
        rows.append(
            {
                "workers": workers,
                "runs": len(rs),
                "rps_each": [round(r.rps, 1) for r in rs],
                "requests": len(every),
                "rps": len(every) / seconds,
                "p50_ms": percentile(every, 50),
                "p99_ms": percentile(every, 99),
                "kinds": kinds,
                "categories": dict(cats),
                "cpu": {k: statistics.median(c[k] for c in cpu) for k in (cpu[0] if cpu else {})},
                "rss_mib": [v for r in rs for v in r.rss_mib.values()],
            }
        )
    base = rows[0]["rps"] if rows else float("nan")
    for row in rows:
        row["speedup"] = row["rps"] / base
    return rows


def print_scaling(rows: list[dict], connections: int) -> None:
    print()
    print(
        f"Scaling ({connections} connections whatever the workers; the timed runs of each "
        "worker count pooled)"
    )
    header = (
        f"{'workers':>7} {'runs':>4} {'req/s':>7} {'each run':>16} {'speed-up':>8} "
        f"{'p50':>7} {'p99':>7}  {'ok':>7} {'rule':>5} {'4xx':>4} {'5xx':>4} {'conn':>4}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        c = row["categories"]
        print(
            f"{row['workers']:>7} {row['runs']:>4} {row['rps']:>7.1f} "
            f"{', '.join(f'{x:.1f}' for x in row['rps_each']):>16} {row['speedup']:>7.2f}x "
            f"{_ms(row['p50_ms']):>6}m {_ms(row['p99_ms']):>6}m  {c.get('ok', 0):>7,} "
            f"{c.get('rule', 0):>5,} {c.get('4xx', 0):>4} {c.get('5xx', 0):>4} "
            f"{c.get('conn', 0):>4}"
        )
    print()
    print("Per kind, req/s and p50 / p99 in ms")
    header = f"{'kind':<14}" + "".join(f"{str(r['workers']) + ' worker(s)':>26}" for r in rows)
    print(header)
    print("-" * len(header))
    for k in MIX:
        cells = []
        for r in rows:
            ks = r["kinds"][k]
            cells.append(f"{ks['rps']:>7.1f}  {_ms(ks['p50_ms']):>6} / {_ms(ks['p99_ms']):>6}")
        print(f"{k:<14}" + "".join(f"{c:>26}" for c in cells))
    groups = [g for g in (rows[0]["cpu"] if rows else {}) if not g.startswith("_")]
    if groups:
        print()
        print("CPU per request (ms, median of the runs; from /proc, the 2 CPUs shared by all)")
        for g in [*groups, "_busy_share", "_others_share"]:
            label = {"_busy_share": "machine busy", "_others_share": "  of which others"}.get(g, g)
            cells = [
                f"{r['cpu'][g]:>9.0%}" if g.startswith("_") else f"{r['cpu'][g]:>9.2f}"
                for r in rows
            ]
            print(f"  {label:<36}" + "".join(cells))


def print_answers(runs: list[Run]) -> None:
    answers = Counter()
    for r in runs:
        answers.update(r.answers)
    print()
    print("Answers by kind over every run (warm-ups and soak included)")
    for kind in MIX:
        mine = {label: n for (k, label), n in answers.items() if k == kind}
        print(f"  {kind:<14} " + ", ".join(f"{label} {n:,}" for label, n in sorted(mine.items())))
    skipped = Counter()
    for r in runs:
        skipped.update(r.skipped)
    if skipped:
        print(f"  not sent (nothing left to sign up or scan): {dict(skipped)}")


def print_soak(result: dict) -> None:
    run: Run = result["run"]
    s = run.summary()
    print()
    print(
        f"Soak: {result['workers']} workers, {result['minutes']:g} minutes, same mix, "
        f"GUNICORN_MAX_REQUESTS=0 (no recycling); {s['requests']:,} requests, "
        f"{s['rps']:.1f} req/s, p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms; "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(s["categories"].items()))
    )
    header = (
        f"{'worker pid':>10} {'requests':>9} {'RSS start':>10} {'RSS end':>9} {'growth':>8} "
        f"{'/10 min':>8} {'slope':>8} {'2nd half':>8} {'peak':>8}"
    )
    print(header)
    print("-" * len(header))
    for pid, w in result["per_worker"].items():
        print(
            f"{pid:>10} {w['requests']:>9,} {w['rss_start_mib']:>8.1f}Mi "
            f"{w['rss_end_mib']:>7.1f}Mi {w['growth_mib']:>+6.1f}Mi "
            f"{w['mib_per_10_min']:>+6.1f}Mi {w['slope_mib_per_10_min']:>+6.1f}Mi "
            f"{w['slope_second_half_mib_per_10_min']:>+6.1f}Mi "
            f"{w['peak_rss_mib']:>6.1f}Mi" + ("" if w["alive_at_end"] else "  (gone at the end)")
        )
    print(
        "(RSS start: after the warm-up; /10 min: (end - start) scaled to 10 minutes; slope: "
        "least squares over every sample, and over the second half only, per 10 minutes)"
    )
    same = sorted(result["pids_start"]) == sorted(result["pids_end"])
    print(
        f"worker pids {'the same at the end' if same else 'CHANGED'} "
        f"({result['pids_start']} -> {result['pids_end']}); {result['worker_boots']} worker "
        f"boots in gunicorn's log; {len(result['log_problems'])} error lines"
        + "".join(f"\n    {line[:200]}" for line in result["log_problems"][:8])
    )
    # throughput and p99 minute by minute, and RSS every minute
    # the answers to requests still in flight at the end count in the last minute
    total = result["minutes"] * 60
    minutes = max(1, math.ceil(total / 60 - 1e-9))
    print("minute  req/s    p99   RSS per worker (MiB) at the end of the minute")
    for m in range(minutes):
        lo, hi = m * 60, min(total, m * 60 + 60)
        last = m == minutes - 1
        lat = [ms for t, ms in run.done_at if lo <= t < hi or (last and t >= hi)]
        rss = [s for t, s in result["samples"] if t <= hi + 1]
        print(
            f"{m + 1:>6} {len(lat) / (hi - lo):>6.1f} {_ms(percentile(lat, 99)):>6}  "
            + (" ".join(f"{v:.1f}" for v in rss[-1].values()) if rss else "")
        )


def run_mixed(args) -> None:
    from .diagnose import CpuMeter

    if not args.database_url.startswith("postgresql"):
        raise SystemExit("--database-url: PostgreSQL only")
    order = list(args.workers)
    for _ in range(1, args.rounds):
        order += list(reversed(order[-len(args.workers) :]))
    with fresh_database(args.database_url, args.keep) as database_url:
        configure_environment(database_url)
        # read by gunicorn.conf.py: no worker restarts mid-run (max_requests 5000 would
        # restart a worker with cold caches in the middle of a run, and hide a leak)
        os.environ["GUNICORN_MAX_REQUESTS"] = "0"
        seconds: dict = {}
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "python": platform.python_version(),
            "app code": code_version(),
            "cpus": os.cpu_count(),
        }
        app, world, _now = build(args, seconds)
        facts["database"] = database_version(app)
        facts["data"] = ", ".join(f"{k} {v:,}" for k, v in world.counts.items())
        facts["seeded in"] = ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items())
        facts["server"] = (
            "gunicorn -c gunicorn.conf.py -w N wsgi:app (sync workers, WEB_CONCURRENCY=N, "
            "GUNICORN_MAX_REQUESTS=0, TIMEBANK_SCHEDULER=off, RATELIMIT_ENABLED=false)"
        )
        facts["worker order"] = " ".join(str(w) for w in order)
        facts["load"] = (
            f"closed loop, {args.connections} connections (whatever the workers) from "
            f"{args.client_processes} spawned client processes on the same CPUs; "
            f"{args.warmup:g} s warm-up then {args.duration:g} s timed per run; mix "
            + ", ".join(f"{k} {v} %" for k, v in MIX.items())
        )
        secret = os.environ["SECRET_KEY"]
        runs: list[Run] = []
        soak_result = None
        with tempfile.TemporaryDirectory(prefix="tb-bench-mixed-") as tmp_name:
            tmp = Path(tmp_name)
            from .scans import issue_tokens

            started = time.perf_counter()
            with gunicorn(tmp / "gunicorn-setup.log", workers=2) as (base, _):
                staff = issue_tokens(base, world.staff_phones, 4)
                members = list(
                    zip(
                        issue_tokens(base, [p for p, _ in world.token_members], 4),
                        [c for _, c in world.token_members],
                        strict=True,
                    )
                )
                cookies = web_sessions(
                    base, [p for p, _ in world.token_members[: args.web_sessions]]
                )
            facts["tokens and sessions"] = (
                f"{len(staff)} staff tokens, {len(members)} member tokens (POST "
                f"/api/v1/auth/tokens), {len(cookies)} web sessions (login form) in "
                f"{time.perf_counter() - started:.1f} s"
            )
            clients = Clients(
                args.client_processes,
                secret,
                app.config["QR_ROTATE_S"],
                staff,
                members,
                cookies,
                world,
            )
            load_started = datetime.now(UTC)
            problems = []
            try:
                for seq, workers in enumerate(order, start=1):
                    os.environ["WEB_CONCURRENCY"] = str(workers)
                    log_path = tmp / f"gunicorn-{seq}.log"
                    with gunicorn(log_path, workers=workers) as (base, pids):
                        master = parent_of(pids[0])
                        meter = CpuMeter(
                            lambda master=master: children(master),
                            [p.pid for p in clients.procs],
                            True,
                        )
                        runs.append(closed_run(clients, base, args, "warm-up", workers, seq))
                        run = closed_run(clients, base, args, "run", workers, seq, meter)
                        run.rss_mib = {p: memory_kib(p)["VmRSS"] / 1024 for p in children(master)}
                        runs.append(run)
                        s = run.summary()
                        print(
                            f"  run {seq} ({workers} worker(s)): {s['rps']:.1f} req/s, p50 "
                            f"{s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, "
                            + ", ".join(f"{k} {v:,}" for k, v in sorted(s["categories"].items())),
                            flush=True,
                        )
                    problems += [f"[{workers}w] {x}" for x in _problems(log_path.read_text())]
                if args.soak_minutes > 0:
                    print(
                        f"  soak: {args.soak_workers} workers for {args.soak_minutes:g} min…",
                        flush=True,
                    )
                    soak_result = soak(clients, args, tmp)
                    runs += [soak_result["warm_up"], soak_result["run"]]
            finally:
                clients.stop()
        facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        facts["left for the load"] = str(clients.left)
        invariants = check_invariants(app, runs, load_started)
        print_facts(f"Mixed load, {facts['database']}", facts)
        print_runs(runs)
        rows = scaling_table(runs)
        print_scaling(rows, args.connections)
        print_answers(runs)
        if problems:
            print()
            print(f"gunicorn log error lines ({len(problems)}):")
            for line in problems[:20]:
                print(f"    {line[:220]}")
        if soak_result:
            print_soak(soak_result)
        print_facts("Invariants after the load", invariants)
        if args.output:
            payload = {
                "facts": facts,
                "runs": [r.summary() for r in runs],
                "scaling": rows,
                "invariants": invariants,
                "gunicorn_problems": problems,
            }
            if soak_result:
                payload["soak"] = {
                    k: v for k, v in soak_result.items() if k not in ("run", "warm_up")
                } | {"summary": soak_result["run"].summary()}
            print(f"written to {write_results(args.output, payload)}")
        server_errors = sum(r.categories().get(c, 0) for r in runs for c in ("5xx", "conn"))
        if not invariants["passed"] or server_errors:
            raise SystemExit(
                f"mixed: invariants {'ok' if invariants['passed'] else 'FAILED'}, "
                f"{server_errors} 5xx or connection errors"
            )


def add_parser(sub) -> None:
    p = sub.add_parser(
        "mixed", help="90 %% reads / 10 %% writes under gunicorn with 1, 2, 4 workers; a soak"
    )
    p.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help=f"postgresql+psycopg://… (created and dropped; default {DEFAULT_URL})",
    )
    p.add_argument("--members", type=int, default=80000, help="members to seed")
    p.add_argument("--shifts", type=int, default=None, help="shifts to seed (default members/2)")
    p.add_argument("--entries", type=int, default=300_000, help="ledger entries to seed")
    p.add_argument("--days", type=int, default=90, help="days of ledger history")
    p.add_argument("--duration", type=float, default=60, help="timed seconds per run")
    p.add_argument("--warmup", type=float, default=10, help="untimed seconds before each run")
    p.add_argument("--workers-list", default="1,2,4", help="gunicorn worker counts, in this order")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="passes over the worker counts, every other one reversed (2: 1 2 4 4 2 1)",
    )
    p.add_argument(
        "--connections", type=int, default=8, help="closed-loop connections, for every run"
    )
    p.add_argument("--client-processes", type=int, default=2, help="load-generator processes")
    p.add_argument("--soak-minutes", type=float, default=10, help="minutes of soak (0 to skip)")
    p.add_argument("--soak-workers", type=int, default=2, help="gunicorn workers in the soak")
    p.add_argument(
        "--token-members", type=int, default=300, help="members with API tokens (readers, sign-ups)"
    )
    p.add_argument(
        "--web-sessions", type=int, default=16, help="members signed in through the login form"
    )
    p.add_argument(
        "--scan-pairs", type=int, default=30000, help="members signed up to shifts running now"
    )
    p.add_argument("--seed", type=int, default=1, help="random seed for the load")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=_main)


def _main(args) -> None:
    args.workers = [int(x) for x in args.workers_list.split(",") if x.strip()]
    if args.shifts is None:
        args.shifts = max(1000, args.members // 2)
    run_mixed(args)
