"""The `dispatch` benchmark: the figures from counters against the plain GROUP BY they
replace, the lists and queues, and a scheduler tick, on a million events.

    python -m bench.run dispatch --events 1000000 --database-url URL [--reuse]
    python -m bench.run dispatch-tick --open 100000 --due 1000 --database-url URL

`dispatch` seeds the demo (tree, accounts, grid workers) and `--events` events (six months)
with the demo's own bulk loader (`seed_events`, COPY on PostgreSQL, no timelines), or with
`--reuse` times a database that `flask seed-demo --events N --no-timeline` filled already
(it is then neither seeded nor dropped). It checks the counters' answers equal the GROUP
BY's and the old design's, then times, alternating in one run: `stats.figures()` and
`figures_by_group_by()` for the district by town and by category over every day with
events, and (PostgreSQL) the old design in one rolled-back transaction that swaps the
covering indexes for the old plain one: counter sums plus `overdue_open` counted from
the events; the lists
(`queries.list_events`: the grid worker's own, the coordinator's new events, the
district's open overdue ones) and the command centre's overdue queue and live state; and
reports the process's peak RSS after the reads.

`dispatch-tick` (PostgreSQL) loads `--open` dispatched events whose deadlines lie ahead,
`--due` of them with the accept deadline just passed (`--handle-due` of those also the
handle deadline: marked and escalated), then for each of `--rounds` rounds times one
scheduler tick (`event_tick_job`) by the old code (`--old`, a commit extracted with `git
archive`) and by this tree's, each in its own process on its own copy of the seeded
database (CREATE DATABASE … TEMPLATE), in alternating order. For each side it prints the
tick's time and SQL statements, and checks that every due event was handled once (one
"overdue" step per deadline, one "escalated" per handle deadline), that a second tick
finds nothing, and that both sides wrote the same notices and outbox messages.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from .common import (
    ROOT,
    analyze,
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    memory_kib,
    print_facts,
    print_timings,
    summarise,
    write_results,
)

TARGET_STATS_MS = 50.0
TARGET_RATIO = 0.1
TARGET_LIST_MS = 20.0
TARGET_TICK_S = 1.0
GRIDWORKER_PHONE = "13800000008"
COORDINATOR_PHONE = "13800000004"
ORGANISER_PHONE = "13800000002"


def add_parser(sub) -> None:
    p = sub.add_parser("dispatch", help="event figures vs GROUP BY, lists at 1M events")
    p.add_argument("--events", type=int, default=1_000_000, help="events of history to seed")
    p.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    p.add_argument("--reuse", action="store_true", help="time an already seeded database")
    p.add_argument("--repeat", type=int, default=15, help="timed rounds of stats vs GROUP BY")
    p.add_argument("--requests", type=int, default=200, help="timed calls per list")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_dispatch)
    t = sub.add_parser("dispatch-tick", help="a scheduler tick over many open events")
    t.add_argument("--open", type=int, default=100_000, help="open dispatched events")
    t.add_argument("--due", type=int, default=1_000, help="of which just became due")
    t.add_argument(
        "--handle-due", type=int, default=0, help="of the due, also past the handle deadline"
    )
    t.add_argument("--old", default="b28a5af", help="the commit whose tick is timed beside")
    t.add_argument("--rounds", type=int, default=2, help="old/new pairs, order alternating")
    t.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    t.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    t.add_argument("--output", help="also write JSON to bench/results/<name>")
    t.set_defaults(func=run_tick)


def _app(url: str):
    configure_environment(url)
    from timebank import create_app

    return create_app()


def _member(phone: str):
    from timebank.extensions import db
    from timebank.members.models import Member

    return db.session.scalar(sa.select(Member).where(Member.phone == phone))


def _time(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _seed(db, events: int) -> None:
    from timebank.demo.seed import seed_demo

    started = time.perf_counter()
    seed_demo(members=2000, events=events, timeline=False)
    db.session.commit()
    print(f"seeded {events} events in {time.perf_counter() - started:.0f} s")


def _old_figures(scope):
    """The figures as they were before the `overdue_open` counter: the counter sums, and
    the open overdue events counted from the events' partial index at each request."""
    from timebank.dispatch import stats
    from timebank.dispatch.models import ASSIGNED, Event
    from timebank.extensions import db

    key = stats._EVENT_KEY[scope.by]
    rows = db.session.execute(
        sa.select(key, sa.func.count())
        .where(
            Event.overdue.is_(True),
            Event.status.in_(ASSIGNED),
            Event.unit_path.startswith(scope.unit.path, autoescape=True),
        )
        .group_by(key)
    ).all()
    late = {k: n for k, n in rows if k is not None}
    groups = stats._sums(stats._counter_query(scope))
    total = stats._sums(stats._total_query(scope)).get(0) or stats._zero()
    for group_id in set(late) - set(groups):
        groups[group_id] = stats._zero()
    for group_id, counts in groups.items():
        counts["overdue_open"] = late.get(group_id, 0)
    total["overdue_open"] = sum(n for _, n in rows)
    return stats._answer(scope, groups, total)


