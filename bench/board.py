"""The `board` benchmark: the shift board's first page at district scale.

    python -m bench.run board --shifts 50000 --members 20000 --database-url URL [--explain]

Seeds as `shifts` does (bench/shifts.py: the Nansha tree, members, 526 checkpoints, shifts
over 60 days with sign-ups), then times (a) the board query, old and new side by side in an
app context: `queries.list_shifts(limit=61)` (the page before keyset paging) and
`board.board_page` (25 shifts, own community first); (b) the board pages over HTTP against
`gunicorn -w 1 wsgi:app`: the first page, the "load more" page and a search, with the size of
each answer; (c) a load run of several clients on that worker, after which its resident
memory is read. With --explain, the EXPLAIN ANALYZE plans of the new query's statements.
See bench/README.md.
"""

import cProfile
import io
import pstats
import random
import re
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from .common import (
    ROOT,
    FlaskClientPages,
    HttpPages,
    Timing,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    gunicorn,
    memory_kib,
    print_facts,
    print_timings,
    sign_in,
    summarise,
    time_requests,
    write_results,
)
from .shifts import DAYS_AHEAD, MEMBER_PHONE, World, _short_plan_line, _short_sql, build

TARGET_MS, TARGET_KB, TARGET_RSS_MIB = 20.0, 40.0, 110.0
MORE_RE = re.compile(r'href="([^"]+)" data-load-more')


def _window(rng, today):
    """A board window [day, day + 7) inside the seeded future, as the page computes it."""
    from timebank.core.clock import LOCAL_TZ, utcnow

    day = today + timedelta(days=rng.randrange(DAYS_AHEAD - 6))
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    return max(utcnow(), start), start + timedelta(days=7), day


def time_queries(app, world, args) -> list[Timing]:
    """The old and the new board query for random communities and weeks, each in its own
    app context and session, as a request would."""
    from timebank.core.clock import local, utcnow
    from timebank.core.db import write_intent
    from timebank.extensions import db
    from timebank.shifts import board, queries

    def old(community_id, start, end):
        return queries.list_shifts(
            starts_from=start, starts_before=end, first_community_id=community_id, limit=61
        )

    def new(community_id, start, end):
        wanted = board.BoardFilter(
            starts_from=start, starts_before=end, first_community_id=community_id
        )
        return board.board_page(wanted).rows

    def new_search(community_id, start, end):
        wanted = board.BoardFilter(
            starts_from=start, starts_before=end, first_community_id=community_id, text="卡口"
        )
        return board.board_page(wanted).rows

    out = []
    token = write_intent.set(False)
    try:
        for name, call in (
            ("old: list_shifts, 61 rows", old),
            ("new: board_page, 25 rows", new),
            ("new: board_page, q=卡口", new_search),
        ):
            rng = random.Random(args.seed)
            today = local(utcnow()).date()
            samples = []
            for i in range(args.warmup + args.requests):
                community_id = rng.choice(world.communities)
                start, end, _day = _window(rng, today)
                started = time.perf_counter()
                with app.app_context():
                    call(community_id, start, end)
                    db.session.rollback()
                if i >= args.warmup:
                    samples.append((time.perf_counter() - started) * 1000)
            out.append(summarise(name, samples))
    finally:
        write_intent.reset(token)
    return out


