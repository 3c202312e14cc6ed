"""Scan times (SPEC 3.11): future times taken as arrival, back-dated scans only as offline
scans, flagged and listed for review with the staff member who scanned."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_shift, make_signup, qr_for
from timebank.checkin.attendance import enter_attendance
from timebank.checkin.jobs import close_shifts_job
from timebank.checkin.models import Attendance, Scan
from timebank.checkin.queries import list_to_review
from timebank.checkin.services import Result, record_scan
from timebank.core.errors import ValidationFailed
from timebank.ledger.queries import balance_minutes

START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00-12:00 Shanghai


@pytest.fixture
def duty(tree, people):
    cp = make_checkpoint(tree.community, lat=22.835, lon=113.525, radius_m=200)
    shift = make_shift(tree.community, starts_at=START, hours=4, checkpoint=cp)
    make_signup(people.member, shift)
    return shift


def scan(people, shift, at, *, now, **kw):
    """The member's code as shown at `at`, scanned at `at`, arriving at `now`."""
    return record_scan(
        people.staff,
        shift.id,
        qr_payload=qr_for(people.member, at),
        scan_id=str(uuid.uuid4()),
        scanned_at=at,
        now=now,
        **kw,
    )


def _code(answer):
    return answer.body.get("action") or answer.body["error"]["code"]


def test_a_back_dated_scan_without_offline_is_qr_expired(people, duty, db):
    """A screenshot of a code 10 minutes old, with scanned_at set back to match it."""
    at = START + timedelta(minutes=10)
    answer = scan(people, duty, at, now=at + timedelta(minutes=10))
    assert answer.result == Result.REFUSED and _code(answer) == "qr_expired"
    assert db.session.query(Attendance).count() == 0
    assert db.session.scalar(sa.select(Scan.outcome)) == "qr_expired"


def test_a_back_dated_scan_with_offline_but_no_offline_since_is_invalid(people, duty):
    at = START + timedelta(minutes=10)
    with pytest.raises(ValidationFailed) as exc:
        scan(people, duty, at, now=at + timedelta(minutes=10), offline=True)
    assert "offline_since" in exc.value.fields


def test_a_scan_within_two_windows_of_its_arrival_is_live(people, duty, db):
    at = START + timedelta(minutes=10)
    answer = scan(people, duty, at, now=at + timedelta(seconds=55))
    assert _code(answer) == "check_in"
    attendance = db.session.query(Attendance).one()
    assert attendance.check_in_method == "scan" and not attendance.offline


def test_an_offline_scan_is_accepted_flagged_and_listed_with_the_staff_name(people, duty, db):
    at = START + timedelta(minutes=10)
    since = at - timedelta(minutes=3)
    answer = scan(
        people, duty, at, now=at + timedelta(minutes=40), offline=True, offline_since=since
    )
    assert _code(answer) == "check_in"
    db.session.commit()
    db.session.expire_all()  # as written (on PostgreSQL by the one check-in statement)
    attendance = db.session.query(Attendance).one()
    assert attendance.offline and attendance.check_in_method == "offline_scan"
    assert attendance.checked_in_at == at
    assert attendance.checked_in_by_id == people.staff.id
    assert db.session.scalar(sa.select(Scan.offline_since)) == since
    # Scanned out live: the credit waits for the coordinator's review.
    out = scan(people, duty, START + timedelta(hours=4), now=START + timedelta(hours=4))
    assert out.body["credited_minutes"] == 230
    db.session.expire_all()
    (listed,) = list_to_review(people.coordinator)
    assert listed.id == attendance.id and listed.review == "pending"
    assert listed.checked_in_by.name == people.staff.name
    assert listed.check_out_method == "scan" and listed.offline


def test_an_offline_check_in_closed_automatically_is_listed(people, duty, db):
    at = START + timedelta(minutes=5)
    scan(
        people, duty, at, now=at + timedelta(minutes=20), offline=True, offline_since=START
    )  # fmt: skip
    close_shifts_job(now=START + timedelta(hours=5))
    (listed,) = list_to_review(people.coordinator)
    assert listed.offline and listed.auto_closed and listed.review == "pending"


