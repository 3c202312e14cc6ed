"""Where the time of a request goes: CPU per process group, PostgreSQL wait states, a
py-spy profile of the gunicorn workers, and the SQL one request sends.

Used by `python -m bench.run scans` (bench/scans.py); Linux only (reads /proc).
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


# --- CPU time per process group -----------------------------------------------------------


def _ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])


def postgres_pids() -> list[int]:
    """Every process called `postgres` on this machine (server, backends, WAL writer…)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def _machine() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


class CpuMeter:
    """CPU used during a run by the gunicorn workers, PostgreSQL, the load generator, and
    everything else on the machine (this process, other jobs), per request."""

    def __init__(self, workers, clients: list[int], postgres: bool):
        """`workers`: a function returning the current worker pids."""
        self.workers, self.clients = workers, clients
        self.postgres = postgres

    def _snapshot(self) -> dict:
        groups = {"app (gunicorn workers)": self.workers(), "load generator": self.clients}
        snap = {name: {p: _ticks(p) for p in pids} for name, pids in groups.items()}
        if self.postgres:
            snap["PostgreSQL"] = {p: _ticks(p) for p in postgres_pids()}
        snap["_machine"] = _machine()
        snap["_time"] = time.monotonic()
        return snap

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self, requests: int) -> dict:
        after = self._snapshot()
        result, accounted = {}, 0
        for name, ticks in after.items():
            if name.startswith("_"):
                continue
            delta = sum(t - self.before[name].get(p, 0) for p, t in ticks.items())
            accounted += delta
            result[name] = delta * TICK_MS / max(requests, 1)
        busy = after["_machine"][0] - self.before["_machine"][0]
        total = after["_machine"][1] - self.before["_machine"][1]
        result["other (this process, other jobs)"] = (
            max(busy - accounted, 0) * TICK_MS / max(requests, 1)
        )
        result["_busy_share"] = busy / max(total, 1)
        # the share of the machine's CPU capacity that other processes used meanwhile
        result["_others_share"] = max(busy - accounted, 0) / max(total, 1)
        return result


# --- PostgreSQL wait states ---------------------------------------------------------------


