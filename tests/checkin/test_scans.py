import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_checkpoint, make_shift, make_signup, qr_for
from timebank.checkin.models import Attendance
from timebank.checkin.services import Result, record_scan
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.ledger.models import LedgerEntry
from timebank.ledger.queries import balance_minutes

START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00-12:00 Shanghai


@pytest.fixture
def duty(tree, people):
    cp = make_checkpoint(tree.community, lat=22.835, lon=113.525, radius_m=200)
    shift = make_shift(
        tree.community,
        starts_at=START,
        hours=4,
        checkpoint=cp,
        capacity=3,
        created_at=START - timedelta(days=1),
    )
    make_signup(people.member, shift)
    return shift


def scan(staff, shift, member, at, *, now=None, scan_id=None, qr_at=None, **kw):
    return record_scan(
        staff,
        shift.id,
        qr_payload=qr_for(member, qr_at or at),
        scan_id=scan_id or str(uuid.uuid4()),
        scanned_at=at,
        now=now or at,
        **kw,
    )


def test_check_in_then_check_out_credits_the_overlap(people, duty, db):
    first = scan(people.staff, duty, people.member, START - timedelta(minutes=20))
    assert first.result == Result.APPLIED and first.body["action"] == "check_in"
    assert first.body["member"] == {"id": people.member.id, "name": people.member.name}
    out = scan(people.staff, duty, people.member, START + timedelta(hours=4, minutes=40))
    assert out.body["action"] == "check_out"
    # credited window: 07:45 .. 12:30 -> 4 h 45 min
    assert out.body["credited_minutes"] == 285
    assert balance_minutes(people.member.id) == 285
    entry = db.session.query(LedgerEntry).one()
    assert (entry.kind, entry.minutes, entry.shift_id) == ("service", 285, duty.id)


def test_second_scan_within_the_duplicate_window_is_harmless(people, duty, db):
    scan(people.staff, duty, people.member, START)
    again = scan(people.staff, duty, people.member, START + timedelta(seconds=59))
    assert again.body["action"] == "duplicate"
    assert db.session.query(Attendance).one().is_open
    assert (
        scan(people.staff, duty, people.member, START + timedelta(seconds=61)).body["action"]
        == "check_out"
    )
    after = scan(people.staff, duty, people.member, START + timedelta(hours=1))
    assert after.body["action"] == "duplicate"
    assert db.session.query(LedgerEntry).count() == 1


def test_same_scan_id_is_applied_once_and_answers_the_first_answer(people, duty, db):
    scan_id = str(uuid.uuid4())
    first = scan(people.staff, duty, people.member, START, scan_id=scan_id)
    db.session.commit()  # each scan is a request of its own
    replay = scan(people.staff, duty, people.member, START + timedelta(minutes=5), scan_id=scan_id)
    assert replay.result == Result.REPLAYED and replay.body == first.body
    assert db.session.query(Attendance).one().is_open
    assert db.session.query(LedgerEntry).count() == 0  # the repeat did not check out


def test_a_repeat_decided_differently_is_undone_and_answers_the_first_answer(
    people, duty, tree, db
):
    """The first scan was refused (no sign-up); by the time the same scan_id comes again
    the member has a place: the repeat would check in, but its work is rolled back and the
    stored refusal answered."""
    scan_id = str(uuid.uuid4())
    first = scan(people.staff, duty, people.neighbour, START, scan_id=scan_id)
    assert first.body["error"]["code"] == "not_signed_up"
    make_signup(people.neighbour, duty)
    db.session.commit()
    again = scan(people.staff, duty, people.neighbour, START, scan_id=scan_id)
    assert again.result == Result.REFUSED and again.body == first.body
    assert db.session.query(Attendance).count() == 0
    assert scan(people.staff, duty, people.neighbour, START).body["action"] == "check_in"


def test_refusal_is_replayed_too(people, duty, db):
    scan_id = str(uuid.uuid4())
    first = record_scan(
        people.staff, duty.id, qr_payload="nonsense", scan_id=scan_id, scanned_at=START, now=START
    )
    db.session.commit()
    again = record_scan(
        people.staff, duty.id, qr_payload="nonsense", scan_id=scan_id, scanned_at=START, now=START
    )
    assert first.result == again.result == Result.REFUSED
    assert again.body["error"]["code"] == "qr_invalid"


def test_expired_and_forged_codes(people, duty):
    old = scan(people.staff, duty, people.member, START, qr_at=START - timedelta(seconds=61))
    assert old.body["error"]["code"] == "qr_expired"
    recent = scan(people.staff, duty, people.member, START, qr_at=START - timedelta(seconds=25))
    assert recent.body["action"] == "check_in"  # the previous window is still good
    forged = qr_for(people.member, START).replace(
        f".{people.member.id}.", f".{people.neighbour.id}."
    )
    answer = record_scan(
        people.staff,
        duty.id,
        qr_payload=forged,
        scan_id=str(uuid.uuid4()),
        scanned_at=START,
        now=START,
    )
    assert answer.body["error"]["code"] == "qr_invalid"


