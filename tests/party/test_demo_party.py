"""The demo seed's party data: lists for the five fields, the tree, a working secretary."""

import sqlalchemy as sa

from timebank.core.clock import utcnow
from timebank.demo.seed import seed_demo
from timebank.demo.seed_party import DEMO_COMMUNITY, DEMO_SECRETARY
from timebank.members.models import Member
from timebank.party import checks, memberships
from timebank.party.models import ChecklistItem, LecturePoint, PartyMembership, PartyOrg


def test_demo_seed_builds_the_party_domain(db):
    assert seed_demo(members=60, seed=7)
    pairs = set(db.session.execute(sa.select(ChecklistItem.field, ChecklistItem.target)).all())
    assert pairs == {
        (f, t)
        for f in ("rural", "community", "organ", "soe", "two_new")
        for t in ("member", "organisation")
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LecturePoint)) > 100
    secretary = db.session.scalar(sa.select(Member).where(Member.phone == DEMO_SECRETARY))
    branch = db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == f"P-{DEMO_COMMUNITY}"))
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PartyMembership)
        .where(PartyMembership.party_org_id == branch.id, PartyMembership.status == "confirmed")
    )
    assert len(memberships.requests_in_scope(secretary)) == 2  # members asking to move in
    found, count = checks.open_check(secretary, branch, "2026H1", now=utcnow())
    assert count == members > 0
