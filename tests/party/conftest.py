"""A small party tree beside the unit tree: committee > general branch > two branches."""

from dataclasses import dataclass

import pytest

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.party.models import PartyMembership, PartyOrg, PartySecretary


def make_org(code, kind, parent=None, *, field="community", name=None) -> PartyOrg:
    org = PartyOrg(
        code=code,
        name=name or f"党组织{code}",
        kind=kind,
        field=field,
        parent_id=parent.id if parent else None,
        path="",
        created_at=utcnow(),
    )
    db.session.add(org)
    db.session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    db.session.flush()
    return org


def join(member, org) -> PartyMembership:
    ship = PartyMembership(
        member_id=member.id, party_org_id=org.id, status="confirmed", created_at=utcnow()
    )
    db.session.add(ship)
    db.session.flush()
    return ship


def make_secretary(member, org) -> PartySecretary:
    role = PartySecretary(member_id=member.id, party_org_id=org.id, created_at=utcnow())
    db.session.add(role)
    db.session.flush()
    return role


@dataclass
class Party:
    committee: PartyOrg
    general: PartyOrg
    branch: PartyOrg
    other_branch: PartyOrg
    secretary: object  # secretary of `branch`
    committee_secretary: object
    other_secretary: object  # secretary of `other_branch`


@pytest.fixture
def party(tree, people):
    committee = make_org("P-NS", "committee", name="南沙区委")
    general = make_org("P-HG", "general_branch", committee, name="黄阁镇党总支")
    branch = make_org("P-HG-1", "branch", general, name="金洲社区党支部")
    other = make_org("P-HG-2", "branch", general, field="soe", name="黄阁国企党支部")
    c = tree.community
    secretary = make_member(c, name="支部书记")
    committee_secretary = make_member(c, name="区委书记")
    other_secretary = make_member(c, name="国企书记")
    make_secretary(secretary, branch)
    make_secretary(committee_secretary, committee)
    make_secretary(other_secretary, other)
    join(people.member, branch)
    join(people.neighbour, branch)
    return Party(committee, general, branch, other, secretary, committee_secretary, other_secretary)
