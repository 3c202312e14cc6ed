"""Every API endpoint that takes an object id, tried by each role of one town against the
objects of another town: refused (403, 404, or 409 for "not invited"), and nothing of the
object leaks into the answer. The roles in scope get through (a positive control)."""

import re
from datetime import date, time, timedelta

import pytest

from tests.dispatch.conftest import make_world
from tests.factories import make_member, make_shift, make_signup, make_unit
from tests.party.conftest import join, make_org, make_secretary
from timebank.auth.models import Role
from timebank.certificates.services import issue
from timebank.checkin.models import Attendance
from timebank.core.clock import local, utcnow
from timebank.dispatch.intake import report_event
from timebank.exchange.offers import create_offer
from timebank.exchange.redemptions import redeem
from timebank.ledger.corrections import request_correction
from timebank.ledger.services import adjust
from timebank.members.notices import MEMBER_APPROVED
from timebank.members.services import request_transfer
from timebank.mobilisation.services import raise_callout
from timebank.notifications.rendering import unit_ref
from timebank.notifications.services import notify
from timebank.party.checks import open_check
from timebank.party.memberships import name_branch
from timebank.shifts.services import create_series
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


# The later domains: dispatch, party checks, certificates, the exchange, shift series.


@pytest.fixture
def far_more(tree, people, db):
    """Objects of the later domains that belong to the other town (or its party branch)."""
    now = utcnow()
    world = make_world(tree, people)
    far_grid = make_unit(Level.GRID, tree.far, code="T-DG-C1-G1", name="远方网格")
    event = report_event(
        people.far_member,
        now=now,
        category_code=world.street.code,
        description="远方路灯",
        grid_id=far_grid.id,
    )
    party = _far_party(people)
    check, _count = open_check(party["secretary"], party["branch"], "2026H2", now=now)
    newcomer = make_member(tree.far, name="远方新党员")
    request = name_branch(newcomer, party["branch"], now=now)
    adjust(people.far_coordinator, people.far_member, minutes=180, reason="远方值守", now=now)
    year = local(now).year
    cert = issue(
        people.far_member,
        people.far_member,
        first=date(year, 1, 1),
        last=date(year, 12, 31),
        now=now,
    )
    offer = create_offer(
        people.far_coordinator, tree.far, title="远方理发", price_minutes=60, stock=3, now=now
    )
    redemption = redeem(people.far_member, offer, now=now)
    series = create_series(
        people.far_coordinator,
        community_id=tree.far.id,
        title="远方早班",
        kind="checkpoint",
        first_day=local(now).date() + timedelta(days=3),
        start_time=time(8),
        end_time=time(12),
        days=2,
        capacity=2,
        now=now,
    )
    db.session.flush()
    return dict(
        unit=tree.far.id,
        member=people.far_member.id,
        event=event.id,
        check=check.id,
        org=party["branch"].id,
        ship=request.id,
        serial=cert.serial,
        redemption=redemption.id,
        offer=offer.id,
        series=series[0].series_key,
        shift=series[0].id,
        department=world.department.code,
        far_secretary=party["secretary"],
    )


def _far_party(people) -> dict:
    """A party branch of the other town's members, with its own secretary."""
    branch = make_org("P-DG-1", "branch", name="大岗社区党支部")
    secretary = make_member(people.far_member.community, name="远方书记")
    make_secretary(secretary, branch)
    join(people.far_member, branch)
    near = make_org("P-HG-9", "branch", name="黄阁党支部")
    make_secretary(people.neighbour, near)  # a secretary, of another branch
    return {"branch": branch, "secretary": secretary}


