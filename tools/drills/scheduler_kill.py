"""Drill: the scheduler killed with SIGKILL in the middle of a dispatch tick.

    .venv/bin/python tools/drills/scheduler_kill.py DATABASE_URL [--events 3000 --due 1500]

On an existing, empty PostgreSQL database: `flask db upgrade`, the demo tree (no history),
then `--events` dispatched events of which `--due` have just missed their accept deadline
and a third of those their handle deadline too (`seed_open_events`). Starts `flask --app
timebank scheduler` (EVENT_TICK_S=1), waits until its first batch is committed and kills
it with SIGKILL while the tick is still working; starts it again (it takes the lease once
the killed one's has lapsed, ≤ 30 s) and waits until every due event is handled. Then
checks in SQL: every due event marked and given exactly one "overdue" step per missed
deadline and one "escalated" step when its handle deadline passed; no other event
touched; no notice written twice (same member, event, kind and parameters). Exits 1 on a
failed check. Takes about a minute; see tools/drills/README.md.
"""

import argparse
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "timebank"]

STEPS = "SELECT count(*) FROM event_steps WHERE action IN ('overdue', 'escalated')"


def _env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TIMEBANK_SCHEDULER": "off",
        "RATELIMIT_ENABLED": "false",
        "EVENT_TICK_S": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(16),
        "LOG_LEVEL": "INFO",
    }


def setup(url: str, events: int, due: int) -> tuple[list[int], list[int]]:
    """Schema, demo tree and the open events; returns the due ids and the very late ones."""
    subprocess.run([*FLASK, "db", "upgrade"], env=_env(url), check=True, cwd=ROOT)  # noqa: S603
    os.environ.update(_env(url))
    sys.path.insert(0, str(ROOT))
    from timebank import create_app
    from timebank.core.clock import utcnow
    from timebank.demo.seed import seed_demo
    from timebank.demo.seed_events import seed_open_events
    from timebank.dispatch.models import Event
    from timebank.extensions import db

    app = create_app()
    with app.app_context():
        seed_demo(members=100, events=0)
        late = seed_open_events(
            random.Random(5),  # noqa: S311  # nosec B311
            events,
            due=due,
            now=utcnow(),
            handle_due=due // 3,
        )
        db.session.commit()
        very_late = db.session.scalars(
            sa.select(Event.id).where(Event.id.in_(late), Event.handle_due_at <= utcnow())
        ).all()
    return late, list(very_late)


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def _scheduler(url: str, log: Path) -> subprocess.Popen:
    out = log.open("a")
    return subprocess.Popen(  # noqa: S603  # nosec B603 (our own flask, fixed arguments)
        [*FLASK, "scheduler"], env=_env(url), cwd=ROOT, stdout=out, stderr=out
    )


def kill_mid_tick(engine, url: str, log: Path, expected: int) -> int:
    """Start the scheduler, SIGKILL it once some but not all work is committed."""
    proc = _scheduler(url, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = _count(engine, STEPS)
        if 0 < done < expected:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return done
        if done >= expected:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"FAIL: could not kill mid-tick ({done} of {expected} steps done)")


def finish(engine, url: str, log: Path, expected: int) -> float:
    """Start the scheduler again and wait until every step is written (and no more)."""
    started = time.monotonic()
    proc = _scheduler(url, log)
    try:
        while time.monotonic() - started < 240:
            if _count(engine, STEPS) >= expected:
                time.sleep(3)  # a few more ticks: nothing more may come
                return time.monotonic() - started
            time.sleep(0.5)
        raise SystemExit("FAIL: the restarted scheduler did not finish in 240 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


CHECKS = {
    "due events without exactly one accept-overdue step": """
        SELECT count(*) FROM events e WHERE e.id = ANY(:late) AND (SELECT count(*)
        FROM event_steps s WHERE s.event_id = e.id AND s.action = 'overdue'
        AND s.note = 'accept') <> 1""",
    "very late events without exactly one handle-overdue and one escalated step": """
        SELECT count(*) FROM events e WHERE e.id = ANY(:very_late) AND (
          (SELECT count(*) FROM event_steps s WHERE s.event_id = e.id
           AND s.action = 'overdue' AND s.note = 'handle') <> 1 OR
          (SELECT count(*) FROM event_steps s WHERE s.event_id = e.id
           AND s.action = 'escalated') <> 1)""",
    "due events not marked (accept_overdue_at, overdue)": """
        SELECT count(*) FROM events WHERE id = ANY(:late)
        AND (accept_overdue_at IS NULL OR NOT overdue)""",
    "very late events not escalated": """
        SELECT count(*) FROM events WHERE id = ANY(:very_late) AND escalated_to_id IS NULL""",
    "events marked that were not due": """
        SELECT count(*) FROM events WHERE NOT (id = ANY(:late))
        AND (overdue OR accept_overdue_at IS NOT NULL OR handle_overdue_at IS NOT NULL)""",
    "steps on events that were not due": """
        SELECT count(*) FROM event_steps WHERE NOT (event_id = ANY(:late))
        AND action IN ('overdue', 'escalated')""",
    "notices written twice": """
        SELECT count(*) FROM (SELECT member_id, subject_id, kind, params::text
        FROM notifications WHERE subject_type = 'event'
        GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d""",
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--due", type=int, default=1500)
    parser.add_argument("--log", default="timebank-drill-scheduler.log", help="scheduler output")
    args = parser.parse_args(argv)
    log = Path(args.log)
    late, very_late = setup(args.database_url, args.events, args.due)
    expected = len(late) + 2 * len(very_late)
    engine = sa.create_engine(args.database_url)
    print(f"{args.events} open events, {len(late)} due, {len(very_late)} past both deadlines")
    at_kill = kill_mid_tick(engine, args.database_url, log, expected)
    print(f"scheduler killed (SIGKILL) with {at_kill} of {expected} steps committed")
    took = finish(engine, args.database_url, log, expected)
    print(f"restarted scheduler finished in {took:.0f} s (the lease lapses in ≤ 30 s)")
    failed = 0
    with engine.connect() as conn:
        for name, sql in CHECKS.items():
            n = conn.execute(sa.text(sql), {"late": late, "very_late": very_late}).scalar_one()
            print(f"  {'ok  ' if n == 0 else 'FAIL'} {name}: {n}")
            failed += n != 0
        steps = conn.execute(sa.text(STEPS)).scalar_one()
    print(f"steps written {steps} (expected {expected})")
    if failed or steps != expected:
        raise SystemExit(1)
    print("PASS: nothing escalated twice, nothing missed")


if __name__ == "__main__":
    main()
