"""Every API endpoint that takes an object id, tried by each role of one town against the
objects of another town: refused (403, 404, or 409 for "not invited"), and nothing of the
object leaks into the answer. The roles in scope get through (a positive control)."""

from datetime import timedelta

import pytest

from tests.factories import make_member, make_shift, make_signup, make_unit
from timebank.auth.models import Role
from timebank.checkin.models import Attendance
from timebank.core.clock import utcnow
from timebank.ledger.corrections import request_correction
from timebank.ledger.services import adjust
from timebank.members.notices import MEMBER_APPROVED
from timebank.members.services import request_transfer
from timebank.mobilisation.services import raise_callout
from timebank.notifications.rendering import unit_ref
from timebank.notifications.services import notify
from timebank.units.models import Level


@pytest.fixture
def far(tree, people, db):
    """Objects of the other town (大岗镇), each reachable by an id."""
    now = utcnow()
    far2 = make_unit(Level.COMMUNITY, tree.other_town, code="T-DG-C2", name="大岗二社区")
    far2_coordinator = make_member(far2, roles=[(Role.COORDINATOR, far2)])
    member = people.far_member
    shift = make_shift(tree.far, starts_at=now - timedelta(days=1), hours=2)
    make_signup(member, shift)
    attendance = Attendance(
        member_id=member.id,
        shift_id=shift.id,
        check_in_method="scan",
        checked_in_at=shift.starts_at,
        checked_out_at=shift.ends_at,
        check_out_method="auto_close",
        auto_closed=True,
        review="pending",
        credited_minutes=120,
    )
    db.session.add(attendance)
    entry = adjust(people.far_coordinator, member, minutes=60, reason="x", now=now)
    correction = request_correction(
        member,
        shift_id=shift.id,
        claimed_in=shift.starts_at,
        claimed_out=shift.ends_at,
        reason="忘记扫码",
        now=now,
    )
    transfer = request_transfer(member, to_community_id=far2.id, now=now)
    notice = notify(
        member,
        MEMBER_APPROVED,
        subject_id=member.id,
        params={"community": unit_ref(tree.far)},
        now=now,
    )
    callout = raise_callout(
        people.admin,
        unit_id=tree.other_town.id,
        kind="service",
        title="远方召集",
        lat=tree.far.lat,
        lon=tree.far.lon,
        radius_km=1,
        needed=1,
        team_size=1,
        respond_within_s=300,
        now=now,
    )
    db.session.flush()
    return dict(
        unit=tree.far.id,
        member=member.id,
        transfer=transfer.id,
        role=people.far_coordinator.roles[0].id,
        shift=shift.id,
        notice=notice.id,
        attendance=attendance.id,
        entry=entry.id,
        correction=correction.id,
        callout=callout.id,
        far2_coordinator=far2_coordinator,
    )


ENDPOINTS = [
    ("PATCH", "/units/{unit}", {"name": "x"}),
    ("GET", "/members/{member}", None),
    ("PATCH", "/members/{member}", {"name": "x", "is_party_member": True, "skills": []}),
    ("POST", "/members/{member}/approve", None),
    ("POST", "/members/{member}/suspend", {"reason": "x"}),
    ("POST", "/members/{member}/reinstate", None),
    ("POST", "/transfers/{transfer}/decide", {"approve": True}),
    ("DELETE", "/roles/{role}", None),
    (
        "PATCH",
        "/shifts/{shift}",
        {
            "title": "x",
            "starts_at": "2030-01-01T08:00:00+08:00",
            "ends_at": "2030-01-01T12:00:00+08:00",
            "capacity": 5,
        },
    ),
    ("POST", "/shifts/{shift}/cancel", {"reason": "x"}),
    ("GET", "/shifts/{shift}/roster", None),
    ("POST", "/notifications/{notice}/read", None),
    ("POST", "/attendances/{attendance}/review", {"confirm": True}),
    ("GET", "/members/{member}/ledger", None),
    ("POST", "/ledger/entries/{entry}/reverse", {"reason": "x"}),
    ("POST", "/corrections/{correction}/decide", {"approve": False, "reason": "x"}),
    ("GET", "/callouts/{callout}", None),
    ("POST", "/callouts/{callout}/response", {"answer": "accept"}),
    ("POST", "/callouts/{callout}/close", None),
]
OUTSIDERS = ["neighbour", "staff", "coordinator", "organiser"]
SECRETS = ["远方成员", "远方通知", "远方召集"]


@pytest.mark.parametrize(
    ("method", "template", "body"), ENDPOINTS, ids=[f"{m} {t}" for m, t, _ in ENDPOINTS]
)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_towns_objects_are_out_of_reach(people, far, api, method, template, body, who):
    response = api(getattr(people, who))._call(method, template.format(**far), json=body)
    assert response.status_code in (403, 404, 409), (who, method, template, response.json)
    if response.status_code == 409:
        assert response.json["error"]["code"] == "not_invited"
    text = response.get_data(as_text=True)
    assert not any(secret in text for secret in SECRETS)
    assert people.far_member.phone not in text


@pytest.mark.parametrize(
    ("method", "template", "body", "who"),
    [
        ("GET", "/members/{member}", None, "far_coordinator"),
        ("GET", "/shifts/{shift}/roster", None, "far_coordinator"),
        ("GET", "/members/{member}/ledger", None, "far_coordinator"),
        ("POST", "/attendances/{attendance}/review", {"confirm": True}, "far_coordinator"),
        (
            "POST",
            "/corrections/{correction}/decide",
            {"approve": False, "reason": "x"},
            "far_coordinator",
        ),
        ("POST", "/transfers/{transfer}/decide", {"approve": True}, "far2_coordinator"),
        ("GET", "/callouts/{callout}", None, "admin"),
        ("POST", "/notifications/{notice}/read", None, "far_member"),
    ],
)
def test_those_in_scope_get_through(people, far, api, method, template, body, who):
    actor = far[who] if who in far else getattr(people, who)
    response = api(actor)._call(method, template.format(**far), json=body)
    assert response.status_code in (200, 201, 204), (who, template, response.json)
