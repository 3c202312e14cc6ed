"""Load generator for the fault drills (tools/drills/run.sh). Standard library only, plus
timebank.checkin.tokens to make members' QR payloads (SECRET_KEY from the environment).

  load.py login  --base URL --fixture F --out TOKENS
  load.py chaos  --base URL --fixture F --tokens TOKENS --out ACKS [--duration S] [--rush-at S]
                 [--ready-file PATH]
  load.py pg-restart --base URL --fixture F --tokens TOKENS --out ACKS --restart-cmd CMD
                 [--duration S] [--restart-at S] [--recover-s S]

`chaos`: sign-ups of 200 members for shift B (60 of them in one rush at --rush-at, when
run.sh kills a gunicorn worker), cancellations, and scans (check-in then check-out, some
from two scanners at once) on shifts A and C, with steady reads. Every write is retried
with the same body (scans with the same scan_id) when the answer was a 5xx or the
connection broke, as a real client does. Every answer is written to ACKS for check.py.

`pg-restart`: steady reads and writes, each sent once; at --restart-at the database server
is restarted with CMD. Requests may fail with a 503 in the SPEC error shape (or, for
/healthz, its own 503) while it is down; never with a 500; and every request that starts
more than --recover-s seconds after the server is back must succeed.

Exit status 1 when a client-side rule was broken (the problems are printed and saved).
"""

import argparse
import heapq
import http.client
import json
import os
import random
import shlex
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from timebank.checkin.tokens import make_token

SECRET = os.environ.get("SECRET_KEY", "")
ROTATE_S = int(os.environ.get("QR_ROTATE_S", "30"))


class Attempt:
    __slots__ = ("label", "method", "path", "status", "body", "error", "t0", "t1")

    def __init__(self, label, method, path, status, body, error, t0, t1):
        self.label, self.method, self.path = label, method, path
        self.status, self.body, self.error, self.t0, self.t1 = status, body, error, t0, t1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None

    @property
    def kind(self) -> str:
        """What happened, for the summary: "2xx", "503", "422 not_signed_up", "conn ..."."""
        if self.status is None:
            return f"conn {self.error}"
        if self.ok:
            return "2xx"
        if self.path == "/healthz":
            return f"{self.status} healthz"
        return f"{self.status} {self.code}" if self.code else str(self.status)


class Client:
    def __init__(self, base: str, timeout: float = 20.0):
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port or 80, timeout
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.start

    def request(self, label, method, path, body=None, token=None) -> Attempt:
        headers = {"Accept": "application/json", "Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        t0 = self.now()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        status = payload = error = None
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status = response.status
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = {"_raw": raw[:200].decode("utf-8", "replace")}
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        finally:
            conn.close()
        attempt = Attempt(label, method, path, status, payload, error, t0, self.now())
        with self.lock:
            self.attempts.append(attempt)
        return attempt

    def with_retries(self, label, method, path, body=None, token=None, tries=12):
        """Send until an answer that is not a 5xx (or give up); returns every attempt."""
        attempts, delay = [], 0.1
        for _ in range(tries):
            attempt = self.request(label, method, path, body, token)
            attempts.append(attempt)
            if not attempt.retryable:
                break
            time.sleep(delay + random.random() * delay)  # noqa: S311
            delay = min(delay * 2, 2.0)
        return attempts


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def scan_body(
    shift_id: int, member_id: int, scanned_at: datetime, offline_since: datetime | None = None
) -> dict:
    """A scan made at `scanned_at`; with `offline_since`, one a scanner kept while offline
    (SPEC 3.11: a scan dated over two QR windows back is accepted only as such)."""
    payload, _expires = make_token(member_id, secret=SECRET, rotate_s=ROTATE_S, now=scanned_at)
    body = {
        "shift_id": shift_id,
        "qr_payload": payload,
        "scan_id": str(uuid.uuid4()),
        "scanned_at": iso(scanned_at),
    }
    if offline_since is not None:
        body.update(offline=True, offline_since=iso(offline_since))
    return body


# --- login ------------------------------------------------------------------------------


def cmd_login(args, fixture) -> int:
    client = Client(args.base)
    accounts = [("staff", fixture["staff"]["phone"], fixture["staff"]["password"])]
    for group in ("signup_b", "signup_e"):
        accounts += [(str(m["id"]), m["phone"], fixture["member_password"]) for m in fixture[group]]
    tokens, failed = {}, []

    def login(account):
        key, phone, password = account
        attempts = client.with_retries(
            "login", "POST", "/api/v1/auth/tokens", {"phone": phone, "password": password}
        )
        if attempts[-1].status == 201:
            tokens[key] = attempts[-1].body["token"]
        else:
            failed.append((key, attempts[-1].kind))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(login, accounts))
    with open(args.out, "w") as fh:
        json.dump(tokens, fh)
    print(f"login: {len(tokens)} tokens in {client.now():.1f} s")
    if failed:
        print(f"login: {len(failed)} sign-ins failed, e.g. {failed[:3]}", file=sys.stderr)
        return 1
    return 0


