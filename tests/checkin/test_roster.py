"""The roster with attendance (API and printable page): phones masked for checkpoint staff
(SPEC 3.6), offline scans and geofence overrides marked; the override audited; offline scans
in the coordinator's review list (API and page) with the staff member who scanned."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_shift, make_signup, qr_for
from timebank.audit.models import AuditEntry
from timebank.checkin.models import Attendance
from timebank.checkin.services import record_scan
from timebank.core.clock import utcnow
from timebank.core.privacy import mask_phone

GATE = (22.835, 113.525)
FAR = (GATE[0] + 0.01, GATE[1])  # about 1.1 km north


@pytest.fixture
def running(tree, people):
    """A checkpoint shift that started an hour ago; the member and the neighbour signed up."""
    cp = make_checkpoint(tree.community, name="北门卡口", lat=GATE[0], lon=GATE[1])
    shift = make_shift(tree.community, starts_at=utcnow() - timedelta(hours=1), checkpoint=cp)
    make_signup(people.member, shift)
    make_signup(people.neighbour, shift)
    return shift


def _scan(staff, shift, member, at=None, now=None, **kw):
    at = at or utcnow()
    return record_scan(
        staff,
        shift.id,
        qr_payload=qr_for(member, at),
        scan_id=str(uuid.uuid4()),
        scanned_at=at,
        now=now or at,
        **kw,
    )


def _override(people, shift, **kw):
    return _scan(
        people.staff, shift, people.member, lat=FAR[0], lon=FAR[1],
        override_reason="卡口临时移到路口", **kw,
    )  # fmt: skip


def _offline_check_in(people, shift):
    now = utcnow()
    at = now - timedelta(minutes=20)
    answer = _scan(
        people.staff, shift, people.neighbour, at=at, now=now, offline=True,
        offline_since=at - timedelta(minutes=5),
    )  # fmt: skip
    assert answer.body["action"] == "check_in", answer.body


def _audits(db, action="scan.geofence_override"):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_an_accepted_geofence_override_is_audited(people, running, db):
    refused = _scan(people.staff, running, people.member, lat=FAR[0], lon=FAR[1])
    assert refused.body["error"]["code"] == "outside_geofence"
    assert _audits(db) == []  # refused: nothing was recorded
    assert _override(people, running).body["action"] == "check_in"
    out = _override(people, running, at=utcnow() + timedelta(minutes=5))
    assert out.body["action"] == "check_out"
    attendance = db.session.query(Attendance).one()
    entries = _audits(db)
    assert [e.details["action"] for e in entries] == ["check_in", "check_out"]
    for entry in entries:
        assert entry.actor_id == people.staff.id and entry.unit_id == running.community_id
        assert (entry.target_type, entry.target_id) == ("Attendance", attendance.id)
        assert entry.details["reason"] == "卡口临时移到路口"
        assert entry.details["member_id"] == people.member.id
        assert entry.details["distance_m"] > 1000 and entry.details["radius_m"] == 200


def test_an_override_replayed_is_audited_once(people, running, db):
    scan_id = str(uuid.uuid4())
    for _ in range(2):
        record_scan(
            people.staff, running.id, qr_payload=qr_for(people.member, utcnow()),
            scan_id=scan_id, lat=FAR[0], lon=FAR[1], override_reason="路口",
        )  # fmt: skip
        db.session.commit()
    assert len(_audits(db)) == 1


def test_roster_api_marks_overrides_and_offline_scans(people, running, api):
    _override(people, running)
    _offline_check_in(people, running)
    items = api(people.coordinator).get(f"/shifts/{running.id}/roster").json["items"]
    rows = {row["member_id"]: row for row in items}
    member, neighbour = rows[people.member.id], rows[people.neighbour.id]
    assert member["outside_geofence_override"] is True
    assert member["override_reason"] == "卡口临时移到路口"
    assert member["offline"] is False and member["check_in_method"] == "scan"
    assert neighbour["offline"] is True and neighbour["check_in_method"] == "offline_scan"
    assert neighbour["outside_geofence_override"] is False


def test_roster_api_masks_phones_for_staff_and_shows_them_to_coordinators(people, running, api):
    for who, full in (("staff", False), ("coordinator", True)):
        items = api(getattr(people, who)).get(f"/shifts/{running.id}/roster").json["items"]
        for row in items:
            member = people.member if row["member_id"] == people.member.id else people.neighbour
            expected = member.phone if full else mask_phone(member.phone)
            assert (row["phone"], row["phone_visible"]) == (expected, full), who


def test_roster_page_masks_phones_for_staff_and_marks_the_scans(people, running, login):
    _override(people, running)
    _offline_check_in(people, running)
    html = login(people.staff).get(f"/shifts/{running.id}/roster").get_data(as_text=True)
    assert people.member.phone not in html and people.neighbour.phone not in html
    assert mask_phone(people.member.phone) in html and "tel:" not in html
    assert f'data-test="override-{people.member.id}"' in html and "卡口临时移到路口" in html
    assert f'data-test="offline-in-{people.neighbour.id}"' in html
    html = login(people.coordinator).get(f"/shifts/{running.id}/roster").get_data(as_text=True)
    assert f'href="tel:{people.member.phone}"' in html
    assert f'href="tel:{people.neighbour.phone}"' in html


def test_offline_scans_are_in_the_review_list_with_the_staff_name(people, running, api, login):
    _offline_check_in(people, running)
    _scan(people.staff, running, people.neighbour, at=utcnow() + timedelta(minutes=1))
    (item,) = api(people.coordinator).get("/attendances/review").json["items"]
    assert item["offline"] is True and item["review"] == "pending"
    assert item["check_in_method"] == "offline_scan" and item["check_out_method"] == "scan"
    assert item["checked_in_by"] == {"id": people.staff.id, "name": people.staff.name}
    html = login(people.coordinator).get("/attendances/review").get_data(as_text=True)
    assert f'data-test="offline-in-{item["id"]}"' in html and people.staff.name in html
    assert f'data-test="offline-out-{item["id"]}"' not in html