#: The indexes of event_counters before the covering ones (what `--old` times).
OLD_INDEXES = (
    "DROP INDEX ix_event_counters_level",
    "DROP INDEX ix_event_counters_unit",
    "CREATE INDEX ix_event_counters_level_old ON event_counters "
    "(level, category_id, day, unit_path)",
)


def _old_rounds(args, scopes) -> dict:
    """The old design, timed inside one transaction that puts the old plain index back
    in place of the covering ones (PostgreSQL DDL is transactional: rolled back after)."""
    from timebank.extensions import db

    out = {}
    for statement in OLD_INDEXES:
        db.session.execute(sa.text(statement))
    db.session.execute(sa.text("ANALYZE event_counters"))
    try:
        for by, scope in scopes.items():
            _time(lambda s=scope: _old_figures(s), 2)
            samples = _time(lambda s=scope: _old_figures(s), args.repeat)
            out[by] = summarise(f"old: counters + scan by {by}", samples)
    finally:
        db.session.rollback()
    return out


def _plan(scope) -> str:
    """The first line of the counter query's plan, and its heap fetches (PostgreSQL)."""
    from timebank.dispatch.stats import _counter_query
    from timebank.extensions import db

    query = _counter_query(scope).compile(db.engine, compile_kwargs={"literal_binds": True})
    lines = [r[0] for r in db.session.execute(sa.text(f"EXPLAIN (ANALYZE, COSTS OFF) {query}"))]
    scans = [ln.strip() for ln in lines if "Scan" in ln or "Heap Fetches" in ln]
    return "; ".join(scans[:3])


def _stats_rounds(args, scopes) -> dict:
    from timebank.dispatch.stats import figures, figures_by_group_by

    out = {}
    for by, scope in scopes.items():
        answer = figures(scope)
        assert answer == figures_by_group_by(scope), f"answers differ by {by}"
        assert answer == _old_figures(scope), f"old and new answers differ by {by}"
        print(f"plan by {by}: {_plan(scope)}")
        fast, slow = [], []
        for _ in range(args.repeat):
            fast += _time(lambda s=scope: figures(s), 1)
            slow += _time(lambda s=scope: figures_by_group_by(s), 1)
        out[by] = (summarise(f"counters by {by}", fast), summarise(f"GROUP BY by {by}", slow))
    return out


def _lists(args) -> list:
    from timebank.core.clock import utcnow
    from timebank.dispatch import command, queries
    from timebank.units.queries import find_root

    worker, coordinator = _member(GRIDWORKER_PHONE), _member(COORDINATOR_PHONE)
    organiser, district = _member(ORGANISER_PHONE), find_root()
    period = command.period_of(30, utcnow())
    from timebank.blueprints.command.presenters import live_state

    calls = {
        "grid worker: assigned to me": lambda: queries.list_events(worker, assigned_to_me=True),
        "coordinator: new events": lambda: queries.list_events(coordinator, status="reported"),
        "district: open overdue": lambda: queries.list_events(organiser, overdue=True),
        "command: overdue queue": lambda: command.overdue_queue(district),
        "command: live state": lambda: live_state(district, period, now=utcnow(), locale="zh_CN"),
    }
    timings = []
    for name, call in calls.items():
        _time(call, 10)
        timings.append(summarise(name, _time(call, args.requests)))
    return timings


def run_dispatch(args) -> None:
    url = args.database_url
    if args.reuse:
        if not url:
            raise SystemExit("--reuse needs --database-url")
        _run_dispatch(args, url)
        return
    with fresh_database(url, args.keep) as fresh:
        _run_dispatch(args, fresh)


def _run_dispatch(args, url: str) -> None:
    app = _app(url)
    from timebank.dispatch.models import Event
    from timebank.dispatch.stats import Scope
    from timebank.extensions import db
    from timebank.units.queries import find_root

    with app.app_context():
        if not args.reuse:
            db.create_all()
            _seed(db, args.events)
            analyze(db, vacuum=True)
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        first, last = db.session.execute(
            sa.select(sa.func.min(Event.reported_on), sa.func.max(Event.reported_on))
        ).one()
        district = find_root()
        scopes = {by: Scope(district, first, last, by) for by in ("town", "category")}
        print_facts(
            "dispatch",
            {
                "events": n,
                "days": f"{first} .. {last}",
                "database": database_version(app),
                "code": code_version(),
            },
        )
        stats = _stats_rounds(args, scopes)
        old = _old_rounds(args, scopes) if db.engine.dialect.name == "postgresql" else {}
        for by, (fast, slow) in stats.items():
            print_timings(f"/events/stats by {by}", [fast, *([old[by]] if by in old else []), slow])
            ratio = fast.median_ms / slow.median_ms
            met = fast.median_ms < TARGET_STATS_MS and ratio <= TARGET_RATIO
            print(f"  ratio {ratio:.4f}; target < 50 ms and ≤ 0.1: {'met' if met else 'NOT met'}")
            if by in old:
                print(f"  old design / GROUP BY: {old[by].median_ms / slow.median_ms:.4f}")
        lists = _lists(args)
        print_timings("lists and queues (target median < 20 ms)", lists)
        rss = memory_kib(os.getpid())
        print(f"peak RSS of this process after the reads: {rss['VmHWM'] / 1024:.0f} MiB")
        if args.output:
            write_results(
                args.output,
                {
                    "events": n,
                    "stats": {b: [f.__dict__, s.__dict__] for b, (f, s) in stats.items()},
                    "lists": [t.__dict__ for t in lists],
                    "rss_kib": rss,
                },
            )


