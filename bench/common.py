"""Pieces shared by the benchmarks: a fresh database, the environment, pages, timing, output.

See bench/README.md. Nothing here is imported by the app or by the test suite.
"""

import http.cookiejar
import json
import os
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
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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


def code_version() -> str:
    """The commit the app code is at, and whether timebank/ has uncommitted changes (others
    edit the app while benchmarks run: the figures belong to this state)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("log", "-1", "--format=%h %ad", "--date=format:%Y-%m-%d %H:%M")
    dirty = [line for line in git("status", "--porcelain", "--", "timebank").splitlines() if line]
    return head + (f" + uncommitted changes in {len(dirty)} files under timebank/" if dirty else "")


def configure_environment(database_url: str) -> None:
    """Production settings, pointed at the bench database (read by create_app and gunicorn)."""
    os.environ.update(
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED="false",
        TIMEBANK_SCHEDULER="off",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )


def analyze(db, vacuum: bool = False) -> None:
    """Planner statistics, as PostgreSQL's autovacuum would gather a little after a bulk load
    (SQLite never does it by itself). With `vacuum`, PostgreSQL also gets the VACUUM that
    autovacuum runs after many inserts (PostgreSQL 13 and later): it sets the visibility map,
    without which an index-only scan still reads every row it counts from the table."""
    if vacuum and db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


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


def sign_in(pages, phone: str, password: str, check_path: str = "/members/") -> None:
    """Through the real login form, with its CSRF token; then `check_path` must answer 200."""
    status, html = pages.get("/login")
    match = CSRF_RE.search(html)
    if status != 200 or not match:
        raise SystemExit(f"login form: status {status}, csrf token found: {bool(match)}")
    status = pages.post(
        "/login", {"csrf_token": match.group(1), "phone": phone, "password": password}
    )
    if status != 302 or pages.get(check_path)[0] != 200:
        raise SystemExit(f"could not sign in as {phone} (login answered {status})")


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, and its Pss (its share of pages
    it shares, e.g. with a preloading master), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1))
        for key in ("VmHWM", "VmRSS")
    }
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        pss = re.search(r"^Pss:\s+(\d+) kB", rollup.read_text(), re.M)
        found["Pss"] = int(pss.group(1)) if pss else 0
    return found


@contextmanager
def gunicorn(
    log_path: Path,
    app: str = "wsgi:app",
    workers: int = 1,
    threads: int | None = None,
    root: Path = ROOT,
) -> Iterator[tuple[str, list[int]]]:
    """`gunicorn [-c gunicorn.conf.py] -w N [--threads T] APP` on a free port, with the
    current environment; yields (base URL, worker pids) once every worker is up, and stops
    it afterwards. gunicorn reads the repository's gunicorn.conf.py from the working
    directory by itself; it is named here so that the command says so. `root` is the
    checkout to serve (another worktree, for old code beside new: gunicorn puts its working
    directory first on sys.path, so that checkout's `timebank` is the one imported)."""
    binary = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    command = [str(binary)]
    if (root / "gunicorn.conf.py").exists():
        command += ["-c", "gunicorn.conf.py"]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if threads is not None:
        command += ["--threads", str(threads)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([*command, app], cwd=root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base, log_path)
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        found = children(proc.pid)
        if len(found) != workers:
            raise SystemExit(f"expected {workers} gunicorn worker(s), found {found}")
        yield base, found
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(proc, base: str, log_path: Path, timeout: float = 60) -> None:
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


def summarise(name: str, samples: list[float], errors: int = 0) -> Timing:
    """Median, 95th percentile, mean and maximum of `samples` (milliseconds)."""
    if not samples:
        nan = float("nan")
        return Timing(name, 0, errors, nan, nan, nan, nan)
    return Timing(
        name=name,
        count=len(samples),
        errors=errors,
        median_ms=statistics.median(samples),
        p95_ms=(
            statistics.quantiles(samples, n=100, method="inclusive")[94]
            if len(samples) > 1
            else samples[0]
        ),
        mean_ms=statistics.fmean(samples),
        max_ms=max(samples),
    )


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
    return summarise(name, samples, errors)


# --- the report ---------------------------------------------------------------------------


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return text + " " * max(width - len(text) - wide, 0)


def print_facts(title: str, facts: dict) -> None:
    print()
    print(title)
    for key, value in facts.items():
        print(f"  {key:<22} {value}")


def print_timings(label: str, timings: list[Timing], width: int = 28) -> None:
    """One table: count, errors, median, p95, mean and maximum per row, in milliseconds."""
    header = (
        f"{'request':<{width}} {'n':>5} {'err':>4} {'median':>9} {'p95':>9} {'mean':>9} {'max':>9}"
    )
    print()
    print(label)
    print(header)
    print("-" * len(header))
    for t in timings:
        print(
            f"{pad(t.name, width)} {t.count:>5} {t.errors:>4} {t.median_ms:>7.1f}ms "
            f"{t.p95_ms:>7.1f}ms {t.mean_ms:>7.1f}ms {t.max_ms:>7.1f}ms"
        )


def write_results(name: str, payload: dict) -> Path:
    """Write `payload` as JSON to bench/results/<name> (gitignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    return path
