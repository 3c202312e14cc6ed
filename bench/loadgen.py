"""The scans benchmark's load generator: client processes that post scans over HTTP.

Each client process (started with the `spawn` method: a clean interpreter that imports only
this module, the standard library and `timebank.checkin.tokens`) owns a disjoint share of
the (member, shift) pairs and keeps it across runs, so no pair is ever scanned twice in
the same direction. It waits for commands on a pipe:

- `closed`: T threads, each one `http.client.HTTPConnection`, send a request, read the
  answer, send the next (closed loop, no think time) until the deadline;
- `open`: requests at fixed times (rate / processes per process, the processes' schedules
  interleaved), sent by a pool of threads; latency is measured from the *scheduled* time,
  so a slow answer that delays the next request is counted (no coordinated omission).

A scan body is made just before it is sent: a fresh uuid4 `scan_id`, `scanned_at` = now,
the member's QR payload for now (`make_token` with the server's SECRET_KEY), and the
checkpoint's position. Gunicorn's sync workers close the connection after every answer, so
http.client reconnects for each request (the same for the scan and the floor endpoint).
"""

import http.client
import itertools
import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

SCAN_PATH = "/api/v1/scans"
#: In the open loop, a request this late is not sent at all (counted instead).
MAX_BEHIND_S = 10.0
FLOOR_PATH = "/api/v1/_floor"

#: (shift id, member id, latitude, longitude, index of the staff token)
Pair = tuple[int, int, float, float, int]


class Work:
    """This process's pairs: check-ins (signed up, not yet in) and check-outs (checked in
    before the run), handed out alternately; thread-safe."""

    def __init__(self, check_ins: list[Pair], check_outs: list[Pair]):
        self.queues = {
            "check_in": list(reversed(check_ins)),
            "check_out": list(reversed(check_outs)),
        }
        self.turn = itertools.cycle(["check_in", "check_out"])
        self.floor_pairs = itertools.cycle(check_ins + check_outs)
        self.lock = threading.Lock()

    def next_scan(self) -> tuple[str, Pair] | None:
        with self.lock:
            for _ in range(2):
                kind = next(self.turn)
                if self.queues[kind]:
                    return kind, self.queues[kind].pop()
            return None

    def next_floor(self) -> tuple[str, Pair]:
        with self.lock:
            return "floor", next(self.floor_pairs)

    def left(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.queues.items()}


class Sender:
    """Makes and sends one request; classifies the answer."""

    def __init__(self, host: str, port: int, secret: str, rotate_s: int, tokens: list[str]):
        from timebank.checkin.tokens import make_token

        self.host, self.port = host, port
        self.secret, self.rotate_s = secret, rotate_s
        self.make_token = make_token
        self.headers = [
            {"Content-Type": "application/json", "Authorization": f"Bearer {t}"} for t in tokens
        ]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def body(self, pair: Pair) -> bytes:
        shift_id, member_id, lat, lon, _ = pair
        now = datetime.now(UTC)
        payload, _ = self.make_token(member_id, secret=self.secret, rotate_s=self.rotate_s, now=now)
        return json.dumps(
            {
                "shift_id": shift_id,
                "qr_payload": payload,
                "scan_id": str(uuid.uuid4()),
                "scanned_at": now.isoformat(),
                "lat": lat,
                "lon": lon,
            }
        ).encode()

    def send(self, conn, kind: str, pair: Pair) -> str:
        """POST one scan (or floor request); the answer as a label: check_in, check_out,
        duplicate, replay:<action>, refused:<code>, floor, http <status>, error <type>."""
        path = FLOOR_PATH if kind == "floor" else SCAN_PATH
        try:
            conn.request("POST", path, self.body(pair), self.headers[pair[4]])
            response = conn.getresponse()
            status, data = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            return f"error {type(exc).__name__}"
        try:
            answer = json.loads(data)
        except ValueError:
            return f"http {status}"
        if status == 201:
            return str(answer.get("action"))
        if status == 200:
            return f"replay:{answer.get('action')}"
        if status == 422 and isinstance(answer.get("error"), dict):
            return f"refused:{answer['error'].get('code')}"
        return f"http {status}"


def closed_loop(sender: Sender, work: Work, kind: str, threads: int, start: float, end: float):
    """`threads` closed loops from `start` to `end` (time.monotonic()); every request's
    latency (ms), the answers as (expected, got) counts, and the last completion time."""
    latencies: list[float] = []
    answers: Counter = Counter()
    last = [start]
    lock = threading.Lock()

    def loop():
        conn = sender.connection()
        mine, counted = [], Counter()
        while time.monotonic() < start:
            time.sleep(0.001)
        while time.monotonic() < end:
            job = work.next_floor() if kind == "floor" else work.next_scan()
            if job is None:
                counted[("scan", "no pairs left")] += 1
                break
            t0 = time.perf_counter()
            got = sender.send(conn, *job)
            mine.append((time.perf_counter() - t0) * 1000)
            counted[(job[0], got)] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            answers.update(counted)
            last[0] = max(last[0], time.monotonic())

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"latencies": latencies, "answers": answers, "last": last[0]}


def open_loop(
    sender: Sender,
    work: Work,
    rate: float,
    processes: int,
    index: int,
    threads: int,
    start: float,
    duration: float,
):
    """Requests at start + (k * processes + index) / rate for k = 0, 1, …, until
    `duration`; latency from the scheduled time and service time from the actual send."""
    total = int(duration * rate / processes)
    counter = itertools.count()
    latencies, service, lateness = [], [], []
    answers: Counter = Counter()
    lock = threading.Lock()

    def loop():
        conn = sender.connection()
        mine_l, mine_s, mine_late, counted = [], [], [], Counter()
        while True:
            with lock:
                k = next(counter)
            if k >= total:
                break
            scheduled = start + (k * processes + index) / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif -delay > MAX_BEHIND_S:  # the server cannot keep up: stop piling on
                counted[("scan", "not sent: more than 10 s behind schedule")] += 1
                continue
            sent = time.monotonic()
            job = work.next_scan()
            if job is None:
                counted[("scan", "no pairs left")] += 1
                break
            got = sender.send(conn, *job)
            done = time.monotonic()
            mine_l.append((done - scheduled) * 1000)
            mine_s.append((done - sent) * 1000)
            mine_late.append((sent - scheduled) * 1000)
            counted[(job[0], got)] += 1
        conn.close()
        with lock:
            latencies.extend(mine_l)
            service.extend(mine_s)
            lateness.extend(mine_late)
            answers.update(counted)

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {
        "latencies": latencies,
        "service": service,
        "lateness": lateness,
        "answers": answers,
        "last": time.monotonic(),
    }


def client_main(conn, index, host, port, secret, rotate_s, tokens, check_ins, check_outs):
    """The body of one client process: obey commands from the pipe until `stop`."""
    sender = Sender(host, port, secret, rotate_s, tokens)
    work = Work(check_ins, check_outs)
    conn.send(("ready", work.left()))
    while True:
        command, params = conn.recv()
        if command == "stop":
            break
        if command == "closed":
            result = closed_loop(sender, work, **params)
        elif command == "open":
            result = open_loop(sender, work, index=index, **params)
        else:
            raise ValueError(command)
        result["left"] = work.left()
        conn.send((command, result))
    conn.close()
