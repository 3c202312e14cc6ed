"""Members' branches on the pages: registration and the profile name one (a searchable
select), the secretary confirms or refuses on the checks page, the admin on the
organisations page."""

import sqlalchemy as sa

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.members.models import Member
from timebank.party import memberships
from timebank.party.models import PartyMembership


def _register(tree, org_id, **overrides):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
        "is_party_member": "y",
        "party_org_id": str(org_id),
    }
    data.update(overrides)
    return data


def _ships(phone):
    member = db.session.scalar(sa.select(Member).where(Member.phone == phone))
    if member is None:
        return None
    return [
        (s.party_org_id, s.status)
        for s in db.session.scalars(
            sa.select(PartyMembership).where(PartyMembership.member_id == member.id)
        )
    ]


def test_registration_names_a_branch_from_a_searchable_select(party, tree, client):
    html = client.get("/register").get_data(as_text=True)
    assert 'name="party_org_id"' in html and "data-searchable" in html
    assert party.branch.name in html and party.general.name in html  # optgroup
    r = client.post("/register", data=_register(tree, party.branch.id))
    assert r.status_code == 302
    assert _ships("13800138000") == [(party.branch.id, "pending")]


def test_registration_without_a_branch_or_with_a_bad_one(party, tree, client):
    assert client.post("/register", data=_register(tree, "")).status_code == 302
    assert _ships("13800138000") == []
    r = client.post("/register", data=_register(tree, "1\x00", phone="13800138109"))
    assert r.status_code == 200 and _ships("13800138109") is None  # refused, not a 500
    for n, bad in enumerate(("abc", "99999999999999999999", "-3")):
        r = client.post("/register", data=_register(tree, bad, phone=f"1380013810{n}"))
        assert r.status_code == 302, bad  # an unreadable choice is no choice
        assert _ships(f"1380013810{n}") == []
    r = client.post(
        "/register", data=_register(tree, party.branch.id, phone="13800138002", is_party_member="")
    )
    assert r.status_code == 200 and "只有党员才能加入党支部" in r.get_data(as_text=True)
    assert _ships("13800138002") is None  # nothing half-written


def test_the_profile_shows_the_branch_and_asks_for_another(party, people, login):
    client = login(people.member)
    html = client.get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="branch-panel"' in html and "data-searchable" in html
    r = client.post("/members/me/branch", data={"party_org_id": party.other_branch.id})
    assert r.status_code == 302
    html = client.get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="branch-pending"' in html and party.other_branch.name in html
    # a coordinator looking at the member sees the branch, not the member's form
    html = login(people.coordinator).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="party-branch"' in html and 'data-test="branch-panel"' not in html


def test_a_refusal_and_its_reason_show_on_the_profile(party, people, login):
    ship = memberships.name_branch(people.member, party.other_branch, now=utcnow())
    memberships.decide(party.other_secretary, ship, confirm=False, reason="查无此人", now=utcnow())
    html = login(people.member).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="branch-refused"' in html and "查无此人" in html


def test_a_pending_member_may_name_their_branch(party, people, login):
    client = login(people.pending)
    r = client.post("/members/me/branch", data={"party_org_id": party.branch.id})
    assert r.status_code == 302
    assert memberships.pending_of(people.pending).party_org_id == party.branch.id


def test_the_secretary_confirms_and_refuses_on_the_checks_page(party, tree, login):
    a = make_member(tree.community, name="甲党员")
    b = make_member(tree.community, name="乙党员")
    ship_a = memberships.name_branch(a, party.branch, now=utcnow())
    ship_b = memberships.name_branch(b, party.branch, now=utcnow())
    client = login(party.secretary)
    html = client.get("/party/checks").get_data(as_text=True)
    assert f'data-test="branch-request-{ship_a.id}"' in html and "乙党员" in html
    html = login(party.other_secretary).get("/party/checks").get_data(as_text=True)
    assert 'data-test="branch-requests"' not in html
    r = login(party.other_secretary).post(
        f"/party/memberships/{ship_a.id}/decide", data={"decision": "confirm"}
    )
    assert r.status_code == 403
    client = login(party.secretary)
    r = client.post(f"/party/memberships/{ship_a.id}/decide", data={"decision": "confirm"})
    assert r.status_code == 302 and ship_a.status == "confirmed"
    r = client.post(
        f"/party/memberships/{ship_b.id}/decide",
        data={"decision": "refuse", "reason": ""},
        follow_redirects=True,
    )
    assert "必填" in r.get_data(as_text=True) and ship_b.status == "pending"
    r = client.post(
        f"/party/memberships/{ship_b.id}/decide", data={"decision": "refuse", "reason": "外单位"}
    )
    assert ship_b.status == "refused" and ship_b.reason == "外单位"
    r = client.post(
        f"/party/memberships/{ship_b.id}/decide",
        data={"decision": "confirm"},
        follow_redirects=True,
    )
    assert "已经处理过" in r.get_data(as_text=True) and ship_b.status == "refused"
    assert client.post("/party/memberships/99999/decide", data={}).status_code == 404


def test_the_admin_decides_on_the_organisations_page(party, people, tree, login):
    a = make_member(tree.community, name="甲党员")
    ship = memberships.name_branch(a, party.other_branch, now=utcnow())
    client = login(people.admin)
    html = client.get("/party/orgs").get_data(as_text=True)
    assert f'data-test="branch-request-{ship.id}"' in html
    r = client.post(
        f"/party/memberships/{ship.id}/decide", data={"decision": "confirm", "next": "party.orgs"}
    )
    assert r.status_code == 302 and r.location.endswith("/party/orgs")
    assert ship.status == "confirmed"
