"""The `dispatch-intake` benchmark: `POST /api/v1/events` at a fixed rate under gunicorn.

    python -m bench.run dispatch-intake --database-url URL --reuse [--rate 200] [--seconds 20]

Serves the app with the repository's gunicorn.conf.py (`make serve-prod`'s server; workers
`--workers`, default its 2 × CPUs + 1) against a database that `flask seed-demo` filled
(`--reuse`, e.g. the million events of bench/dispatch.md), or a fresh demo without history.
Members of the demo sign in for API tokens first (`--reporters`); then an open loop sends
reports at `--rate` per second for `--seconds`: each request leaves at its scheduled time
from a pool of threads, and its latency counts from that time, so a slow answer that holds
up the next request is counted too (no coordinated omission). A report names a random grid
and category of the demo. Afterwards it checks that every 201 made exactly one event with a
distinct number, and prints the latencies, the achieved rate and the statuses.
"""

import http.client
import json
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa

from .common import (
    code_version,
    configure_environment,
    database_version,
    fresh_database,
    gunicorn,
    print_facts,
    print_timings,
    summarise,
    write_results,
)
from .scans import issue_tokens

TARGET_RATE = 200
TARGET_P99_MS = 100.0


def add_parser(sub) -> None:
    p = sub.add_parser("dispatch-intake", help="POST /events at a fixed rate under gunicorn")
    p.add_argument("--database-url", help="postgresql+psycopg://… (with --reuse: kept)")
    p.add_argument("--reuse", action="store_true", help="use a seeded database as it is")
    p.add_argument("--rate", type=float, default=TARGET_RATE, help="reports per second")
    p.add_argument("--seconds", type=float, default=20.0, help="how long the load runs")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: its config)")
    p.add_argument("--threads", type=int, default=64, help="client threads")
    p.add_argument("--reporters", type=int, default=40, help="members signed in to report")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--output", help="also write JSON to bench/results/<name>")
    p.set_defaults(func=run_intake)


def run_intake(args) -> None:
    if args.reuse:
        if not args.database_url:
            raise SystemExit("--reuse needs --database-url")
        _run(args, args.database_url)
        return
    with fresh_database(args.database_url, args.keep) as url:
        _run(args, url)


def _world(app, args, reuse: bool):
    from timebank.demo.seed import seed_demo
    from timebank.dispatch.models import Event, EventCategory
    from timebank.extensions import db
    from timebank.members.models import Member
    from timebank.units.models import Unit

    with app.app_context():
        if not reuse:
            db.create_all()
            seed_demo(members=max(args.reporters, 50), events=0)
            db.session.commit()
        phones = db.session.scalars(
            sa.select(Member.phone)
            .where(Member.status == "active", Member.phone.like("139%"))
            .order_by(Member.id)
            .limit(args.reporters)
        ).all()
        grids = db.session.scalars(sa.select(Unit.id).where(Unit.level == "grid")).all()
        categories = db.session.scalars(sa.select(EventCategory.code)).all()
        before = db.session.scalar(sa.select(sa.func.max(Event.id))) or 0
        return list(phones), list(grids), list(categories), before


def _load(base: str, tokens, grids, categories, args) -> tuple[list[float], Counter, float]:
    """The open loop: request i leaves at start + i / rate; latency from that time."""
    host = urlparse(base)
    rng = random.Random(5)
    n = int(args.rate * args.seconds)
    plan = [
        (
            rng.choice(tokens),
            {
                "category_code": rng.choice(categories),
                "description": f"基准测试上报 {i}",
                "grid_id": rng.choice(grids),
                "source": "member",
            },
        )
        for i in range(n)
    ]
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def send(i: int) -> None:
        token, body = plan[i]
        due = start + i / args.rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        try:
            conn.request(
                "POST",
                "/api/v1/events",
                body=json.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            status = str(response.status)
        except OSError as exc:
            status = type(exc).__name__
        finally:
            conn.close()
        with lock:
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[status] += 1

    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(send, range(n)))
    elapsed = time.perf_counter() - start
    return latencies, statuses, elapsed


def _check(app, before: int, created: int) -> dict:
    """Every 201 one event, each number once."""
    from timebank.dispatch.models import Event
    from timebank.extensions import db

    with app.app_context():
        count, numbers = db.session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Event.number))).where(
                Event.id > before
            )
        ).one()
    return {"new events": count, "distinct numbers": numbers, "ok": count == numbers == created}


def _run(args, url: str) -> None:
    import os

    configure_environment(url)
    if args.workers:
        os.environ["WEB_CONCURRENCY"] = str(args.workers)
    from timebank import create_app

    app = create_app()
    phones, grids, categories, before = _world(app, args, args.reuse)
    workers = args.workers or _config_workers()
    with (
        tempfile.TemporaryDirectory(prefix="tb-bench-intake-") as tmp,
        gunicorn(Path(tmp) / "gunicorn.log", workers=workers) as (base, pids),
    ):
        tokens = issue_tokens(base, phones, 4)
        latencies, statuses, elapsed = _load(base, tokens, grids, categories, args)
    timing = summarise(
        "POST /api/v1/events", latencies, sum(n for s, n in statuses.items() if s != "201")
    )
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    checked = _check(app, before, statuses.get("201", 0))
    print_facts(
        "dispatch-intake",
        {
            "offered": f"{args.rate:g}/s for {args.seconds:g} s ({len(latencies)} requests)",
            "achieved": f"{len(latencies) / elapsed:.1f}/s",
            "gunicorn workers": len(pids),
            "statuses": dict(statuses),
            "p99": f"{p99:.1f} ms (target < {TARGET_P99_MS:g} ms at {TARGET_RATE}/s)",
            "events": checked,
            "database": database_version(app),
            "code": code_version(),
        },
    )
    print_timings("latency from the scheduled send time", [timing])
    if args.output:
        write_results(
            args.output, {"timing": timing.__dict__, "p99_ms": p99, "statuses": dict(statuses)}
        )


def _config_workers() -> int:
    import multiprocessing
    import os

    return int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