class PgSampler:
    """Samples pg_stat_activity every `interval` s on its own connection: what each client
    backend of this database is doing (on CPU, waiting for a lock, for WAL, for the app)."""

    QUERY = sa.text(
        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
        "WHERE datname = current_database() AND backend_type = 'client backend' "
        "AND pid <> pg_backend_pid()"
    )

    def __init__(self, url: str, interval: float = 0.02):
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.interval = interval
        self.counts: Counter = Counter()
        self.samples = 0
        self._stop = threading.Event()

    def _label(self, state, wait_type, wait_event) -> str | None:
        if state == "active":
            return f"active, waiting {wait_type}:{wait_event}" if wait_type else "active (CPU)"
        if state == "idle in transaction":
            return "in a transaction, waiting for the app"
        return None  # idle: between requests

    def _loop(self) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.is_set():
                for row in conn.execute(self.QUERY):
                    label = self._label(*row)
                    if label:
                        self.counts[label] += 1
                self.samples += 1
                time.sleep(self.interval)

    def __enter__(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.engine.dispose()

    def shares(self) -> dict:
        total = sum(self.counts.values())
        return {k: v / total for k, v in self.counts.most_common()} if total else {}


# --- py-spy -------------------------------------------------------------------------------


def start_py_spy(workers: list[int], seconds: float, out_dir: Path) -> list:
    """`py-spy record` (raw collapsed stacks, on-CPU samples only) on every worker."""
    binary = Path(sys.executable).parent / "py-spy"
    if not binary.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install -e '.[bench]'")
    return [
        subprocess.Popen(
            [
                str(binary),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(out_dir / f"worker-{pid}.txt"),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]


#: Inclusive shares printed for these frames: (function, a piece of its file path).
PROFILE_FRAMES = [
    ("authenticate", "api/access.py"),
    ("member_for_token", "auth/services.py"),
    ("load_member_for_session", "members/queries.py"),
    ("ArgumentsMixin.arguments.<locals>.decorator.<locals>.wrapper", "flask_smorest"),
    ("get_shift", "shifts/queries.py"),
    ("record_scan", "checkin/services.py"),
    ("_load", "checkin/services.py"),
    ("ensure_role", "auth/permissions.py"),
    ("_decide", "checkin/services.py"),
    ("check_token", "checkin/tokens.py"),
    ("_attend", "checkin/services.py"),
    ("_admit", "checkin/services.py"),
    ("_insert_attendance", "checkin/services.py"),
    ("_store", "checkin/services.py"),
    ("close_attendance", "checkin/services.py"),
    ("credit_service", "ledger/services.py"),
    ("find_by_source", "ledger/services.py"),
    ("append", "ledger/chain.py"),
    ("_lock_head", "ledger/chain.py"),
    ("apply_entries", "rankings/totals.py"),
    ("Session.commit", "sqlalchemy/orm/session.py"),
    ("Session.flush", "sqlalchemy/orm/session.py"),
    ("Session.refresh", "sqlalchemy/orm/session.py"),
    ("ResponseMixin.response.<locals>.decorator.<locals>.wrapper", "flask_smorest"),
    ("floor", "bench/floor_wsgi.py"),
    # across the request: compiling SQL (cached statements are not compiled again), lazy
    # loads, the pool's check-out (with its pre-ping), and the JSON answer
    ("SQLCompiler.__init__", "sqlalchemy/sql/compiler.py"),
    ("_LazyLoader._emit_lazyload", "sqlalchemy/orm/strategies.py"),
    ("_ConnectionFairy._checkout", "sqlalchemy/pool/base.py"),
]
#: Innermost frames that are really a blocking socket call (libpq sending a query or
#: waiting for its answer, gunicorn writing the response): on a CPU-starved machine the
#: process is often descheduled there, so these samples are waits, not Python work.
SOCKET_LEAVES = (
    "Connection.wait (psycopg/",
    "BaseCursor._send_query_prepared (psycopg/",
    "BaseCursor._execute_send (psycopg/",
    "BaseConnection._exec_command (psycopg/",
    "write (gunicorn/util.py",
)
#: Where a sample's innermost Python frame is.
LEAF_CATEGORIES = [
    ("socket: libpq send/wait, gunicorn write", SOCKET_LEAVES),
    ("psycopg", ("psycopg",)),
    ("sqlite3", ("sqlite3",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("marshmallow, flask-smorest, webargs", ("marshmallow/", "flask_smorest/", "webargs/")),
    ("Flask, Werkzeug, Flask-Login/Babel/Limiter", ("flask", "werkzeug/", "babel/")),
    ("gunicorn", ("gunicorn/",)),
    ("timebank", ("timebank/",)),
    ("standard library", ("/lib/python3", "<frozen")),
]


def _label(name: str) -> str:
    """A function's qualified name without its inner closures."""
    return name.split(".<locals>.", 1)[0]


def analyse_profiles(out_dir: Path) -> dict:
    """Shares of the on-CPU samples in request handling under PROFILE_FRAMES (inclusive)
    and by the innermost frame."""
    total = work = 0
    inclusive: Counter = Counter()
    inclusive_work: Counter = Counter()
    leaves: Counter = Counter()
    self_frames: Counter = Counter()
    for path in out_dir.glob("worker-*.txt"):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit() or "handle_request" not in stack:
                continue
            n = int(count)
            frames = stack.split(";")
            leaf = frames[-1]
            waiting = any(leaf.startswith(w) for w in SOCKET_LEAVES)
            total += n
            work += 0 if waiting else n
            seen = set()
            for frame in frames:
                name, _, where = frame.partition(" (")
                for wanted, place in PROFILE_FRAMES:
                    if name == wanted and place in where and wanted not in seen:
                        seen.add(wanted)
                        inclusive[wanted] += n
                        if not waiting:
                            inclusive_work[wanted] += n
            self_frames[leaf] += n
            for label, needles in LEAF_CATEGORIES:
                if any(needle in leaf for needle in needles):
                    leaves[label] += n
                    break
            else:
                leaves["other"] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "work_samples": work,
        "inclusive": {
            _label(k): (inclusive[k] / total, inclusive_work[k] / max(work, 1))
            for k, _ in PROFILE_FRAMES
            if inclusive[k]
        },
        "leaf": {k: v / total for k, v in leaves.most_common()},
        "top_self": [(k, v / total) for k, v in self_frames.most_common(12)],
    }


# --- the SQL of one request ---------------------------------------------------------------


class StatementLog:
    """Every statement SQLAlchemy sends on `engine` while active, and whether its compiled
    form came from SQLAlchemy's statement cache, and how long the driver's execute took
    (the round trip and the database's work; the pool's pre-ping and the driver's own
    BEGIN/COMMIT are not cursor executions and do not show)."""

    def __init__(self, engine):
        self.engine = engine
        #: (statement, whether its compiled form came from the cache; None for raw SQL
        #: such as SQLite's BEGIN IMMEDIATE, which is never compiled)
        self.statements: list[tuple[str, bool | None]] = []
        #: milliseconds in the driver's execute, one per statement
        self.driver_ms: list[float] = []
        self._started = 0.0

    def _capture(self, conn, cursor, statement, parameters, context, executemany):
        from sqlalchemy.engine.default import CACHE_HIT

        if getattr(context, "compiled", None) is None:
            cached = None
        else:
            cached = context.cache_hit is CACHE_HIT
        self.statements.append((" ".join(statement.split()), cached))
        self._started = time.perf_counter()

    def _done(self, *args):
        self.driver_ms.append((time.perf_counter() - self._started) * 1000)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._capture)
        sa.event.listen(self.engine, "after_cursor_execute", self._done)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._capture)
        sa.event.remove(self.engine, "after_cursor_execute", self._done)
