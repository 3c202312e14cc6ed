"""Invariants after the fault drills (tools/drills/run.sh), checked in the database.

  check.py lease --scheduler-pid PID [--renewed-after EPOCH] [--since EPOCH --what TEXT]
      waits until the scheduler process PID holds the lease (renewed after EPOCH)
  check.py closed --fixture F [--since EPOCH --what TEXT]
      waits until the scheduler has closed shift C
  check.py invariants --fixture F ACKS [ACKS ...]
      capacity, sign-ups, scans, attendance and ledger rules; exit 1 naming each break

Runs with the app's environment (DATABASE_URL).
"""

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from timebank import create_app
from timebank.checkin.models import Attendance, Scan
from timebank.core.clock import utcnow
from timebank.core.lease import Lease
from timebank.extensions import db
from timebank.ledger.models import EntryKind, LedgerEntry
from timebank.scheduler import LEASE_NAME
from timebank.shifts.models import Shift, Signup, SignupStatus

SCAN_METHODS = ("scan", "offline_scan")


def _lease():
    db.session.rollback()  # a fresh snapshot each poll
    return db.session.get(Lease, LEASE_NAME, populate_existing=True)


def _holds(lease, pid: int) -> bool:
    return lease is not None and f":{pid}:" in lease.holder and lease.expires_at > utcnow()


def cmd_lease(args) -> int:
    """Wait until the scheduler process PID holds the lease (renewed after --renewed-after)."""
    start = time.monotonic()
    since = args.since or time.time()
    after = datetime.fromtimestamp(args.renewed_after, UTC) if args.renewed_after else None
    while time.monotonic() - start < args.timeout:
        lease = _lease()
        # The holder renews to now + 30 s: an expiry more than 30 s past `after` is newer.
        if _holds(lease, args.scheduler_pid) and (
            after is None or lease.expires_at > after + timedelta(seconds=30)
        ):
            print(
                f"scheduler pid {args.scheduler_pid} holds the lease ({lease.holder}), "
                f"{time.time() - since:.0f} s after {args.what}"
            )
            return 0
        time.sleep(0.5)
    lease = _lease()
    print(
        f"FAIL: scheduler pid {args.scheduler_pid} does not hold the lease "
        f"{'(renewed) ' if after else ''}after {args.timeout:.0f} s: holder "
        f"{lease.holder if lease else None}, expiring {lease.expires_at if lease else None}",
        file=sys.stderr,
    )
    return 1


def cmd_closed(args) -> int:
    """Wait until the scheduler has closed shift C."""
    with open(args.fixture) as fh:
        c_id = json.load(fh)["shifts"]["C"]["id"]
    start = time.monotonic()
    since = args.since or time.time()
    while time.monotonic() - start < args.timeout:
        db.session.rollback()
        closed_at = db.session.get(Shift, c_id, populate_existing=True).closed_at
        if closed_at is not None:
            by = "by the restarted scheduler" if closed_at.timestamp() >= since else "before"
            print(
                f"shift C (id {c_id}, due during the drill) was closed {by}, "
                f"{closed_at.timestamp() - since:.0f} s after {args.what}"
            )
            return 0
        time.sleep(0.5)
    print(f"FAIL: shift C (id {c_id}) not closed after {args.timeout:.0f} s", file=sys.stderr)
    return 1