def explain(app, world, args) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT the new first page's shifts take
    (`board_cards`, as the page reads them)."""
    from timebank.core.clock import local, utcnow
    from timebank.extensions import db
    from timebank.shifts import board

    rng = random.Random(args.seed)
    community_id = rng.choice(world.communities)
    start, end, _day = _window(rng, local(utcnow()).date())
    captured, out = [], []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            wanted = board.BoardFilter(
                starts_from=start, starts_before=end, first_community_id=community_id
            )
            board.board_cards(wanted, member_id=1)
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        db.session.rollback()
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        prefix += "" if engine.dialect.name == "sqlite" else "(ANALYZE, BUFFERS) "
        for statement, parameters in captured:
            out.append(f"-- community {community_id}, week from {start.date()}:")
            out.append(_short_sql(statement))
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(prefix + statement, parameters)
                out += ["   " + _short_plan_line(" | ".join(str(c) for c in r)) for r in rows]
        db.session.remove()
    return out


def time_in_process(app, args) -> tuple[Timing, list[str]]:
    """The first page through Flask's test client, signed in as the demo member; with
    --profile, the statements one page sends and where its time goes (cProfile)."""
    from timebank.core.clock import local, utcnow
    from timebank.demo.seed import DEMO_PASSWORD
    from timebank.extensions import db

    pages = FlaskClientPages(app)
    sign_in(pages, MEMBER_PHONE, DEMO_PASSWORD, check_path="/shifts/")
    rng = random.Random(args.seed + 1)
    today = local(utcnow()).date()
    paths = [f"/shifts/?day={_window(rng, today)[2].isoformat()}" for _ in range(args.requests)]
    timing = time_requests(
        pages,
        "first page, in-process",
        iter(paths * 2).__next__,
        warmup=args.warmup,
        count=args.requests,
    )
    if not args.profile:
        return timing, []
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(_short_sql(statement))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        pages.get(paths[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths[:50]:
        pages.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    lines = [f"{len(statements)} statements for one first page:"]
    lines += ["   " + s for s in statements]
    return timing, lines + out.getvalue().splitlines()


def time_pages(bases: dict[str, str], args) -> tuple[list[Timing], dict[str, float]]:
    """The first page, its "load more" page and a search, signed in as a demo member, asked
    of every server in turn (old, new, old, new, …) so that the machine's load, whatever
    else runs on it, falls on each alike."""
    from timebank.core.clock import local, utcnow
    from timebank.demo.seed import DEMO_PASSWORD

    sides = {}
    for side, base in bases.items():
        sides[side] = HttpPages(base)
        sign_in(sides[side], MEMBER_PHONE, DEMO_PASSWORD, check_path="/shifts/")
    rng = random.Random(args.seed + 1)
    today = local(utcnow()).date()
    n = args.warmup + args.requests
    firsts = [f"/shifts/?day={_window(rng, today)[2].isoformat()}" for _ in range(n)]
    mores = []
    for path in firsts[: min(n, 40)]:
        found = MORE_RE.search(next(iter(sides.values())).get(path)[1])
        if found:
            mores.append(found.group(1).replace("&amp;", "&"))
    mores = (mores * (n // max(len(mores), 1) + 1))[:n] if mores else []
    timings, sizes = [], {}
    for name, paths in (
        ("first page, all, own first", firsts),
        ("first page, today", ["/shifts/"] * n),
        ("load more (page 2)", mores),
        ("search q=卡口", ["/shifts/?q=%E5%8D%A1%E5%8F%A3"] * n),
    ):
        samples = {side: [] for side in sides}
        kib = {side: [] for side in sides}
        errors = dict.fromkeys(sides, 0)
        for i, path in enumerate(paths):
            for side, pages in sides.items():
                started = time.perf_counter()
                status, body = pages.get(path)
                if i >= args.warmup:
                    samples[side].append((time.perf_counter() - started) * 1000)
                    kib[side].append(len(body.encode()) / 1024)
                    errors[side] += status != 200
        for side in sides:
            label = f"{side}: {name}"
            timings.append(summarise(label, samples[side], errors[side]))
            sizes[label] = sum(kib[side]) / max(len(kib[side]), 1)
    return timings, sizes


def load_run(base, args) -> dict:
    """`--clients` signed-in clients in a closed loop on first pages for `--load-seconds`."""
    from timebank.core.clock import local, utcnow
    from timebank.demo.seed import DEMO_PASSWORD

    today = local(utcnow()).date()
    clients = []
    for _ in range(args.clients):  # signed in before the clock starts (hashing is slow)
        pages = HttpPages(base)
        sign_in(pages, MEMBER_PHONE, DEMO_PASSWORD, check_path="/shifts/")
        clients.append(pages)
    deadline = time.monotonic() + args.load_seconds
    done, errors = [], []

    def client(k):
        pages, rng = clients[k], random.Random(k)
        count = bad = 0
        while time.monotonic() < deadline:
            status, _ = pages.get(f"/shifts/?day={_window(rng, today)[2].isoformat()}")
            count, bad = count + 1, bad + (status != 200)
        done.append(count)
        errors.append(bad)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests": sum(done), "errors": sum(errors), "seconds": args.load_seconds}


def _reused(url: str):
    """The app and a World of communities and counts on a database seeded before (--keep)."""
    from timebank import create_app
    from timebank.extensions import db
    from timebank.units.models import Level, Unit

    configure_environment(url)
    app = create_app()
    with app.app_context():
        count = db.session.scalar
        world = World(
            communities=list(
                count(sa.select(sa.func.array_agg(Unit.id)).where(Unit.level == Level.COMMUNITY))
            ),
            members={},
            shifts=[],
            busy=set(),
        )
        for table in ("shifts", "signups", "members"):
            world.counts[table] = count(sa.text(f"SELECT count(*) FROM {table}"))
        db.session.remove()
    return app, world, {"reused": 0.0}


@contextmanager
def _database(args):
    if args.reuse:
        yield args.database_url
        return
    with fresh_database(args.database_url, args.keep) as url:
        yield url


def _tree_version(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%h %cd", "--date=format:%Y-%m-%d %H:%M"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "timebank"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return done.stdout.strip() + (" + changes" if dirty else "")


def run_board(args) -> None:
    with _database(args) as url:
        configure_environment(url)
        app, world, seconds = _reused(url) if args.reuse else build(args)
        c = world.counts
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "code": code_version(),
            "database": database_version(app),
            "shifts": f"{c['shifts']:,} over {len(world.communities)} communities, 60 days",
            "sign-ups": f"{c['signups']:,}",
            "members": f"{c['members']:,}",
            "seeded in": ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()),
            "runs": f"{args.requests} timed after {args.warmup} warm-up, per row",
        }
        queries_t = time_queries(app, world, args)
        plans = explain(app, world, args) if args.explain else []
        in_process, profile = time_in_process(app, args)
        from timebank.extensions import db

        with app.app_context():
            db.engine.dispose()
        roots = {"new": ROOT} if args.old_tree is None else {"old": args.old_tree, "new": ROOT}
        facts["servers"] = ", ".join(
            f"{side} {_tree_version(root)}" for side, root in roots.items()
        )
        with tempfile.TemporaryDirectory(prefix="tb-bench-log-") as tmp, ExitStack() as stack:
            served = {
                side: stack.enter_context(gunicorn(Path(tmp) / f"{side}.log", root=root))
                for side, root in roots.items()
            }
            started = {side: memory_kib(workers[0]) for side, (_b, workers) in served.items()}
            bases = {side: base for side, (base, _w) in served.items()}
            pages_t, sizes = time_pages(bases, args)
            loads, memory = {}, {}
            for side, (base, workers) in served.items():  # one at a time: each has the CPUs
                loads[side] = load_run(base, args)
                memory[side] = memory_kib(workers[0]) | {
                    f"{k}_at_start": v for k, v in started[side].items()
                }
        print_facts(f"Shift board, {facts['database']}", facts)
        print_timings("(a) board query in an app context", queries_t, width=34)
        print_timings("(a2) board page, in-process (test client)", [in_process], width=34)
        print_timings("(b) board pages, gunicorn -w 1, over HTTP, in turn", pages_t, width=34)
        print("answer sizes: " + ", ".join(f"{k} {v:.1f} KB" for k, v in sizes.items()))
        for side, load in loads.items():
            m = memory[side]
            print(
                f"(c) {side}: load run {load['requests']} first pages from {args.clients} "
                f"clients in {load['seconds']} s, {load['errors']} errors; worker RSS after it "
                f"{m['VmRSS'] / 1024:.1f} MiB, PSS {m.get('Pss', 0) / 1024:.1f} MiB (peak "
                f"{m['VmHWM'] / 1024:.1f}, {m['VmRSS_at_start'] / 1024:.1f} MiB when started)"
            )
        first = next(t for t in pages_t if t.name.startswith("new: first page"))
        kb, rss = sizes[first.name], memory["new"]["VmRSS"] / 1024
        for label, ok in (
            (
                f"first page median < {TARGET_MS:.0f} ms ({first.median_ms:.1f} HTTP, "
                f"{in_process.median_ms:.1f} in-process)",
                first.median_ms < TARGET_MS,
            ),
            (f"first page < {TARGET_KB:.0f} KB ({kb:.1f})", kb < TARGET_KB),
            (f"worker RSS < {TARGET_RSS_MIB:.0f} MiB ({rss:.1f})", rss < TARGET_RSS_MIB),
        ):
            print(f"target {label}: {'met' if ok else 'NOT met'}")
        if plans:
            print("\n" + "\n".join(plans))
        if profile:
            print("\n" + "\n".join(profile))
        if args.output:
            payload = {
                "facts": facts,
                "queries": [asdict(t) for t in queries_t],
                "pages": [asdict(t) for t in pages_t],
                "sizes_kb": sizes,
                "in_process": asdict(in_process),
                "load": loads,
                "memory_kib": memory,
                "plans": plans,
            }
            print(f"written to {write_results(args.output, payload)}")


def add_parser(sub) -> None:
    p = sub.add_parser("board", help="the board's first page: query, HTTP, size, memory")
    p.add_argument("--members", type=int, default=20000, help="members to seed")
    p.add_argument("--shifts", type=int, default=50000, help="shifts to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--requests", type=int, default=200, help="timed runs per row")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs per row")
    p.add_argument("--clients", type=int, default=4, help="clients in the load run")
    p.add_argument("--load-seconds", type=int, default=30, help="length of the load run")
    p.add_argument("--seed", type=int, default=1, help="random seed for the picks")
    p.add_argument("--data-seed", type=int, default=2022, help="random seed for the data")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    p.add_argument(
        "--old-tree",
        type=Path,
        help="another checkout (e.g. a worktree of main) served beside this one, in turn",
    )
    p.add_argument("--profile", action="store_true", help="statements and cProfile of a page")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--reuse", action="store_true", help="time a database seeded before with --keep")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_board)