@pytest.mark.parametrize(
    ("since", "why"),
    [
        (timedelta(minutes=1), "offline_since after scanned_at"),
        (timedelta(minutes=30), "offline_since after the arrival"),
    ],
)
def test_an_offline_scan_outside_offline_since_and_arrival_is_refused(people, duty, db, since, why):
    at = START + timedelta(minutes=10)
    now = at + timedelta(minutes=20)
    answer = scan(people, duty, at, now=now, offline=True, offline_since=at + since)
    assert _code(answer) == "qr_expired", why
    assert db.session.query(Attendance).count() == 0


def test_an_offline_scan_is_still_checked_against_its_own_time(people, duty):
    """offline does not revive an old code: the token must have been valid at scanned_at."""
    at = START + timedelta(minutes=10)
    answer = record_scan(
        people.staff,
        duty.id,
        qr_payload=qr_for(people.member, at - timedelta(minutes=5)),
        scan_id=str(uuid.uuid4()),
        scanned_at=at,
        offline=True,
        offline_since=at - timedelta(minutes=10),
        now=at + timedelta(minutes=20),
    )
    assert _code(answer) == "qr_expired"


def test_an_offline_scan_older_than_a_day_is_refused(people, duty):
    answer = scan(
        people, duty, START, now=START + timedelta(hours=25), offline=True,
        offline_since=START - timedelta(minutes=1),
    )  # fmt: skip
    assert _code(answer) == "scan_too_old"


@pytest.mark.parametrize("ahead", [timedelta(minutes=4), timedelta(days=2)])
def test_a_scanned_at_later_than_its_arrival_is_taken_as_the_arrival(people, duty, db, ahead):
    now = START + timedelta(minutes=10)
    answer = record_scan(
        people.staff,
        duty.id,
        qr_payload=qr_for(people.member, now),
        scan_id=str(uuid.uuid4()),
        scanned_at=now + ahead,
        now=now,
    )
    assert _code(answer) == "check_in"
    attendance = db.session.query(Attendance).one()
    assert attendance.checked_in_at == now and attendance.check_in_method == "scan"
    assert db.session.scalar(sa.select(Scan.scanned_at)) == now


def test_a_live_scan_sent_with_offline_flags_within_two_windows_is_not_flagged(people, duty, db):
    """The scanner lost the network for a few seconds only: a scan like any other."""
    at = START + timedelta(minutes=10)
    answer = scan(
        people, duty, at, now=at + timedelta(seconds=20), offline=True,
        offline_since=at - timedelta(seconds=5),
    )  # fmt: skip
    assert _code(answer) == "check_in"
    attendance = db.session.query(Attendance).one()
    assert not attendance.offline and attendance.check_in_method == "scan"
    assert list_to_review(people.coordinator) == []


def test_a_coordinator_entering_the_times_of_an_offline_check_in_is_not_reviewed(people, duty, db):
    at = START + timedelta(minutes=5)
    scan(people, duty, at, now=at + timedelta(minutes=20), offline=True, offline_since=START)
    attendance = db.session.query(Attendance).one()
    enter_attendance(
        people.coordinator,
        duty,
        people.member,
        checked_in_at=START,
        checked_out_at=START + timedelta(hours=2),
        reason="扫码枪没电",
        now=START + timedelta(hours=3),
    )
    assert attendance.review is None and balance_minutes(people.member.id) == 120


def test_an_offline_check_out_flags_a_live_check_in(people, duty, db):
    """The flag is written by the close itself (on PostgreSQL the one statement that also
    locks the chain head)."""
    assert _code(scan(people, duty, START, now=START)) == "check_in"
    db.session.commit()
    at = START + timedelta(hours=3)
    out = scan(people, duty, at, now=at + timedelta(hours=1), offline=True, offline_since=at)
    assert out.body["credited_minutes"] == 180
    db.session.commit()
    db.session.expire_all()
    attendance = db.session.query(Attendance).one()
    assert attendance.offline and attendance.review == "pending"
    assert (attendance.check_in_method, attendance.check_out_method) == ("scan", "offline_scan")
    assert attendance.checked_out_by_id == people.staff.id
