"""Benchmarks of the time bank's pages on a freshly seeded database.

    python -m bench.run members --members 20000 [--database-url URL]

Builds a fresh database (SQLite in a temporary directory unless --database-url names a
PostgreSQL database, which is created and dropped here), seeds the Nansha-shaped demo tree
with N members, then times the member pages twice: in-process with Flask's test client, and
over HTTP against `gunicorn -w 1 wsgi:app`, whose worker's peak RSS (VmHWM) is reported.
See bench/README.md.
"""

import argparse
import http.cookiejar
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
#: The district organiser of the demo data: sees every member, as a coordinator would.
ORGANISER_PHONE = "13800000002"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_MEDIAN_MS = 50.0


# --- the database -------------------------------------------------------------------------


@contextmanager
def fresh_database(url: str | None, keep: bool) -> Iterator[str]:
    """Yield the URL of an empty database: a temporary SQLite file, or a new PostgreSQL one."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
            yield "sqlite:///" + str(Path(tmp) / "bench.sqlite3")
        return
    parsed = sa.engine.make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        raise SystemExit("--database-url: only postgresql URLs (SQLite is the default)")
    name = parsed.database or ""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"--database-url: a plain database name please, not {name!r}")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def _run(sql: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(sql)

    _run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _run(f"CREATE DATABASE {name}")
    try:
        yield url
    finally:
        if not keep:
            _run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def configure_environment(database_url: str) -> None:
    """Production settings, pointed at the bench database (read by create_app and gunicorn)."""
    os.environ.update(
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED="false",
        TIMEBANK_SCHEDULER="off",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )


def build(members: int, analyze: bool = True):
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
        if analyze:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        ids = list(db.session.scalars(sa.select(Member.id).order_by(Member.id)))
        db.session.remove()
    return app, time.perf_counter() - started, ids


def database_version(app) -> str:
    from timebank.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        version = db.session.scalar(sa.text("SHOW server_version"))
        db.session.remove()
        return f"PostgreSQL {version}"


# --- two ways to ask for a page -----------------------------------------------------------


class FlaskClientPages:
    """Pages from the app in this process, through Flask's test client."""

    label = "in-process (Flask test client)"

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, path: str) -> tuple[int, str]:
        response = self.client.get(path)
        return response.status_code, response.get_data(as_text=True)

    def post(self, path: str, data: dict) -> int:
        return self.client.post(path, data=data).status_code


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx comes back as an HTTPError with its status


class HttpPages:
    """Pages over HTTP with urllib and a cookie jar (no third-party client)."""

    label = "gunicorn -w 1, over HTTP"

    def __init__(self, base_url: str):
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))[0]


def sign_in(pages, phone: str, password: str) -> None:
    """Through the real login form, with its CSRF token."""
    status, html = pages.get("/login")
    match = CSRF_RE.search(html)
    if status != 200 or not match:
        raise SystemExit(f"login form: status {status}, csrf token found: {bool(match)}")
    status = pages.post(
        "/login", {"csrf_token": match.group(1), "phone": phone, "password": password}
    )
    if status != 302 or pages.get("/members/")[0] != 200:
        raise SystemExit(f"could not sign in as {phone} (login answered {status})")


# --- timing -------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    count: int
    errors: int
    median_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float


def time_requests(
    pages, name: str, next_path: Callable[[], str], *, warmup: int, count: int
) -> Timing:
    """`warmup` untimed requests, then `count` timed ones; a non-200 answer is an error."""
    for _ in range(warmup):
        pages.get(next_path())
    samples, errors = [], 0
    for _ in range(count):
        path = next_path()
        started = time.perf_counter()
        status, _body = pages.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        errors += status != 200
    return Timing(
        name=name,
        count=count,
        errors=errors,
        median_ms=statistics.median(samples),
        p95_ms=statistics.quantiles(samples, n=100, method="inclusive")[94],
        mean_ms=statistics.fmean(samples),
        max_ms=max(samples),
    )


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


# --- gunicorn -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))
        for key in ("VmHWM", "VmRSS")
    }


@contextmanager
def gunicorn(log_path: Path) -> Iterator[tuple[str, int]]:
    """`gunicorn -w 1 wsgi:app` on a free port; yields (base URL, worker pid)."""
    binary = Path(sys.executable).parent / "gunicorn"
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, base, log_path)
        workers = _children(proc.pid)
        if len(workers) != 1:
            raise SystemExit(f"expected one gunicorn worker, found {workers}")
        yield base, workers[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(proc, base: str, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz in {timeout:.0f} s")


# --- the report ---------------------------------------------------------------------------


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return text + " " * max(width - len(text) - wide, 0)


def print_report(title: str, facts: dict, runs: dict[str, list[Timing]], memory) -> None:
    print()
    print(title)
    for key, value in facts.items():
        print(f"  {key:<22} {value}")
    header = f"{'request':<28} {'n':>5} {'err':>4} {'median':>9} {'p95':>9} {'mean':>9} {'max':>9}"
    for label, timings in runs.items():
        print()
        print(label)
        print(header)
        print("-" * len(header))
        for t in timings:
            print(
                f"{_pad(t.name, 28)} {t.count:>5} {t.errors:>4} {t.median_ms:>7.1f}ms "
                f"{t.p95_ms:>7.1f}ms {t.mean_ms:>7.1f}ms {t.max_ms:>7.1f}ms"
            )
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
        app, seed_s, ids = build(args.members, analyze=not args.no_analyze)
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
                gunicorn(Path(tmp) / "gunicorn.log") as (base, worker),
            ):
                runs[HttpPages.label] = measure(HttpPages(base), ids, args)
                memory = memory_kib(worker)
        print_report(f"Members pages, {facts['database']}", facts, runs, memory)
        if args.output:
            RESULTS.mkdir(parents=True, exist_ok=True)
            path = RESULTS / args.output
            path.write_text(
                json.dumps(
                    {
                        "facts": facts,
                        "memory_kib": memory,
                        "runs": {k: [asdict(t) for t in v] for k, v in runs.items()},
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            print(f"written to {path}")


def main(argv: list[str] | None = None) -> None:
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
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