LATER = [
    ("POST", "/events/{event}/register", {}),
    ("POST", "/events/{event}/reject", {"reason": "x"}),
    (
        "POST",
        "/events/{event}/dispatch",
        {"department_code": "{department}"},
    ),
    ("POST", "/events/{event}/accept", None),
    ("POST", "/events/{event}/return", {"reason": "x"}),
    ("POST", "/events/{event}/handle", {"result": "x"}),
    ("POST", "/events/{event}/feedback", {"rating": 5}),
    ("POST", "/events/{event}/close", None),
    ("GET", "/events/{event}", None),
    ("POST", "/party-orgs/{org}/members", {"member_id": 1}),
    ("GET", "/checks/{check}/sheets/{member}", None),
    ("POST", "/checks/{check}/sheets/{member}/review", {"decisions": [], "added": []}),
    ("POST", "/checks/{check}/sheets/{member}/finalise", None),
    ("GET", "/checks/{check}/organisations/{org}", None),
    ("POST", "/checks/{check}/organisations/{org}/self-assessment", {"items": []}),
    ("POST", "/checks/{check}/organisations/{org}/review", {"decisions": [], "added": []}),
    ("POST", "/checks/{check}/organisations/{org}/finalise", None),
    ("POST", "/checks/{check}/sheets/{member}/comment", {"comment": "x"}),
    ("POST", "/party-memberships/{ship}/confirm", None),
    ("POST", "/party-memberships/{ship}/refuse", {"reason": "x"}),
    ("GET", "/certificates/{serial}/pdf", None),
    ("POST", "/certificates/{serial}/revoke", {"reason": "x"}),
    ("POST", "/redemptions/{redemption}/hand-over", None),
    ("POST", "/redemptions/{redemption}/reverse", {"reason": "x"}),
    ("PATCH", "/offers/{offer}", {"stock": 1}),
    ("POST", "/offers/{offer}/withdraw", None),
    ("GET", "/members/{member}/records", None),
    ("GET", "/units/{unit}/records", None),
    ("PATCH", "/shifts/series/{series}", {"title": "x"}),
    ("POST", "/shifts/series/{series}/cancel", {"reason": "x"}),
    ("POST", "/departments/{department}/handlers", {"member_id": 1}),
    ("POST", "/members/{member}/reject", {"reason": "x"}),
]
LATER_OUTSIDERS = [*OUTSIDERS, "neighbour_secretary"]
LATER_SECRETS = ["远方成员", "远方路灯", "远方早班", "远方理发", "远方新党员"]


def _fill(value, objects):
    if isinstance(value, str):
        return value.format(**objects)
    if isinstance(value, dict):
        return {k: _fill(v, objects) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "template", "body"), LATER, ids=[f"{m} {t}" for m, t, _ in LATER]
)
def test_later_domains_keep_other_towns_objects_out_of_reach(
    people, far_more, api, method, template, body
):
    """Each outsider in turn (a refusal changes nothing, so one fixture serves them all)."""
    for who in LATER_OUTSIDERS:
        actor = people.neighbour if who == "neighbour_secretary" else getattr(people, who)
        response = api(actor)._call(method, _fill(template, far_more), json=_fill(body, far_more))
        assert response.status_code in (403, 404), (who, method, template, response.json)
        text = response.get_data(as_text=True)
        assert not any(secret in text for secret in LATER_SECRETS), who
        assert people.far_member.phone not in text, who


def test_in_the_later_domains_those_in_scope_get_through(people, far_more, api):
    """A positive control: the same calls succeed for the other town's own people."""
    sec = api(far_more["far_secretary"])
    assert sec.get("/checks/{check}/sheets/{member}".format(**far_more)).status_code == 200
    own = sec.get("/checks/{check}/organisations/{org}".format(**far_more))
    assert own.status_code == 200, own.json
    confirmed = sec.post("/party-memberships/{ship}/confirm".format(**far_more))
    assert confirmed.status_code == 200, confirmed.json
    coordinator = api(people.far_coordinator)
    calls = [
        ("GET", "/events/{event}", None),
        ("POST", "/redemptions/{redemption}/hand-over", None),
        ("PATCH", "/shifts/series/{series}", {"title": "远方晚班"}),
        ("POST", "/certificates/{serial}/revoke", {"reason": "重开"}),
        ("PATCH", "/offers/{offer}", {"stock": 2}),
        ("POST", "/offers/{offer}/withdraw", None),
    ]
    for method, template, body in calls:
        response = coordinator._call(method, template.format(**far_more), json=body)
        assert response.status_code == 200, (template, response.json)


#: Operations on an object that are open to more than its scope, and why (SPEC).
OPEN = {
    ("GET", "/units/{}"): "the unit tree is open to members, like GET /units",
    ("GET", "/shifts/{}"): "SPEC: GET /shifts/{id} is for any caller",
    ("GET", "/shifts/series/{}"): "a series is its shifts, on the board",
    ("POST", "/shifts/{}/signups"): "SPEC: any active member signs up",
    ("DELETE", "/shifts/{}/signups/me"): "the caller's own sign-up",
    ("POST", "/checks/{}/sheets/me"): "the caller's own sheet",
    ("POST", "/checks/{}/sheets/me/acknowledge"): "the caller's own sheet",
    ("GET", "/certificates/{}/verify"): "SPEC: anyone verifies a certificate",
    ("POST", "/offers/{}/redeem"): "SPEC: any active member redeems an offer",
}


def _shape(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_operation_on_an_object_is_walked_or_open_by_design(client):
    spec = client.get("/api/v1/openapi.json").json
    operations = {
        (method.upper(), _shape(path.removeprefix("/api/v1")))
        for path, item in spec["paths"].items()
        if "{" in path
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    walked = {(m, _shape(t)) for m, t, _ in ENDPOINTS + LATER}
    assert operations - walked - set(OPEN) == set()
    assert set(OPEN) <= operations  # no stale exemption
