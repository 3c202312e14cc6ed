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
from timebank.notifications.models import Notification

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


@pytest.mark.parametrize("round_", range(3))
def test_a_stand_down_during_declines_tells_each_member_once_and_right(app, committed, round_):
    """Declines lock no call-out row: the stand-down withdraws first, then reads, so a
    member is told "withdrawn" exactly when their invitation was withdrawn."""
    tree = make_tree()
    organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.town)])
    centre = (tree.community.lat, tree.community.lon)
    for i in range(1, 9):
        make_member(tree.community, home=(centre[0] + i * 1e-4, centre[1]))
    db.session.commit()
    callout = services.raise_callout(
        db.session.get(Member, organiser.id),
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="并发撤收",
        lat=centre[0],
        lon=centre[1],
        radius_km=5,
        needed=4,
        team_size=1,
        respond_within_s=600,
    )
    callout_id, organiser_id = callout.id, organiser.id
    invited = db.session.scalars(
        sa.select(Invitation.member_id).where(Invitation.callout_id == callout_id)
    ).all()
    db.session.commit()
    assert len(invited) == 6

    def work(i):
        callout = db.session.get(Callout, callout_id)
        if i == 0:
            services.close(db.session.get(Member, organiser_id), callout, reason="险情解除")
            return "closed"
        return services.respond(
            db.session.get(Member, invited[i]), callout, answer="decline"
        ).status

    outcomes, errors = _run_in_threads(app, 6, work)
    assert errors == [] and "closed" in outcomes
    db.session.expire_all()
    statuses = dict(
        db.session.execute(
            sa.select(Invitation.member_id, Invitation.status).where(
                Invitation.callout_id == callout_id
            )
        ).all()
    )
    told = db.session.execute(
        sa.select(Notification.member_id, Notification.kind).where(
            Notification.subject_id == callout_id,
            Notification.kind.in_(["callout_withdrawn", "callout_stood_down_info"]),
        )
    ).all()
    assert sorted(m for m, _ in told) == sorted(statuses)  # each member invited, once
    for member_id, kind in told:
        withdrawn = statuses[member_id] == "not_needed"
        assert (kind == "callout_withdrawn") == withdrawn, (member_id, kind, statuses)