# --- chaos ------------------------------------------------------------------------------


class Timeline:
    """Tasks at times (seconds from the start) run by a thread pool; tasks add tasks."""

    def __init__(self, client: Client, threads: int):
        self.client, self.pool = client, ThreadPoolExecutor(threads)
        self.errors: list[str] = []
        self.heap: list = []
        self.lock = threading.Lock()
        self.seq = 0
        self.running = 0

    def at(self, when: float, fn, *args):
        with self.lock:
            self.seq += 1
            heapq.heappush(self.heap, (when, self.seq, fn, args))

    def after(self, delay: float, fn, *args):
        self.at(self.client.now() + delay, fn, *args)

    def _run(self, fn, args):
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - a bug in this script: report it
            with self.lock:
                self.errors.append(f"{fn.__name__}{args[:3]}: {exc!r}")
        finally:
            with self.lock:
                self.running -= 1

    def run(self):
        while True:
            with self.lock:
                due = []
                while self.heap and self.heap[0][0] <= self.client.now():
                    due.append(heapq.heappop(self.heap))
                self.running += len(due)
                idle = not self.heap and self.running == 0
            for _when, _seq, fn, args in due:
                self.pool.submit(self._run, fn, args)
            if idle:
                break
            time.sleep(0.005)
        self.pool.shutdown(wait=True)


