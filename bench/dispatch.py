"""The `dispatch` benchmark: the figures from counters against the plain GROUP BY they
replace, the lists and queues, and a scheduler tick, on a million events.

    python -m bench.run dispatch --events 1000000 --database-url URL [--reuse]
    python -m bench.run dispatch-tick --open 100000 --due 1000 --database-url URL

`dispatch` seeds the demo (tree, accounts, grid workers) and `--events` events (six months)
with the demo's own bulk loader (`seed_events`, COPY on PostgreSQL, no timelines), or with
`--reuse` times a database that `flask seed-demo --events N --no-timeline` filled already
(it is then neither seeded nor dropped). It checks the counters' answers equal the GROUP
BY's, then times, alternating in one run: `stats.figures()` and `figures_by_group_by()`
for the district by town and by category over every day with events; the lists
(`queries.list_events`: the grid worker's own, the coordinator's new events, the
district's open overdue ones) and the command centre's overdue queue and live state; and
reports the process's peak RSS after the reads.

`dispatch-tick` loads `--open` dispatched events whose deadlines lie ahead, `--due` of them
with the accept deadline just passed, times one scheduler tick (`event_tick_job`) and
checks that every due event was marked once (one "overdue" step each, nothing else), and
that a second tick finds nothing.
"""

import os
import random
import time
from contextlib import contextmanager

import sqlalchemy as sa

from .common import (
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
        "--mute-notices",
        action="store_true",
        help="time the marking alone: the overdue signal reaches no receiver",
    )
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


def _stats_rounds(args, scopes) -> dict:
    from timebank.dispatch.stats import figures, figures_by_group_by

    out = {}
    for by, scope in scopes.items():
        assert figures(scope) == figures_by_group_by(scope), f"answers differ by {by}"
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
        for by, (fast, slow) in stats.items():
            print_timings(f"/events/stats by {by}", [fast, slow])
            ratio = fast.median_ms / slow.median_ms
            met = fast.median_ms < TARGET_STATS_MS and ratio <= TARGET_RATIO
            print(f"  ratio {ratio:.4f}; target < 50 ms and ≤ 0.1: {'met' if met else 'NOT met'}")
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


@contextmanager
def _muted(mute: bool):
    """With `mute`, the dispatch signals reach nobody (no notices are written)."""
    from timebank.dispatch import signals

    if not mute:
        yield
        return
    with signals.event_overdue.muted(), signals.event_escalated.muted():
        yield


def run_tick(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        app = _app(url)
        from timebank.core.clock import utcnow
        from timebank.demo.seed import seed_demo
        from timebank.demo.seed_events import seed_open_events
        from timebank.dispatch.jobs import event_tick_job
        from timebank.dispatch.models import Event, EventStep
        from timebank.extensions import db

        with app.app_context():
            db.create_all()
            seed_demo(members=200, events=0)
            now = utcnow()
            seed_open_events(random.Random(11), args.open, due=args.due, now=now)
            db.session.commit()
            analyze(db, vacuum=True)
            with _muted(args.mute_notices):
                start = time.perf_counter()
                done = event_tick_job(now)
                seconds = time.perf_counter() - start
            steps = dict(
                db.session.execute(
                    sa.select(EventStep.action, sa.func.count()).group_by(EventStep.action)
                ).all()
            )
            once = db.session.scalar(
                sa.select(sa.func.count(sa.distinct(EventStep.event_id))).where(
                    EventStep.action == "overdue"
                )
            )
            marked = db.session.scalar(
                sa.select(sa.func.count()).select_from(Event).where(Event.overdue.is_(True))
            )
            again = event_tick_job(now)
            ok = done == args.due == marked == once == steps.get("overdue") and again == 0
            print_facts(
                "dispatch-tick",
                {
                    "open dispatched events": args.open,
                    "due": args.due,
                    "handled by the tick": done,
                    "tick": f"{seconds:.3f} s (target < {TARGET_TICK_S} s)",
                    "notices": "muted" if args.mute_notices else "written",
                    "steps written": steps,
                    "second tick": again,
                    "each due event once": "yes" if ok else "NO",
                    "database": database_version(app),
                    "code": code_version(),
                },
            )
            if args.output:
                write_results(args.output, {"seconds": seconds, "done": done, "ok": ok})
            if not ok:
                raise SystemExit(1)