def _copy_database(url: str, suffix: str) -> str:
    """A copy of the (idle) PostgreSQL database at `url`, made from it as a template."""
    parsed = sa.engine.make_url(url)
    copy = f"{parsed.database}_{suffix}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {copy} TEMPLATE {parsed.database}")
    admin.dispose()
    return parsed.set(database=copy).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")
    admin.dispose()


def _old_tree(ref: str, into: str) -> str:
    """The app code of commit `ref` (git archive), with this tree's compiled catalogues."""
    archive = subprocess.run(
        ["git", "archive", ref, "timebank"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    translations = ROOT / "timebank" / "translations"
    shutil.copytree(translations, Path(into) / "timebank" / "translations", dirs_exist_ok=True)
    return into


def _side(tree: str, url: str, now) -> dict:
    """One tick by the code in `tree`, in its own process, against the database at `url`."""
    env = {**os.environ, "PYTHONPATH": tree}
    script = str(ROOT / "bench" / "tick_side.py")
    out = subprocess.run(
        [sys.executable, script, url, now.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _tick_ok(side: dict, due: int, handle_due: int) -> bool:
    steps = side["steps"]
    return (
        side["done"] == due + handle_due
        and steps.get("overdue") == due + handle_due
        and steps.get("escalated", 0) == handle_due
        and side["marked_twice"] == 0
        and side["second_tick"] == 0
    )


def _print_sides(rounds: list[dict], args) -> bool:
    """Old and new of each round side by side; True when every side handled each due event
    once and both wrote the same notices."""
    ok = True
    print(f"{'round':>5} {'side':<4} {'tick s':>8} {'statements':>10} {'notices':>8} once")
    for i, sides in enumerate(rounds, 1):
        for name, side in sides.items():
            once = _tick_ok(side, args.due, args.handle_due)
            ok = ok and once
            notices = sum(side["notifications"].values())
            print(
                f"{i:>5} {name:<4} {side['seconds']:>8.3f} {side['statements']:>10} "
                f"{notices:>8} {'yes' if once else 'NO'}"
            )
        same = sides["old"]["notifications"] == sides["new"]["notifications"]
        same = same and sides["old"]["outbox"] == sides["new"]["outbox"]
        ok = ok and same
        print(f"      same notices and outbox: {'yes' if same else 'NO'}")
    return ok


def run_tick(args) -> None:
    """Seed once, then per round two copies of the database: one tick by the old code (a
    subprocess on `git archive --old`), one by this tree's, in alternating order."""
    if not args.database_url:
        raise SystemExit("dispatch-tick needs --database-url (PostgreSQL)")
    with fresh_database(args.database_url, args.keep) as url:
        app = _app(url)
        from timebank.core.clock import utcnow
        from timebank.demo.seed import seed_demo
        from timebank.demo.seed_events import seed_open_events
        from timebank.extensions import db

        with app.app_context():
            db.create_all()
            seed_demo(members=200, events=0)
            now = utcnow()
            seed_open_events(
                random.Random(11), args.open, due=args.due, now=now, handle_due=args.handle_due
            )
            db.session.commit()
            analyze(db, vacuum=True)
            database = database_version(app)
            db.session.remove()
            db.engine.dispose()
        rounds = []
        with tempfile.TemporaryDirectory(prefix="tb-old-") as tmp:
            trees = {"old": _old_tree(args.old, tmp), "new": str(ROOT)}
            for r in range(args.rounds):
                order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
                sides = {}
                for name in order:
                    copy = _copy_database(url, f"{name}{r}")
                    try:
                        sides[name] = _side(trees[name], copy, now)
                    finally:
                        _drop_database(copy)
                rounds.append({k: sides[k] for k in ("old", "new")})
        print_facts(
            "dispatch-tick",
            {
                "open dispatched events": args.open,
                "due (accept deadline passed)": args.due,
                "of which also the handle deadline (escalated)": args.handle_due,
                "old code": args.old,
                "new code": code_version(),
                "database": database,
                "target": f"tick < {TARGET_TICK_S} s, each due event handled once",
            },
        )
        ok = _print_sides(rounds, args)
        if args.output:
            write_results(args.output, {"rounds": rounds, "ok": ok})
        if not ok:
            raise SystemExit(1)
