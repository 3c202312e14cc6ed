"""Races on members' branches: many secretaries deciding one request at once."""

import pytest
import sqlalchemy as sa

from tests import factories
from tests.party.conftest import join, make_org, make_secretary
from tests.shifts.test_concurrency import _run_in_threads
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.members.models import Member
from timebank.notifications.models import Notification
from timebank.party import memberships
from timebank.party.models import PartyMembership, PartyOrg

pytestmark = pytest.mark.concurrency


def _request(n_deciders):
    """(decider ids, request id, member id): a committed pending request of a member whose
    confirmed branch is another one, and secretaries of the branch and above it."""
    tree = factories.make_tree()
    committee = make_org("P-NS", "committee", name="南沙区委")
    old = make_org("P-HG-1", "branch", committee, name="金洲社区党支部")
    new = make_org("P-HG-2", "branch", committee, name="黄阁国企党支部")
    deciders = []
    for n in range(n_deciders):
        secretary = factories.make_member(tree.community, name=f"书记{n}")
        make_secretary(secretary, new if n % 2 else committee)
        deciders.append(secretary.id)
    member = factories.make_member(tree.community, name="党员")
    join(member, old)
    ship = memberships.name_branch(member, new, now=utcnow())
    db.session.commit()
    return deciders, ship.id, member.id


@pytest.mark.parametrize("round_", range(2))
def test_many_secretaries_deciding_at_once_one_wins(app, committed, round_):
    deciders, ship_id, member_id = _request(6)

    def work(i):
        ship = db.session.get(PartyMembership, ship_id)
        actor = db.session.get(Member, deciders[i])
        confirm = i % 3 != 0  # some confirm, some refuse
        memberships.decide(actor, ship, confirm=confirm, reason="书记意见", now=utcnow())
        return "confirmed" if confirm else "refused"

    outcomes, errors = _run_in_threads(app, len(deciders), work)
    assert errors == []
    assert sorted(outcomes).count("already_decided") == len(deciders) - 1
    [won] = [o for o in outcomes if o != "already_decided"]
    rows = db.session.execute(
        sa.select(PartyMembership.party_org_id, PartyMembership.status).where(
            PartyMembership.member_id == member_id
        )
    ).all()
    statuses = sorted(status for _org, status in rows)
    if won == "confirmed":
        assert statuses == ["confirmed", "replaced"]
    else:
        assert statuses == ["confirmed", "refused"]
    notices = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.member_id == member_id, Notification.kind.like("party_branch_%"))
    )
    assert notices == 1


@pytest.mark.parametrize("round_", range(2))
def test_a_member_naming_branches_while_a_secretary_confirms(app, committed, round_):
    """The member naming their old branch again (withdrawing the request, or asking back
    once the new one is confirmed) while a secretary confirms: never two live rows of a
    status, no errors but the loser's 409."""
    deciders, ship_id, member_id = _request(1)
    other = db.session.scalar(sa.select(PartyOrg.id).where(PartyOrg.code == "P-HG-1"))
    db.session.commit()  # end the read: on SQLite it holds the write lock

    def work(i):
        if i == 0:
            ship = db.session.get(PartyMembership, ship_id)
            memberships.decide(
                db.session.get(Member, deciders[0]), ship, confirm=True, now=utcnow()
            )
            return "decided"
        member = db.session.get(Member, member_id)
        memberships.name_branch(member, db.session.get(PartyOrg, other), now=utcnow())
        return "named"

    outcomes, errors = _run_in_threads(app, 4, work)
    assert errors == [], errors
    live = db.session.execute(
        sa.select(PartyMembership.status, sa.func.count())
        .where(PartyMembership.member_id == member_id)
        .group_by(PartyMembership.status)
    ).all()
    counts = dict(live)
    assert counts.get("confirmed", 0) == 1 and counts.get("pending", 0) <= 1
