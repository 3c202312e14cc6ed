"""Many members accepting at once: never more accepted than needed (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_tree
from tests.shifts.test_concurrency import _run_in_threads
from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.members.models import Member
from timebank.mobilisation import services
from timebank.mobilisation.models import Callout, Invitation
from timebank.mobilisation.teams import teams_of

pytestmark = pytest.mark.concurrency


@pytest.mark.parametrize("round_", range(2))
def test_concurrent_accepts_fill_exactly(app, committed, round_):
    tree = make_tree()
    organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.town)])
    centre = (tree.community.lat, tree.community.lon)
    members = [
        make_member(tree.community, home=(centre[0] + i * 1e-4, centre[1])).id for i in range(1, 31)
    ]
    db.session.commit()
    callout = services.raise_callout(
        db.session.get(Member, organiser.id),
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="并发",
        lat=centre[0],
        lon=centre[1],
        radius_km=5,
        needed=6,
        team_size=3,
        respond_within_s=600,
    )
    callout_id = callout.id
    db.session.commit()
    # Invite everyone (as later waves would), then let them all accept at the same moment.
    later = utcnow() + timedelta(seconds=1)
    db.session.execute(sa.update(Callout).where(Callout.id == callout_id).values(needed=6))
    for member_id in members:
        if not db.session.scalar(
            sa.select(Invitation.id).where(
                Invitation.callout_id == callout_id, Invitation.member_id == member_id
            )
        ):
            db.session.add(
                Invitation(
                    callout_id=callout_id,
                    member_id=member_id,
                    status="pending",
                    wave=2,
                    distance_m=1,
                    sent_at=later,
                    expires_at=later + timedelta(minutes=10),
                )
            )
    db.session.commit()

    def work(i):
        invitation = services.respond(
            db.session.get(Member, members[i]), db.session.get(Callout, callout_id), answer="accept"
        )
        return invitation.status

    outcomes, errors = _run_in_threads(app, 30, work)
    assert errors == []
    assert outcomes.count("accepted") == 6
    assert outcomes.count("callout_filled") == 24
    db.session.expire_all()
    callout = db.session.get(Callout, callout_id)
    assert (callout.status, callout.accepted) == ("filled", 6)
    accepted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout_id, Invitation.status == "accepted")
    )
    assert accepted == 6
    assert [len(t.member_ids) for t in teams_of(callout)] == [3, 3]
