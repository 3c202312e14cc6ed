"""Twenty retries of one scan at once, and many writers on the ledger at once."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_signup, make_tree, qr_for
from tests.shifts.test_concurrency import _run_in_threads
from timebank.auth.models import Role
from timebank.checkin.models import Attendance, Scan
from timebank.checkin.services import Result, record_scan
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.ledger import chain
from timebank.ledger.models import LedgerEntry
from timebank.ledger.services import adjust
from timebank.members.models import Member
from timebank.shifts.models import Shift

pytestmark = pytest.mark.concurrency


def _duty(starts_at, *, walk_in=False):
    """(staff, member, shift) on a new tree: the member signed up, unless a walk-in (the
    shift then takes walk-ins)."""
    tree = make_tree()
    shift = make_shift(tree.community, starts_at=starts_at, walk_ins=walk_in)
    member = make_member(tree.community)
    staff = make_member(tree.community, roles=[(Role.STAFF, tree.community)])
    if not walk_in:
        make_signup(member, shift)
    return staff, member, shift


def test_the_same_scan_id_from_twenty_threads_gives_one_attendance(app, committed):
    now = utcnow()
    staff, member, shift = _duty(now - timedelta(minutes=5))
    ids = (shift.id, staff.id)
    payload, scan_id = qr_for(member, now), str(uuid.uuid4())
    db.session.commit()

    def work(i):
        answer = record_scan(
            db.session.get(Member, ids[1]),
            ids[0],
            qr_payload=payload,
            scan_id=scan_id,
            scanned_at=now,
        )
        return answer.result, answer.body["action"], answer.body["attendance_id"]

    outcomes, errors = _run_in_threads(app, 20, work)
    assert errors == []
    assert sorted(s for s, _, _ in outcomes) == [Result.APPLIED] + [Result.REPLAYED] * 19
    assert {(a, i) for _, a, i in outcomes} == {("check_in", outcomes[0][2])}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1


def _scans_from_n_devices(app, ids, payload, now, n=6):
    """`n` threads scan one QR payload at shift ids[0] as staff ids[1], each with a scan_id
    of its own; (their actions, errors)."""

    def work(i):
        return record_scan(
            db.session.get(Member, ids[1]),
            ids[0],
            qr_payload=payload,
            scan_id=str(uuid.uuid4()),
            scanned_at=now,
        ).body["action"]

    return _run_in_threads(app, n, work)


def test_two_devices_scanning_one_member_at_once_check_in_once(app, committed):
    now = utcnow()
    staff, member, shift = _duty(now - timedelta(minutes=5))
    ids = (shift.id, staff.id)
    payload = qr_for(member, now)
    db.session.commit()

    outcomes, errors = _scans_from_n_devices(app, ids, payload, now)
    assert errors == []
    assert sorted(outcomes) == ["check_in"] + ["duplicate"] * 5


def test_two_devices_checking_one_member_out_at_once_credit_once(app, committed):
    """Both read the open attendance; the conditional close lets one through, and the
    others, decided again on what it wrote, answer duplicate."""
    now = utcnow()
    staff, member, shift = _duty(now - timedelta(hours=2))
    ids = (shift.id, staff.id)
    checked_in = now - timedelta(hours=1)
    first = record_scan(
        staff, shift.id, qr_payload=qr_for(member, checked_in), scan_id=str(uuid.uuid4()),
        scanned_at=checked_in, now=checked_in,
    )  # fmt: skip
    assert first.body["action"] == "check_in"
    db.session.commit()
    payload = qr_for(member, now)

    outcomes, errors = _scans_from_n_devices(app, ids, payload, now)
    assert errors == []
    assert sorted(outcomes) == ["check_out"] + ["duplicate"] * 5
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    assert [(e.kind, e.minutes) for e in entries] == [("service", 60)]
    assert chain.verify().ok


def test_two_devices_scanning_one_walk_in_at_once_take_one_place(app, committed):
    """A walk-in's place is claimed before the attendance is written; the scans that lose
    the race give theirs back (their transaction is rolled back) and answer duplicate."""
    now = utcnow()
    staff, member, shift = _duty(now - timedelta(minutes=5), walk_in=True)
    ids = (shift.id, staff.id)
    payload = qr_for(member, now)
    db.session.commit()

    outcomes, errors = _scans_from_n_devices(app, ids, payload, now)
    assert errors == []
    assert sorted(outcomes) == ["check_in"] + ["duplicate"] * 5
    db.session.expire_all()
    assert db.session.get(Shift, ids[0]).taken == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 1


def test_many_ledger_writers_keep_the_chain_whole(app, committed):
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[(Role.COORDINATOR, tree.community)])
    members = [make_member(tree.community).id for _ in range(16)]
    coordinator_id = coordinator.id
    db.session.commit()

    def work(i):
        actor = db.session.get(Member, coordinator_id)
        for k in range(5):
            adjust(actor, db.session.get(Member, members[i]), minutes=k + 1, reason=f"t{i}")
            db.session.commit()
        return i

    outcomes, errors = _run_in_threads(app, 16, work)
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 80
    result = chain.verify()
    assert result.ok and result.entries == 80


def test_a_check_out_waiting_for_the_chain_head_holds_no_lock_on_the_attendance(app, committed):
    """While another transaction holds the chain head (the auto-close job does, across a
    whole shift), a check-out waits for the head before it locks the attendance it will
    close: the job can still close that attendance, and nobody waits in a circle
    (timebank.checkin.closing locks the head first)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite's one writer serialises anyway)")
    now = utcnow()
    staff, member, shift = _duty(now - timedelta(hours=2))
    checked_in = now - timedelta(hours=1)
    record_scan(
        staff, shift.id, qr_payload=qr_for(member, checked_in), scan_id=str(uuid.uuid4()),
        scanned_at=checked_in, now=checked_in,
    )  # fmt: skip
    attendance_id = db.session.scalar(sa.select(Attendance.id))
    ids, payload = (shift.id, staff.id), qr_for(member, now)
    db.session.commit()

    holder, prober = db.engine.connect(), db.engine.connect()
    holder.execute(sa.text("SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE"))
    answers, scanner = (
        [],
        threading.Thread(
            target=lambda: answers.extend(_scans_from_n_devices(app, ids, payload, now, n=1))
        ),
    )
    scanner.start()
    try:
        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
        deadline = time.monotonic() + 10
        while prober.scalar(waiting) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert prober.scalar(waiting) == 1, "the check-out did not wait for the head"
        # the attendance is not locked by the waiting check-out
        locked = prober.execute(
            sa.text("SELECT id FROM attendances WHERE id = :id FOR UPDATE NOWAIT"),
            {"id": attendance_id},
        ).scalar()
        assert locked == attendance_id
    finally:
        prober.rollback()
        prober.close()
        holder.rollback()
        holder.close()
        scanner.join(30)
    outcomes, errors = answers
    assert errors == [] and outcomes == ["check_out"]
    assert chain.verify().ok
