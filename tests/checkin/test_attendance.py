import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_shift, make_signup, qr_for
from timebank.checkin.attendance import enter_attendance, review_attendance
from timebank.checkin.jobs import close_shifts_job
from timebank.checkin.models import Attendance, Scan
from timebank.checkin.services import record_scan
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.ledger import chain
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust
from timebank.shifts.models import Signup

START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=4)


def _scan(staff, shift, member, at):
    return record_scan(
        staff,
        shift.id,
        qr_payload=qr_for(member, at),
        scan_id=str(uuid.uuid4()),
        scanned_at=at,
        now=at,
    )


def test_auto_close_at_end_plus_grace(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    make_signup(people.member, shift)
    make_signup(people.neighbour, shift)  # never comes
    _scan(people.staff, shift, people.member, START + timedelta(minutes=10))
    assert close_shifts_job(now=END + timedelta(minutes=29)) == 0  # not yet
    assert close_shifts_job(now=END + timedelta(minutes=30)) == 1
    assert close_shifts_job(now=END + timedelta(minutes=31)) == 0  # once
    attendance = db.session.query(Attendance).one()
    assert attendance.checked_out_at == END and attendance.auto_closed
    assert attendance.check_out_method == "auto_close" and attendance.review == "pending"
    assert attendance.credited_minutes == 230
    assert balance_minutes(people.member.id) == 230
    statuses = {s.member_id: s.status for s in db.session.query(Signup)}
    assert statuses == {people.member.id: "confirmed", people.neighbour.id: "no_show"}


@contextlib.contextmanager
def _statements(db):
    """The SQL sent on the session's connection while inside."""
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", note)


def test_a_check_out_locks_the_ledger_head_before_the_attendance(people, tree, db):
    """Every closer takes the head first (the auto-close job holds it across a whole
    shift): a scan that locked the attendance first and then waited for the head would
    deadlock with the job."""
    shift = make_shift(tree.community, starts_at=START, hours=4)
    make_signup(people.member, shift)
    _scan(people.staff, shift, people.member, START + timedelta(minutes=10))
    db.session.commit()
    with _statements(db) as seen:
        answer = _scan(people.staff, shift, people.member, START + timedelta(hours=2))
    assert answer.body["action"] == "check_out"
    head = next(i for i, s in enumerate(seen) if "FROM ledger_head" in s)
    close = next(i for i, s in enumerate(seen) if "UPDATE attendances" in s)
    # SQLite: an earlier statement; PostgreSQL: the close's own (its order inside that
    # statement is proved under load in test_concurrency)
    assert head <= close


def test_the_auto_close_job_locks_the_head_once_for_a_shift(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    for member in (people.member, people.neighbour, people.staff):
        make_signup(member, shift)
        _scan(people.staff, shift, member, START + timedelta(minutes=10))
    db.session.commit()
    with _statements(db) as seen:
        assert close_shifts_job(now=END + timedelta(minutes=30)) == 1
    assert len([s for s in seen if "FROM ledger_head" in s]) == 1
    db.session.commit()
    verification = chain.verify()
    assert verification.ok and verification.entries == 3


def test_an_append_undone_by_a_savepoint_leaves_the_chain_whole(people, db):
    """The head a transaction has locked is remembered for its later appends; a savepoint
    rolled back after an append must not leave that memory pointing past the real head."""
    adjust(people.coordinator, people.member, minutes=30, reason="补录")
    with contextlib.suppress(RuntimeError), db.session.begin_nested():
        adjust(people.coordinator, people.member, minutes=45, reason="撤回的")
        raise RuntimeError("undo the savepoint")
    adjust(people.coordinator, people.member, minutes=60, reason="补录")
    db.session.commit()
    verification = chain.verify()
    assert verification.ok and verification.entries == 2
    assert balance_minutes(people.member.id) == 90


def test_review_confirms_or_reverses(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    make_signup(people.member, shift)
    _scan(people.staff, shift, people.member, START)
    close_shifts_job(now=END + timedelta(hours=1))
    attendance = db.session.query(Attendance).one()
    with pytest.raises(NotAllowed):
        review_attendance(people.staff, attendance, confirm=True)
    with pytest.raises(ValidationFailed):
        review_attendance(people.coordinator, attendance, confirm=False, reason="")
    review_attendance(people.coordinator, attendance, confirm=False, reason="早退了")
    assert attendance.review == "reversed" and balance_minutes(people.member.id) == 0
    with pytest.raises(Conflict):
        review_attendance(people.coordinator, attendance, confirm=True)


def test_manual_attendance_when_a_phone_died(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    entered = enter_attendance(
        people.coordinator,
        shift,
        people.member,
        checked_in_at=START,
        checked_out_at=END,
        reason="手机没电",
        now=END + timedelta(hours=2),
    )
    assert entered.check_in_method == "coordinator" and entered.credited_minutes == 240
    assert entered.manual_reason == "手机没电"
    assert balance_minutes(people.member.id) == 240
    with pytest.raises(Conflict):
        enter_attendance(
            people.coordinator,
            shift,
            people.member,
            checked_in_at=START,
            checked_out_at=END,
            reason="again",
            now=END,
        )
    with pytest.raises(ValidationFailed) as exc:
        enter_attendance(
            people.coordinator,
            shift,
            people.neighbour,
            checked_in_at=END,
            checked_out_at=START,
            reason="",
            now=END,
        )
    assert {"checked_out_at", "reason"} <= set(exc.value.fields)
    with pytest.raises(NotAllowed):
        enter_attendance(
            people.far_coordinator,
            shift,
            people.neighbour,
            checked_in_at=START,
            checked_out_at=END,
            reason="x",
            now=END,
        )


def test_manual_entry_closes_an_open_attendance(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    make_signup(people.member, shift)
    _scan(people.staff, shift, people.member, START)
    enter_attendance(
        people.coordinator,
        shift,
        people.member,
        checked_in_at=START,
        checked_out_at=START + timedelta(hours=2),
        reason="扫码枪坏了",
        now=END,
    )
    assert db.session.query(Attendance).one().credited_minutes == 120


def test_manual_attendance_cannot_end_in_the_future(people, tree):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    with pytest.raises(ValidationFailed) as exc:
        enter_attendance(
            people.coordinator,
            shift,
            people.member,
            checked_in_at=START,
            checked_out_at=END,
            reason="x",
            now=START + timedelta(hours=1),
        )
    assert "checked_out_at" in exc.value.fields


def test_a_check_out_on_a_database_without_the_chain_head_row_makes_it(people, tree, db):
    """The migration seeds the head row; a database made otherwise gets it from the first
    ledger write (on PostgreSQL the check-out's one statement then finds no head and the
    check-out goes the long way: the head made and locked, then the close)."""
    shift = make_shift(tree.community, starts_at=START, hours=4)
    make_signup(people.member, shift)
    _scan(people.staff, shift, people.member, START + timedelta(minutes=10))
    db.session.execute(sa.text("DELETE FROM ledger_head"))
    answer = _scan(people.staff, shift, people.member, START + timedelta(hours=2))
    assert answer.body["action"] == "check_out" and answer.body["credited_minutes"] == 110
    db.session.commit()
    assert balance_minutes(people.member.id) == 110
    assert db.session.query(Scan).count() == 2
    verification = chain.verify()
    assert verification.ok and verification.entries == 1