def cmd_invariants(args) -> int:
    with open(args.fixture) as fh:
        fixture = json.load(fh)
    acks = {"signups": [], "cancels": [], "scans": []}
    for path in args.acks:
        with open(path) as fh:
            data = json.load(fh)
        for key in acks:
            acks[key] += data.get(key, [])
    problems: list[str] = []
    ids = {name: s["id"] for name, s in fixture["shifts"].items()}
    drill_shifts = list(ids.values())

    # Capacity: taken never above capacity, and equal to the places held (every shift).
    held = Counter(
        dict(
            db.session.execute(
                sa.select(Signup.shift_id, sa.func.count())
                .where(Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.NO_SHOW]))
                .group_by(Signup.shift_id)
            ).all()
        )
    )
    for shift_id, capacity, taken in db.session.execute(
        sa.select(Shift.id, Shift.capacity, Shift.taken)
    ):
        if taken > capacity:
            problems.append(f"shift {shift_id}: taken {taken} > capacity {capacity}")
        if taken != held[shift_id]:
            problems.append(
                f"shift {shift_id}: taken {taken} but {held[shift_id]} confirmed/no-show sign-ups"
            )
    doubled = db.session.execute(
        sa.select(Signup.shift_id, Signup.member_id)
        .where(Signup.status == SignupStatus.CONFIRMED)
        .group_by(Signup.shift_id, Signup.member_id)
        .having(sa.func.count() > 1)
    ).all()
    for shift_id, member_id in doubled:
        problems.append(f"member {member_id} has two confirmed sign-ups on shift {shift_id}")

    status_of = {
        (s, m): st
        for s, m, st in db.session.execute(
            sa.select(Signup.shift_id, Signup.member_id, Signup.status).where(
                Signup.shift_id.in_(drill_shifts)
            )
        )
    }
    b = db.session.get(Shift, ids["B"])
    by_status = Counter(st for (s, _m), st in status_of.items() if s == b.id)
    if by_status[SignupStatus.WAITLISTED] and b.taken != b.capacity:
        problems.append(
            f"shift B has {by_status[SignupStatus.WAITLISTED]} waitlisted but only "
            f"{b.taken} of {b.capacity} places taken (a freed place was lost)"
        )

    # Every acknowledged sign-up and cancellation is in the database.
    cancelled = {(c["shift"], c["member"]) for c in acks["cancels"] if c["result"] == "cancelled"}
    for c in acks["cancels"]:
        if c["result"] == "cancelled" and status_of.get((c["shift"], c["member"])) != "cancelled":
            problems.append(f"acknowledged cancellation of {c} not in the database")
        promoted = c.get("promoted")
        if (
            promoted
            and (c["shift"], promoted) not in cancelled
            and status_of.get((c["shift"], promoted)) != SignupStatus.CONFIRMED
        ):
            problems.append(f"member {promoted}, promoted on shift {c['shift']}, not confirmed")
    unanswered = 0
    for s in acks["signups"]:
        key = (s["shift"], s["member"])
        status = status_of.get(key)
        if s["result"] == "unanswered":
            unanswered += 1
            continue
        if s["result"] not in ("confirmed", "waitlisted", "present"):
            continue
        if status is None:
            problems.append(f"acknowledged sign-up {s} is not in the database")
        elif key in cancelled:
            continue
        elif s["result"] == "confirmed" and status != SignupStatus.CONFIRMED:
            problems.append(f"acknowledged confirmed sign-up {s} is now {status}")
        elif status not in (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED):
            problems.append(f"acknowledged sign-up {s} is now {status}")

    # Every answered scan is stored with the same outcome; none is left undecided.
    stored = {
        row.scan_id: row
        for row in db.session.execute(
            sa.select(
                Scan.scan_id, Scan.outcome, Scan.member_id, Scan.attendance_id, Scan.shift_id
            ).where(Scan.shift_id.in_(drill_shifts))
        )
    }
    undecided = [sid for sid, row in stored.items() if row.outcome is None]
    if undecided:
        problems.append(f"{len(undecided)} scans stored without an outcome, e.g. {undecided[0]}")
    answered = [s for s in acks["scans"] if s["status"] is not None and s["status"] < 500]
    for s in answered:
        row = stored.get(s["scan_id"])
        expected = s["action"] or s["code"]
        if row is None:
            problems.append(f"answered scan {s['scan_id']} ({expected}) is not in the scans table")
        elif row.outcome != expected:
            problems.append(f"scan {s['scan_id']}: answered {expected}, stored {row.outcome}")
        elif s["attendance_id"] is not None and row.attendance_id != s["attendance_id"]:
            problems.append(f"scan {s['scan_id']}: attendance {row.attendance_id} != answered")

    attendances = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.shift_id.in_(drill_shifts))
        )
    }
    by_member_shift = {(a.shift_id, a.member_id): a for a in attendances.values()}
    checked_out = set()
    for s in answered:
        if s["action"] in ("check_in", "check_out", "duplicate"):
            a = attendances.get(s["attendance_id"])
            if a is None or a.member_id != s["member"] or a.shift_id != s["shift"]:
                problems.append(f"scan {s['scan_id']}: attendance {s['attendance_id']} missing")
                continue
            if s["action"] == "check_out":
                checked_out.add(a.id)
                if a.checked_out_at is None or a.check_out_method not in SCAN_METHODS:
                    problems.append(f"acknowledged check-out of attendance {a.id} not recorded")
        if s["code"] == "not_signed_up" and (s["shift"], s["member"]) in by_member_shift:
            problems.append(f"member {s['member']} refused (not signed up) has an attendance")
    for member_id in fixture["strangers"]:
        if (ids["A"], member_id) in status_of or (ids["A"], member_id) in by_member_shift:
            problems.append(f"member {member_id}, not signed up on A (walk-ins off), got in")

    # Every closed attendance is credited exactly once; no open one is (whole database).
    entries = defaultdict(list)
    for attendance_id, minutes, member_id in db.session.execute(
        sa.select(LedgerEntry.attendance_id, LedgerEntry.minutes, LedgerEntry.member_id).where(
            LedgerEntry.kind == EntryKind.SERVICE
        )
    ):
        entries[attendance_id].append((minutes, member_id))
    credited = 0
    for a_id, out_at, minutes, member_id, counts in db.session.execute(
        sa.select(
            Attendance.id,
            Attendance.checked_out_at,
            Attendance.credited_minutes,
            Attendance.member_id,
            Shift.counts_as_service,
        ).join(Shift, Shift.id == Attendance.shift_id)
    ):
        mine = entries.pop(a_id, [])
        if out_at is None:
            if mine:
                problems.append(f"open attendance {a_id} has {len(mine)} service entries")
            continue
        credited += 1
        if len(mine) != 1:
            problems.append(f"closed attendance {a_id} has {len(mine)} service entries, not 1")
        elif mine[0] != ((minutes or 0) if counts else 0, member_id):
            problems.append(f"attendance {a_id}: entry {mine[0]} != ({minutes}, {member_id})")
    for a_id, rows in entries.items():
        problems.append(f"{len(rows)} service entries for attendance {a_id}, which does not exist")

    # Shift C: closed by the scheduler; what no scan closed, it closed, once.
    c = db.session.get(Shift, ids["C"])
    c_attendances = [a for a in attendances.values() if a.shift_id == c.id]
    if c.closed_at is None:
        problems.append("shift C was never closed by the scheduler")
    for a in c_attendances:
        if a.checked_out_at is None:
            problems.append(f"attendance {a.id} on shift C is still open")
        elif a.id in checked_out and a.auto_closed:
            problems.append(f"attendance {a.id}: scanned out, but auto-closed")
        elif a.id not in checked_out and not a.auto_closed:
            problems.append(f"attendance {a.id}: no check-out answered, not auto-closed")
    if sorted(a.member_id for a in c_attendances) != sorted(fixture["on_c"]):
        problems.append("shift C: attendances differ from the fixture's check-ins")

    print(
        f"invariants: {len(status_of)} drill sign-ups (B: {dict(by_status)}, taken "
        f"{b.taken}/{b.capacity}); {len(answered)} answered scans all stored; "
        f"{len(attendances)} drill attendances; {credited} closed attendances in the database "
        f"credited once each; shift C: {sum(a.auto_closed for a in c_attendances)} auto-closed, "
        f"{len([a for a in c_attendances if a.id in checked_out])} scanned out; "
        f"{unanswered} sign-ups never answered"
    )
    for p in problems[:40]:
        print(f"INVARIANT BROKEN: {p}", file=sys.stderr)
    if len(problems) > 40:
        print(f"... and {len(problems) - 40} more", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    lease = sub.add_parser("lease")
    lease.add_argument("--scheduler-pid", type=int, required=True)
    lease.add_argument("--renewed-after", type=float, help="epoch seconds")
    closed = sub.add_parser("closed")
    closed.add_argument("--fixture", required=True)
    for p in (lease, closed):
        p.add_argument("--since", type=float, help="epoch seconds, for the report")
        p.add_argument("--what", default="the wait began", help="what --since is")
        p.add_argument("--timeout", type=float, default=120)
    inv = sub.add_parser("invariants")
    inv.add_argument("--fixture", required=True)
    inv.add_argument("acks", nargs="+")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        commands = {"lease": cmd_lease, "closed": cmd_closed, "invariants": cmd_invariants}
        return commands[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