def test_member_without_signup_is_refused(people, duty):
    answer = scan(people.staff, duty, people.neighbour, START)
    assert answer.result == Result.REFUSED and answer.body["error"]["code"] == "not_signed_up"
    assert answer.body["member"]["id"] == people.neighbour.id


def test_walk_ins_take_free_places_only(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, capacity=1, walk_ins=True)
    assert scan(people.staff, shift, people.neighbour, START).body["action"] == "check_in"
    assert shift.taken == 1 or db.session.get(type(shift), shift.id).taken == 1
    full = scan(people.staff, shift, people.member, START)
    assert full.body["error"]["code"] == "not_signed_up"


GATE = (22.835, 113.525)


@pytest.mark.parametrize(("metres_north", "ok"), [(0, True), (190, True), (215, False)])
def test_geofence_edges(people, duty, metres_north, ok):
    lat = GATE[0] + metres_north / 111_000
    answer = scan(people.staff, duty, people.member, START, lat=lat, lon=GATE[1])
    assert (answer.result == Result.APPLIED) is ok
    if not ok:
        assert answer.body["error"]["code"] == "outside_geofence"


def test_geofence_override_with_reason_is_flagged(people, duty, db):
    far = (GATE[0] + 0.01, GATE[1])  # about 1.1 km
    answer = scan(
        people.staff,
        duty,
        people.member,
        START,
        lat=far[0],
        lon=far[1],
        override_reason="卡口临时移到路口",
    )
    assert answer.body["action"] == "check_in"
    attendance = db.session.query(Attendance).one()
    assert attendance.outside_geofence_override
    assert attendance.override_reason == "卡口临时移到路口"


def test_a_check_out_outside_the_geofence_with_a_reason_is_flagged_and_credited(people, duty, db):
    """The flag is written by the close itself (on PostgreSQL the one statement that also
    locks the chain head), not left for the session to flush before it."""
    scan(people.staff, duty, people.member, START)
    db.session.commit()
    far = (GATE[0] + 0.01, GATE[1])
    out = scan(
        people.staff, duty, people.member, START + timedelta(hours=2), lat=far[0], lon=far[1],
        override_reason="卡口临时移到路口",
    )  # fmt: skip
    assert out.body["action"] == "check_out" and out.body["credited_minutes"] == 120
    db.session.commit()
    db.session.expire_all()
    attendance = db.session.query(Attendance).one()
    assert attendance.outside_geofence_override
    assert attendance.override_reason == "卡口临时移到路口"
    assert balance_minutes(people.member.id) == 120


def test_no_position_means_no_geofence_check(people, duty):
    assert scan(people.staff, duty, people.member, START).body["action"] == "check_in"


def test_offline_scans_late_and_out_of_order(people, duty, db):
    now = START + timedelta(hours=6)  # the device comes back online
    offline = {"offline": True, "offline_since": START - timedelta(minutes=10)}
    out = scan(people.staff, duty, people.member, START + timedelta(hours=4), now=now, **offline)
    assert out.body["action"] == "check_in"  # first to arrive: taken as the check-in
    late_in = scan(
        people.staff, duty, people.member, START - timedelta(minutes=5), now=now, **offline
    )
    assert late_in.body["action"] == "check_in"
    attendance = db.session.query(Attendance).one()
    assert attendance.checked_in_at == START - timedelta(minutes=5)
    assert attendance.checked_out_at == START + timedelta(hours=4)
    assert attendance.check_in_method == attendance.check_out_method == "offline_scan"
    assert attendance.offline and attendance.review == "pending"
    assert attendance.credited_minutes == 245
    assert balance_minutes(people.member.id) == 245


def test_offline_scan_older_than_a_day_is_refused(people, duty):
    answer = scan(people.staff, duty, people.member, START, now=START + timedelta(hours=25))
    assert answer.body["error"]["code"] == "scan_too_old"


def test_scan_id_must_be_a_uuid(people, duty):
    with pytest.raises(ValidationFailed) as exc:
        record_scan(people.staff, duty.id, qr_payload="x", scan_id="not-a-uuid", now=START)
    assert "scan_id" in exc.value.fields


def test_only_staff_in_scope_scan(people, duty):
    for who in ("member", "far_coordinator"):
        with pytest.raises(NotAllowed):
            scan(getattr(people, who), duty, people.member, START)
    assert scan(people.coordinator, duty, people.member, START).result == Result.APPLIED


def test_lecture_keeps_attendance_but_credits_nothing(people, tree, db):
    lecture = make_shift(tree.community, starts_at=START, hours=2, kind="lecture")
    make_signup(people.member, lecture)
    scan(people.staff, lecture, people.member, START)
    out = scan(people.staff, lecture, people.member, START + timedelta(hours=2))
    assert out.body["action"] == "check_out" and out.body["credited_minutes"] == 0
    entry = db.session.query(LedgerEntry).one()
    assert entry.minutes == 0 and entry.kind == "service"


def test_suspended_member_is_refused(people, duty):
    from timebank.members.services import suspend_member

    suspend_member(people.coordinator, people.member, reason="r")
    assert (
        scan(people.staff, duty, people.member, START).body["error"]["code"] == "member_not_active"
    )
