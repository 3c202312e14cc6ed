"""Benchmarks of the time bank on a freshly seeded database.

    python -m bench.run members --members 20000 [--database-url URL]
    python -m bench.run shifts --members 100000 --shifts 50000 [--database-url URL]
    python -m bench.run board --shifts 50000 --members 20000 --database-url URL [--explain]
    python -m bench.run scans [--database-url URL | --sqlite] [--workers 4] [--duration 30]
    python -m bench.run ledger --entries 1000000 [--database-url URL]
    python -m bench.run mobilisation --members 100000 [--database-url URL]
    python -m bench.run rankings --members 100000 --entries 2000000 [--database-url URL]
    python -m bench.run mixed [--members 80000] [--workers-list 1,2,4] [--soak-minutes 10]

Each builds a fresh database (SQLite in a temporary directory unless --database-url names a
PostgreSQL database, which is created and dropped here) and seeds the Nansha-shaped demo tree.
`members` seeds N members, then times the member pages twice: in-process with Flask's test
client, and over HTTP against `gunicorn -w 1 wsgi:app`, whose worker's peak RSS (VmHWM) is
reported. `shifts` (bench/shifts.py) adds checkpoints, shifts and sign-ups, then times the
board query, the board page and one sign-up, and signs up many members for one shift at once.
`scans` (bench/scans.py) serves the app with a floor route under gunicorn and loads the scan
endpoint and the floor from separate processes (PostgreSQL by default). `ledger`
(bench/ledger.py) builds a long hash chain and times its verification. See bench/README.md.
"""

import argparse
import os
import platform
import random
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from .common import (
    FlaskClientPages,
    HttpPages,
    Timing,
    analyze,
    configure_environment,
    database_version,
    fresh_database,
    gunicorn,
    memory_kib,
    print_facts,
    print_timings,
    sign_in,
    time_requests,
    write_results,
)

#: The district organiser of the demo data: sees every member, as a coordinator would.
ORGANISER_PHONE = "13800000002"
TARGET_MEDIAN_MS = 50.0


# --- the database -------------------------------------------------------------------------


def build(members: int, analyze_after: bool = True):
    """create_all and the demo seed on the bench database; returns (app, seconds, ids).

    ANALYZE afterwards gives the planner statistics, as PostgreSQL's autovacuum would
    within a minute or so of a bulk load (SQLite never does it by itself).
    """
    from timebank import create_app
    from timebank.demo.seed import seed_demo
    from timebank.extensions import db
    from timebank.members.models import Member

    app = create_app()
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        seed_demo(members=members)
        db.session.commit()
        if analyze_after:
            analyze(db)
        ids = list(db.session.scalars(sa.select(Member.id).order_by(Member.id)))
        db.session.remove()
    return app, time.perf_counter() - started, ids


# --- the member pages ---------------------------------------------------------------------


def member_scenarios(ids: list[int], seed: int) -> list[tuple[str, Callable[[], str]]]:
    rng = random.Random(seed)
    search = "/members/?" + urllib.parse.urlencode({"q": "王"})
    return [
        ("members list, page 1", lambda: "/members/"),
        ("search q=王", lambda: search),
        ("members list, page 200", lambda: "/members/?page=200"),
        ("member profile, random id", lambda: f"/members/{rng.choice(ids)}"),
    ]


def measure(pages, ids: list[int], args) -> list[Timing]:
    from timebank.demo.seed import DEMO_PASSWORD

    sign_in(pages, ORGANISER_PHONE, DEMO_PASSWORD)
    return [
        time_requests(pages, name, next_path, warmup=args.warmup, count=args.requests)
        for name, next_path in member_scenarios(ids, args.seed)
    ]


# --- the report ---------------------------------------------------------------------------


def print_report(title: str, facts: dict, runs: dict[str, list[Timing]], memory) -> None:
    print_facts(title, facts)
    for label, timings in runs.items():
        print_timings(label, timings)
    if memory:
        print()
        print(
            f"gunicorn worker memory: peak RSS (VmHWM) {memory['VmHWM'] / 1024:.1f} MiB, "
            f"RSS at the end {memory['VmRSS'] / 1024:.1f} MiB"
        )
    first = next(iter(runs.values()))
    worst = max(t.median_ms for t in first)
    verdict = "met" if worst < TARGET_MEDIAN_MS else "NOT met"
    print(
        f"target (every median under {TARGET_MEDIAN_MS:.0f} ms, in-process): {verdict}, "
        f"slowest median {worst:.1f} ms"
    )


def run_members(args) -> None:
    with fresh_database(args.database_url, args.keep) as url:
        configure_environment(url)
        app, seed_s, ids = build(args.members, analyze_after=not args.no_analyze)
        facts = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": database_version(app),
            "members": f"{len(ids):,} ({args.members:,} generated + demo accounts)",
            "seeded in": f"{seed_s:.1f} s" + ("" if args.no_analyze else " (then ANALYZE)"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "requests": f"{args.requests} timed after {args.warmup} warm-up, per row",
        }
        runs = {FlaskClientPages.label: measure(FlaskClientPages(app), ids, args)}
        from timebank.extensions import db

        with app.app_context():
            db.engine.dispose()
        memory = None
        if not args.no_gunicorn:
            with (
                tempfile.TemporaryDirectory(prefix="tb-bench-log-") as tmp,
                gunicorn(Path(tmp) / "gunicorn.log") as (base, workers),
            ):
                runs[HttpPages.label] = measure(HttpPages(base), ids, args)
                memory = memory_kib(workers[0])
        print_report(f"Members pages, {facts['database']}", facts, runs, memory)
        if args.output:
            path = write_results(
                args.output,
                {
                    "facts": facts,
                    "memory_kib": memory,
                    "runs": {k: [asdict(t) for t in v] for k, v in runs.items()},
                },
            )
            print(f"written to {path}")


def main(argv: list[str] | None = None) -> None:
    from . import (
        board,
        certificates,
        dispatch,
        intake,
        ledger,
        mixed,
        mobilisation,
        notify,
        party,
        rankings,
        records,
        scans,
        shifts,
        sms,
    )

    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="benchmark", required=True)
    members = sub.add_parser("members", help="member list, search, deep page and profile")
    members.add_argument("--members", type=int, default=20000, help="members to seed")
    members.add_argument("--database-url", help="postgresql+psycopg://… (created and dropped)")
    members.add_argument("--requests", type=int, default=200, help="timed requests per row")
    members.add_argument("--warmup", type=int, default=20, help="untimed requests per row")
    members.add_argument("--seed", type=int, default=1, help="random seed for member ids")
    members.add_argument(
        "--no-analyze",
        action="store_true",
        help="leave the planner without statistics after seeding",
    )
    members.add_argument("--no-gunicorn", action="store_true", help="skip the HTTP run")
    members.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    members.add_argument("--output", help="also write JSON to bench/results/<name>")
    members.set_defaults(func=run_members)
    shifts.add_parser(sub)
    board.add_parser(sub)
    scans.add_parser(sub)
    ledger.add_parser(sub)
    mobilisation.add_parser(sub)
    rankings.add_parser(sub)
    mixed.add_parser(sub)
    party.add_parser(sub)
    sms.add_parser(sub)
    certificates.add_parser(sub)
    dispatch.add_parser(sub)
    intake.add_parser(sub)
    notify.add_parser(sub)
    records.add_parser(sub)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
