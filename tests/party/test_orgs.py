"""Party organisations, members' branches and the secretary role (SPEC 7)."""

import sqlalchemy as sa

from tests.factories import make_member
from timebank.auth.permissions import is_secretary, secretary_in_scope
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.party.memberships import decide, name_branch
from timebank.party.models import PartyMembership, PartyOrg, PartySecretary


def test_admin_creates_the_tree_and_codes_are_unique(api, people):
    a = api(people.admin)
    r = a.post(
        "/party-orgs", json={"code": "C1", "name": "区委", "kind": "committee", "field": "organ"}
    )
    assert r.status_code == 201, r.json
    top = r.json["id"]
    r = a.post(
        "/party-orgs",
        json={
            "code": "B1",
            "name": "支部",
            "kind": "branch",
            "field": "community",
            "parent_id": top,
        },
    )
    assert r.status_code == 201
    assert db.session.get(PartyOrg, r.json["id"]).path == f"/{top}/{r.json['id']}/"
    r = a.post(
        "/party-orgs", json={"code": "C1", "name": "又一个", "kind": "committee", "field": "organ"}
    )
    assert r.status_code == 409 and r.json["error"]["code"] == "code_taken"


def test_bad_org_fields_are_named_together(api, people):
    r = api(people.admin).post(
        "/party-orgs", json={"code": "X\x00", "name": "", "kind": "cell", "field": "moon"}
    )
    assert r.status_code == 422
    assert {"code", "name", "kind", "field"} <= set(r.json["error"]["fields"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartyOrg)) == 0


def test_a_branch_needs_a_parent_of_the_right_kind(api, people):
    a = api(people.admin)
    r = a.post(
        "/party-orgs", json={"code": "B", "name": "支部", "kind": "branch", "field": "rural"}
    )
    assert r.status_code == 422 and "parent_id" in r.json["error"]["fields"]


def test_only_admins_and_district_organisers_build_the_tree(api, people):
    body = {"code": "C9", "name": "区委", "kind": "committee", "field": "organ"}
    assert api(people.organiser).post("/party-orgs", json=body).status_code == 403
    assert api(people.coordinator).post("/party-orgs", json=body).status_code == 403
    assert api().post("/party-orgs", json=body).status_code == 401


def test_secretary_covers_the_subtree_only(party, people):
    assert is_secretary(party.secretary, party.branch)
    assert not is_secretary(party.secretary, party.general)
    assert not is_secretary(party.secretary, party.other_branch)
    assert is_secretary(party.committee_secretary, party.other_branch)
    assert not is_secretary(people.admin, party.branch)  # unit roles do not cover it
    paths = db.session.scalars(
        sa.select(PartyOrg.code).where(secretary_in_scope(PartyOrg.path, party.secretary))
    )
    assert list(paths) == ["P-HG-1"]


def test_secretary_adds_a_party_member_to_their_branch(api, party, tree):
    newcomer = make_member(tree.community, name="新党员")
    r = api(party.secretary).post(
        f"/party-orgs/{party.branch.id}/members", json={"member_id": newcomer.id}
    )
    assert r.status_code == 201 and r.json["status"] == "confirmed"


def test_a_non_party_member_is_refused(api, party, tree):
    mass = make_member(tree.community, is_party_member=False)
    r = api(party.secretary).post(
        f"/party-orgs/{party.branch.id}/members", json={"member_id": mass.id}
    )
    assert r.status_code == 422 and r.json["error"]["code"] == "not_party_member"
    assert (
        db.session.scalar(sa.select(PartyMembership).where(PartyMembership.member_id == mass.id))
        is None
    )


def test_a_secretary_outside_the_subtree_is_refused(api, party, tree):
    newcomer = make_member(tree.community)
    r = api(party.other_secretary).post(
        f"/party-orgs/{party.branch.id}/members", json={"member_id": newcomer.id}
    )
    assert r.status_code == 403
    r = api(party.secretary).post("/party-orgs/99999/members", json={"member_id": newcomer.id})
    assert r.status_code == 404


def test_a_member_names_a_branch_and_a_secretary_confirms(party, tree, db):
    newcomer = make_member(tree.community)
    ship = name_branch(newcomer, party.branch, now=utcnow())
    assert ship.status == "pending"
    decide(party.secretary, ship, confirm=True, now=utcnow())
    assert ship.status == "confirmed"


def test_admin_grants_the_secretary_role_through_roles(api, party, people):
    r = api(people.admin).post(
        "/roles",
        json={
            "member_id": people.neighbour.id,
            "role": "secretary",
            "party_org_id": party.other_branch.id,
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["party_org_id"] == party.other_branch.id and r.json["role"] == "secretary"
    assert is_secretary(people.neighbour, party.other_branch)
    r = api(people.organiser).post(
        "/roles",
        json={"member_id": people.member.id, "role": "secretary", "party_org_id": party.branch.id},
    )
    assert r.status_code == 403
    r = api(people.admin).post("/roles", json={"member_id": people.member.id, "role": "secretary"})
    assert r.status_code == 422 and "party_org_id" in r.json["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartySecretary)) == 4