def cmd_chaos(args, fixture, tokens) -> int:
    rng = random.Random(args.seed)  # noqa: S311
    client = Client(args.base)
    timeline = Timeline(client, args.threads)
    shifts = fixture["shifts"]
    a_id, b_id, c_id = shifts["A"]["id"], shifts["B"]["id"], shifts["C"]["id"]
    c_ends = datetime.fromisoformat(shifts["C"]["ends_at"])
    staff = tokens["staff"]
    lock = threading.Lock()
    out = {"signups": [], "cancels": [], "scans": [], "problems": []}
    duration, rush = args.duration, args.rush_at

    def problem(text):
        with lock:
            out["problems"].append(text)
        print(f"PROBLEM: {text}", file=sys.stderr)

    def note_5xx(attempts):
        for a in attempts:
            if a.status is not None and a.status >= 500 and a.status != 503:
                problem(f"{a.method} {a.path} answered {a.status}: {a.body}")

    # Sign-ups for B, and some cancellations after them.
    members_b = [m["id"] for m in fixture["signup_b"]]
    rng.shuffle(members_b)
    cancelling = set(members_b[::7])  # about 29 of 200

    def cancel(member_id):
        attempts = client.with_retries(
            "cancel", "DELETE", f"/api/v1/shifts/{b_id}/signups/me", token=tokens[str(member_id)]
        )
        note_5xx(attempts)
        last, retried = attempts[-1], len(attempts) > 1
        if last.status == 200:
            result = "cancelled"
        elif last.status == 404 and retried and last.code == "not_signed_up":
            result = "cancelled"  # an earlier attempt went through, its answer was lost
        elif last.retryable:
            result = "unanswered"
        else:
            result = f"refused {last.code}"
            problem(f"cancel by member {member_id} refused: {last.kind}")
        record = {"member": member_id, "shift": b_id, "result": result, "retried": retried}
        if last.status == 200:
            record["promoted"] = last.body.get("promoted_member_id")
        with lock:
            out["cancels"].append(record)

    def sign_up(member_id):
        attempts = client.with_retries(
            "signup", "POST", f"/api/v1/shifts/{b_id}/signups", token=tokens[str(member_id)]
        )
        note_5xx(attempts)
        last, retried = attempts[-1], len(attempts) > 1
        if last.status == 201:
            result = last.body["status"]
        elif last.status == 409 and retried and last.code == "already_signed_up":
            result = "present"  # an earlier attempt went through, its answer was lost
        elif last.retryable:
            result = "unanswered"
        else:
            result = f"refused {last.code}"
            problem(f"sign-up of member {member_id} refused: {last.kind}")
        with lock:
            out["signups"].append(
                {"member": member_id, "shift": b_id, "result": result, "retried": retried}
            )
        if member_id in cancelling and result in ("confirmed", "waitlisted", "present"):
            timeline.after(rng.uniform(1, 6), cancel, member_id)

    for i, member_id in enumerate(members_b):
        when = rush if i < 60 else rng.uniform(0.5, duration * 0.75)
        timeline.at(when, sign_up, member_id)

    # Scans. `then` runs after the scan was answered (with the answer's action).
    def scan(role, shift_id, member_id, scanned_at, then=None):
        # scans dated back (the check-ins at A, the strangers) come from an offline queue
        late = now() - scanned_at > timedelta(seconds=ROTATE_S)
        body = scan_body(
            shift_id, member_id, scanned_at, scanned_at - timedelta(minutes=1) if late else None
        )
        attempts = client.with_retries("scan", "POST", "/api/v1/scans", body, token=staff)
        note_5xx(attempts)
        last = attempts[-1]
        record = {
            "scan_id": body["scan_id"],
            "shift": shift_id,
            "member": member_id,
            "role": role,
            "status": last.status,
            "retried": len(attempts) > 1,
            "action": last.body.get("action") if last.ok else None,
            "code": last.code,
            "attendance_id": last.body.get("attendance_id") if last.ok else None,
        }
        with lock:
            out["scans"].append(record)
        if last.retryable:
            return
        if last.status not in (200, 201) and role != "stranger":
            problem(f"scan {role} of member {member_id} on shift {shift_id}: {last.kind}")
        if then is not None:
            then(record)

    def now():
        return datetime.now(UTC)

    def check_out_a(member_id, double):
        at = now()
        scan("out", a_id, member_id, at)
        if double:  # a second scanner scans the same member a second later
            scan("out", a_id, member_id, at + timedelta(seconds=1))

    members_a = list(fixture["on_a"])
    rng.shuffle(members_a)
    for i, member_id in enumerate(members_a):
        double_in, double_out = i % 4 == 0, i % 4 == 1  # 10 and 10 of 40
        leave_open = i >= 36
        when = rush + 0.05 if i < 20 else rng.uniform(0.5, duration * 0.5)
        checked_in_at = now() + timedelta(seconds=when) - timedelta(minutes=rng.uniform(8, 12))
        pending = [2 if double_in else 1]

        def after_in(
            record,
            member_id=member_id,
            double_out=double_out,
            leave_open=leave_open,
            pending=pending,
        ):
            with lock:
                pending[0] -= 1
                last = pending[0] == 0
            if last and not leave_open:
                timeline.after(rng.uniform(2, 8), check_out_a, member_id, double_out)

        timeline.at(when, scan, "in", a_id, member_id, checked_in_at, after_in)
        if double_in:  # a second scanner, three seconds later by its clock: a duplicate
            timeline.at(
                when, scan, "in", a_id, member_id, checked_in_at + timedelta(seconds=3), after_in
            )

    for member_id in fixture["strangers"]:  # not signed up, walk-ins off: refused
        timeline.at(
            rng.uniform(0.5, duration * 0.6),
            scan,
            "stranger",
            a_id,
            member_id,
            now() - timedelta(minutes=1),
        )

    # Shift C: everyone was checked in by the fixture; half are scanned out now, a few by
    # two scanners at once; the scheduler closes the rest when C falls due.
    members_c = list(fixture["on_c"])
    rng.shuffle(members_c)
    for i, member_id in enumerate(members_c[: len(members_c) // 2]):
        out_at = c_ends - timedelta(minutes=rng.uniform(1, 10))
        when = rng.uniform(0.5, duration * 0.6)
        timeline.at(when, scan, "out", c_id, member_id, out_at)
        if i % 5 == 0:
            timeline.at(when, scan, "out", c_id, member_id, out_at + timedelta(seconds=2))

    # Steady reads while everything else runs; B's `taken` must never pass its capacity.
    stop = threading.Event()
    reads = Counter()
    max_taken = [0]
    reader_token = tokens[str(fixture["signup_b"][0]["id"])]

    def reader(k):
        try:
            read_loop(k)
        except Exception as exc:  # noqa: BLE001 - a bug in this script: report it
            problem(f"reader {k} crashed: {exc!r}")

    def read_loop(k):
        while not stop.is_set():
            if k % 2 == 0:
                a = client.request("read", "GET", f"/api/v1/shifts/{b_id}", token=reader_token)
                if a.ok:
                    taken, capacity = a.body["confirmed_count"], a.body["capacity"]
                    max_taken[0] = max(max_taken[0], taken)
                    if taken > capacity:
                        problem(f"shift B read with taken {taken} > capacity {capacity}")
            else:
                a = client.request("read", "GET", "/healthz")
            with lock:
                reads[a.kind] += 1
            if a.status is not None and a.status >= 500 and a.status != 503:
                problem(f"GET {a.path} answered {a.status}")
            time.sleep(0.05)

    readers = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(4)]
    if args.ready_file:
        with open(args.ready_file, "w") as fh:
            fh.write(str(time.time()))
    client.start = time.monotonic()
    for t in readers:
        t.start()
    timeline.run()
    while client.now() < duration:
        time.sleep(0.1)
    stop.set()
    for t in readers:
        t.join(30)

    for error in timeline.errors:
        problem(f"load task failed: {error}")
    # Client-side rules: at most one check-out (and one check-in) answered per attendance.
    per_attendance = Counter(
        (s["attendance_id"], s["action"])
        for s in out["scans"]
        if s["action"] in ("check_in", "check_out")
    )
    for (attendance_id, action), n in per_attendance.items():
        if n > 1:
            problem(f"attendance {attendance_id} answered {action} {n} times")
    broken = [a for a in client.attempts if a.status is None]
    out["summary"] = {
        "seconds": round(client.now(), 1),
        "requests": len(client.attempts),
        "acknowledged": sum(a.ok for a in client.attempts),
        "by_kind": dict(Counter(a.kind for a in client.attempts).most_common()),
        "broken_connections": [
            {"label": a.label, "path": a.path, "at": round(a.t0, 2), "error": a.error}
            for a in broken
        ],
        "retried_writes": sum(r["retried"] for r in out["signups"] + out["cancels"] + out["scans"]),
        "signups": dict(Counter(r["result"] for r in out["signups"])),
        "cancels": dict(Counter(r["result"] for r in out["cancels"])),
        "scans": dict(Counter(r["action"] or r["code"] or "unanswered" for r in out["scans"])),
        "max_taken_seen_on_B": max_taken[0],
        "reads": dict(reads),
    }
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)
    s = out["summary"]
    print(
        f"chaos load: {s['requests']} requests in {s['seconds']} s, {s['acknowledged']} "
        f"acknowledged (2xx); answers by kind: {s['by_kind']}"
    )
    where = ", ".join(f"{b['label']} at {b['at']} s" for b in s["broken_connections"][:6])
    print(f"  broken connections: {len(broken)} ({where})")
    print(
        f"  writes retried: {s['retried_writes']}; sign-ups {s['signups']}; "
        f"cancels {s['cancels']}; scans {s['scans']}; "
        f"max taken seen on B {s['max_taken_seen_on_B']}"
    )
    return 1 if out["problems"] else 0


