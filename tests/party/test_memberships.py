"""Members' branches: a member names one, a secretary in scope or an admin confirms or
refuses it, the member is told; the rows keep the history (SPEC 7)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.factories import make_member
from tests.party.conftest import join, make_org
from timebank.core.clock import utcnow
from timebank.core.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from timebank.extensions import db as _db
from timebank.notifications.models import Notification
from timebank.party import memberships
from timebank.party.models import PartyMembership


def _rows(member):
    return {
        (s.party_org_id, s.status)
        for s in _db.session.scalars(
            sa.select(PartyMembership).where(PartyMembership.member_id == member.id)
        )
    }


def _notices(member, kind):
    return list(
        _db.session.scalars(
            sa.select(Notification).where(
                Notification.member_id == member.id, Notification.kind == kind
            )
        )
    )


def test_naming_a_branch_is_a_pending_request_and_a_new_one_withdraws_it(party, tree, db):
    newcomer = make_member(tree.community)
    first = memberships.name_branch(newcomer, party.branch, now=utcnow())
    assert first.status == "pending"
    assert memberships.name_branch(newcomer, party.branch, now=utcnow()).id == first.id
    second = memberships.name_branch(newcomer, party.other_branch, now=utcnow())
    assert second.status == "pending" and first.status == "withdrawn"
    assert _rows(newcomer) == {
        (party.branch.id, "withdrawn"),
        (party.other_branch.id, "pending"),
    }


def test_naming_the_confirmed_branch_again_asks_nothing(party, people, db):
    ship = memberships.name_branch(people.member, party.branch, now=utcnow())
    assert ship.status == "confirmed"
    assert _rows(people.member) == {(party.branch.id, "confirmed")}


def test_only_party_members_name_a_branch_and_only_a_branch(party, tree, db):
    mass = make_member(tree.community, is_party_member=False)
    with pytest.raises(RuleViolation) as raised:
        memberships.name_branch(mass, party.branch, now=utcnow())
    assert raised.value.code == "not_party_member"
    with pytest.raises(ValidationFailed) as raised:
        memberships.name_branch(make_member(tree.community), party.general, now=utcnow())
    assert "party_org_id" in raised.value.fields
    assert _rows(mass) == set()


@pytest.mark.parametrize("status", ["confirmed", "pending"])
def test_the_database_holds_one_live_row_of_each_status(party, people, db, status):
    def row(org):
        return PartyMembership(
            member_id=people.neighbour.id, party_org_id=org.id, status=status, created_at=utcnow()
        )

    _db.session.add(row(party.other_branch) if status == "confirmed" else row(party.branch))
    if status == "pending":
        _db.session.add(row(party.other_branch))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def test_history_rows_are_not_limited(party, people, db):
    for status in ("replaced", "replaced", "refused", "withdrawn", "withdrawn"):
        _db.session.add(
            PartyMembership(
                member_id=people.member.id,
                party_org_id=party.other_branch.id,
                status=status,
                created_at=utcnow(),
            )
        )
    _db.session.flush()
    assert len(memberships.history_of(people.member)) == 6


@pytest.mark.parametrize("decider", ["secretary", "committee_secretary", "admin"])
def test_confirming_replaces_the_old_branch_and_tells_the_member(party, people, db, decider):
    actor = people.admin if decider == "admin" else getattr(party, decider)
    ship = memberships.name_branch(people.member, party.other_branch, now=utcnow())
    other_actor = party.other_secretary if decider == "secretary" else actor
    memberships.decide(other_actor, ship, confirm=True, now=utcnow())
    assert ship.status == "confirmed" and ship.confirmed_by_id == other_actor.id
    assert _rows(people.member) == {
        (party.branch.id, "replaced"),
        (party.other_branch.id, "confirmed"),
    }
    [notice] = _notices(people.member, "party_branch_confirmed")
    assert notice.params["org"] == party.other_branch.name


def test_a_secretary_of_another_branch_or_a_coordinator_may_not_decide(party, people, tree, db):
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    for outsider in (party.other_secretary, people.coordinator, people.organiser, newcomer):
        with pytest.raises(NotAllowed):
            memberships.decide(outsider, ship, confirm=True, now=utcnow())
        with pytest.raises(NotAllowed):
            memberships.decide(outsider, ship, confirm=False, reason="不认识", now=utcnow())
    assert ship.status == "pending"


def test_refusing_needs_a_reason_and_tells_the_member_why(party, tree, db):
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    for blank in (None, "", "   "):
        with pytest.raises(ValidationFailed) as raised:
            memberships.decide(party.secretary, ship, confirm=False, reason=blank, now=utcnow())
        assert "reason" in raised.value.fields
    with pytest.raises(ValidationFailed):
        memberships.decide(party.secretary, ship, confirm=False, reason="a\x00b", now=utcnow())
    assert ship.status == "pending"
    memberships.decide(party.secretary, ship, confirm=False, reason="不是本支部党员", now=utcnow())
    assert ship.status == "refused" and ship.reason == "不是本支部党员"
    assert ship.ended_by_id == party.secretary.id
    [notice] = _notices(newcomer, "party_branch_refused")
    assert notice.params["reason"] == "不是本支部党员"
    assert _notices(newcomer, "party_branch_confirmed") == []


def test_a_decided_request_is_not_decided_again(party, tree, db):
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    memberships.decide(party.secretary, ship, confirm=True, now=utcnow())
    for confirm in (True, False):
        with pytest.raises(Conflict) as raised:
            memberships.decide(
                party.committee_secretary, ship, confirm=confirm, reason="迟了", now=utcnow()
            )
        assert raised.value.code == "already_decided"
    assert _rows(newcomer) == {(party.branch.id, "confirmed")}


def test_a_withdrawn_request_is_not_confirmed(party, tree, db):
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    memberships.name_branch(newcomer, party.other_branch, now=utcnow())
    with pytest.raises(Conflict) as raised:
        memberships.decide(party.secretary, ship, confirm=True, now=utcnow())
    assert raised.value.code == "already_decided"


def test_a_member_who_left_the_party_is_not_confirmed(party, tree, db):
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    newcomer.is_party_member = False
    with pytest.raises(RuleViolation) as raised:
        memberships.decide(party.secretary, ship, confirm=True, now=utcnow())
    assert raised.value.code == "not_party_member"
    memberships.decide(party.secretary, ship, confirm=False, reason="已不是党员", now=utcnow())
    assert ship.status == "refused"


def test_a_secretary_adding_a_member_keeps_the_old_branch_as_history(party, people, tree, db):
    memberships.add_member(
        party.committee_secretary, party.other_branch, people.member, now=utcnow()
    )
    assert _rows(people.member) == {
        (party.branch.id, "replaced"),
        (party.other_branch.id, "confirmed"),
    }
    newcomer = make_member(tree.community)
    ship = memberships.name_branch(newcomer, party.branch, now=utcnow())
    memberships.add_member(party.secretary, party.branch, newcomer, now=utcnow())
    assert ship.status == "confirmed" and _rows(newcomer) == {(party.branch.id, "confirmed")}


def test_requests_in_scope_follow_the_tree(party, people, tree, db):
    a = make_member(tree.community, name="甲")
    b = make_member(tree.community, name="乙")
    ship_a = memberships.name_branch(a, party.branch, now=utcnow())
    ship_b = memberships.name_branch(b, party.other_branch, now=utcnow())
    assert memberships.requests_in_scope(party.secretary) == [ship_a]
    assert memberships.requests_in_scope(party.other_secretary) == [ship_b]
    assert memberships.requests_in_scope(party.committee_secretary) == [ship_a, ship_b]
    assert memberships.requests_in_scope(people.admin) == [ship_a, ship_b]
    assert memberships.requests_in_scope(people.coordinator) == []


# --- API ------------------------------------------------------------------------------


def test_api_a_member_names_a_branch_and_reads_their_history(api, party, tree, db):
    newcomer = make_member(tree.community)
    r = api(newcomer).post("/members/me/branch", json={"party_org_id": party.branch.id})
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending" and r.json["party_org_name"] == party.branch.name
    r = api(newcomer).get("/members/me/branches")
    assert [i["status"] for i in r.json["items"]] == ["pending"]
    mass = make_member(tree.community, is_party_member=False)
    r = api(mass).post("/members/me/branch", json={"party_org_id": party.branch.id})
    assert r.status_code == 422 and r.json["error"]["code"] == "not_party_member"
    r = api(newcomer).post("/members/me/branch", json={"party_org_id": 99999})
    assert r.status_code == 404
    r = api(newcomer).post("/members/me/branch", json={"party_org_id": 1, "bogus": 1})
    assert r.status_code == 422 and "bogus" in r.json["error"]["fields"]
    for bad in ("x", 2**70, -1, None, True):
        r = api(newcomer).post("/members/me/branch", json={"party_org_id": bad})
        assert r.status_code == 422 and "party_org_id" in r.json["error"]["fields"], bad


def test_api_the_secretary_lists_confirms_and_refuses(api, party, people, tree, db):
    a = make_member(tree.community, name="甲")
    b = make_member(tree.community, name="乙")
    ship_a = memberships.name_branch(a, party.branch, now=utcnow())
    ship_b = memberships.name_branch(b, party.branch, now=utcnow())
    r = api(party.secretary).get("/party-memberships")
    assert [i["id"] for i in r.json["items"]] == [ship_a.id, ship_b.id]
    assert api(party.other_secretary).get("/party-memberships").json["items"] == []
    assert api(people.member).get("/party-memberships").status_code == 403
    assert api(people.coordinator).get("/party-memberships").status_code == 403
    r = api(party.other_secretary).post(f"/party-memberships/{ship_a.id}/confirm")
    assert r.status_code == 403
    assert api(party.secretary).post("/party-memberships/99999/confirm").status_code == 404
    r = api(party.secretary).post(f"/party-memberships/{ship_a.id}/confirm")
    assert r.status_code == 200 and r.json["status"] == "confirmed"
    r = api(party.committee_secretary).post(f"/party-memberships/{ship_a.id}/confirm")
    assert r.status_code == 409 and r.json["error"]["code"] == "already_decided"
    r = api(party.secretary).post(f"/party-memberships/{ship_b.id}/refuse", json={})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = api(party.secretary).post(
        f"/party-memberships/{ship_b.id}/refuse", json={"reason": 5, "bogus": 1}
    )
    assert r.status_code == 422 and {"reason", "bogus"} <= set(r.json["error"]["fields"])
    r = api(party.other_secretary).post(f"/party-memberships/{ship_b.id}/refuse", json={})
    assert r.status_code == 403  # rights before fields
    r = api(people.admin).post(
        f"/party-memberships/{ship_b.id}/refuse", json={"reason": "不是本支部"}
    )
    assert r.status_code == 200 and r.json["status"] == "refused"
    assert r.json["reason"] == "不是本支部"
    r = api(party.secretary).post(f"/party-memberships/{ship_b.id}/refuse", json={"reason": "再次"})
    assert r.status_code == 409 and r.json["error"]["code"] == "already_decided"


def test_api_lists_the_membership_endpoints_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/members/me/branch",
        "/api/v1/members/me/branches",
        "/api/v1/party-memberships",
        "/api/v1/party-memberships/{ship_id}/confirm",
        "/api/v1/party-memberships/{ship_id}/refuse",
    ):
        assert path in paths, path


def test_join_helper_still_makes_a_confirmed_branch(party, people, db):
    # the fixtures' join() writes confirmed rows directly; a second is refused by the DB
    with pytest.raises(IntegrityError):
        join(people.member, party.other_branch)
    _db.session.rollback()


def test_the_nearest_secretaries_are_told_of_a_request(party, tree, db):
    newcomer = make_member(tree.community, name="新党员")
    memberships.name_branch(newcomer, party.branch, now=utcnow())
    [told] = _notices(party.secretary, "party_branch_requested")
    assert told.params == {"name": "新党员", "org": party.branch.name}
    assert _notices(party.committee_secretary, "party_branch_requested") == []
    lonely = make_org("P-HG-9", "branch", party.general, name="无书记支部")
    memberships.name_branch(newcomer, lonely, now=utcnow())  # no secretary: the committee's
    assert len(_notices(party.committee_secretary, "party_branch_requested")) == 1
    assert len(_notices(party.secretary, "party_branch_requested")) == 1