# --- PostgreSQL restart -----------------------------------------------------------------


def cmd_pg_restart(args, fixture, tokens) -> int:
    rng = random.Random(args.seed)  # noqa: S311
    client = Client(args.base, timeout=30)
    shifts = fixture["shifts"]
    c_id, e_id, a_id = shifts["C"]["id"], shifts["E"]["id"], shifts["A"]["id"]
    staff = tokens["staff"]
    lock = threading.Lock()
    out = {"signups": [], "scans": [], "problems": []}
    waiting = [m["id"] for m in fixture["signup_e"]]
    rng.shuffle(waiting)
    requeued: set[int] = set()
    marks: dict[str, float] = {}
    stop = threading.Event()

    def restart():
        marks["restart_start"] = client.now()
        command = shlex.split(args.restart_cmd)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)  # noqa: S603
        marks["restart_cmd_end"] = client.now()
        if done.returncode != 0:
            out["problems"].append(
                f"restart command failed ({done.returncode}): {done.stderr.strip()}"
            )
        for _ in range(600):
            probe = ["pg_isready", "-q", *shlex.split(args.pg_isready_args)]
            ready = subprocess.run(probe)  # noqa: S603, S607
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        marks["back"] = client.now()

    def one_request():
        op = rng.random()
        if op < 0.35:
            member_id = rng.choice(fixture["on_c"])
            body = scan_body(c_id, member_id, datetime.now(UTC))
            a = client.request("scan", "POST", "/api/v1/scans", body, token=staff)
            if a.ok:
                with lock:
                    out["scans"].append(
                        {
                            "scan_id": body["scan_id"],
                            "shift": c_id,
                            "member": member_id,
                            "role": "restart",
                            "status": a.status,
                            "action": a.body.get("action"),
                            "code": None,
                            "attendance_id": a.body.get("attendance_id"),
                            "retried": False,
                        }
                    )
            return a
        if op < 0.5:
            with lock:
                member_id = waiting.pop() if waiting else None
            if member_id is not None:
                retried = member_id in requeued
                label = "signup again" if retried else "signup"
                a = client.request(
                    label, "POST", f"/api/v1/shifts/{e_id}/signups", token=tokens[str(member_id)]
                )
                result = None
                if a.ok:
                    result = a.body["status"]
                elif a.status == 409 and retried and a.code == "already_signed_up":
                    result = "present"  # the failed attempt had gone through after all
                elif a.retryable:
                    with lock:  # try again later, as a member would
                        waiting.insert(0, member_id)
                        requeued.add(member_id)
                if result:
                    with lock:
                        out["signups"].append(
                            {
                                "member": member_id,
                                "shift": e_id,
                                "result": result,
                                "retried": retried,
                            }
                        )
                return a
        if op < 0.85:
            shift_id = rng.choice((a_id, e_id, c_id))
            return client.request("read", "GET", f"/api/v1/shifts/{shift_id}", token=staff)
        return client.request("health", "GET", "/healthz")

    def worker():
        while not stop.is_set():
            one_request()
            time.sleep(0.02)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(args.restart_at)
    restarter = threading.Thread(target=restart)
    restarter.start()
    restarter.join(180)
    while client.now() < max(args.duration, marks.get("back", 0) + args.recover_s + 8):
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(60)

    start, back = marks.get("restart_start"), marks.get("back")
    problems = out["problems"]
    if back is None:
        problems.append("PostgreSQL did not come back (pg_isready)")
        back = client.now()
    failures = [a for a in client.attempts if not a.ok and not (a.status and a.status < 500)]
    for a in client.attempts:
        if a.status is not None and a.status >= 500 and a.status != 503:
            problems.append(f"{a.method} {a.path} answered {a.status} at {a.t0:.2f} s: {a.body}")
        elif a.status == 503 and a.path.startswith("/api/"):
            if a.code != "unavailable" or not a.body["error"].get("message"):
                problems.append(f"503 without the SPEC error body on {a.path}: {a.body}")
        elif a.status == 409 and a.label == "signup again" and a.code == "already_signed_up":
            pass  # a sign-up answered 503 had been committed: the member's retry says so
        elif a.status is not None and 400 <= a.status < 500:
            problems.append(f"unexpected {a.kind} on {a.method} {a.path}")
    early = [a for a in failures if a.t1 < start - 0.2]
    if early:
        problems.append(
            f"{len(early)} requests failed before the restart began, e.g. {early[0].kind}"
        )
    late = [a for a in failures if a.t0 > back + args.recover_s]
    if late:
        problems.append(
            f"{len(late)} requests that started more than {args.recover_s} s after PostgreSQL was "
            f"back still failed, e.g. {late[0].kind} at {late[0].t0 - back:.1f} s after"
        )
    in_window = [a for a in client.attempts if a.t1 >= start and a.t0 <= back]
    first_failure = min((a.t1 for a in failures), default=None)
    last_failure = max((a.t1 for a in failures), default=None)
    write_again = min(
        (
            a.t1
            for a in client.attempts
            if a.ok and a.method == "POST" and a.t0 >= (last_failure or start)
        ),
        default=None,
    )

    def since_restart(t):
        return None if t is None else round(t - start, 2)

    out["summary"] = {
        "requests": len(client.attempts),
        "acknowledged": sum(a.ok for a in client.attempts),
        "by_kind": dict(Counter(a.kind for a in client.attempts).most_common()),
        "during_restart_by_kind": dict(Counter(a.kind for a in in_window).most_common()),
        "failures": len(failures),
        "503": sum(a.status == 503 for a in client.attempts),
        "connection_errors": sum(a.status is None for a in client.attempts),
        # seconds after the restart command began:
        "restart_cmd_returned": since_restart(marks.get("restart_cmd_end")),
        "pg_isready": since_restart(back),
        "first_failure": since_restart(first_failure),
        "last_failure": since_restart(last_failure),
        "write_acknowledged_again": since_restart(write_again),
    }
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)
    s = out["summary"]
    print(
        f"PostgreSQL restart: {s['requests']} requests, {s['acknowledged']} acknowledged; "
        f"answers while it restarted: {s['during_restart_by_kind']}"
    )
    print(
        f"  503s: {s['503']}, connection errors: {s['connection_errors']}, other failures: "
        f"{s['failures'] - s['503'] - s['connection_errors']}; seconds after the restart began: "
        f"failures from {s['first_failure']} to {s['last_failure']}, restart command returned "
        f"{s['restart_cmd_returned']}, pg_isready {s['pg_isready']}, writes acknowledged again "
        f"{s['write_acknowledged_again']} (time to recover)"
    )
    if not any(a.status == 503 or a.status is None for a in in_window):
        print("  note: no request failed during the restart (nothing was in flight)")
    for p in problems[:20]:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["login", "chaos", "pg-restart"])
    parser.add_argument("--base", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--tokens")
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--rush-at", type=float, default=6)
    parser.add_argument("--ready-file")
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--restart-cmd")
    parser.add_argument("--restart-at", type=float, default=4)
    parser.add_argument("--recover-s", type=float, default=5)
    parser.add_argument("--pg-isready-args", default="-h 127.0.0.1 -p 5432")
    args = parser.parse_args()
    if not SECRET and args.mode != "login":
        sys.exit("load.py: SECRET_KEY must be set (the server's) to make QR payloads")
    with open(args.fixture) as fh:
        fixture = json.load(fh)
    if args.mode == "login":
        return cmd_login(args, fixture)
    with open(args.tokens) as fh:
        tokens = json.load(fh)
    if args.mode == "chaos":
        return cmd_chaos(args, fixture, tokens)
    if not args.restart_cmd:
        sys.exit("load.py pg-restart: --restart-cmd is required")
    return cmd_pg_restart(args, fixture, tokens)


if __name__ == "__main__":
    sys.exit(main())
