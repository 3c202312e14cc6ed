from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_signup
from timebank.checkin.models import Attendance
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.ledger.services import adjust
from timebank.mobilisation import services, waves
from timebank.mobilisation.candidates import find_candidates
from timebank.mobilisation.models import Callout, Invitation
from timebank.mobilisation.teams import teams_of
from timebank.shifts.models import Shift, Signup

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
#: 3 km north of the community centre, where the `people` fixture members live: with the
#: default 1 km radius only the `crowd` is near enough.
PLACE = (22.862, 113.525)


def north(metres):
    """(lat, lon) `metres` north of PLACE."""
    return (PLACE[0] + metres / 111_195, PLACE[1])


@pytest.fixture
def crowd(tree):
    """Eight active party members living 100 m, 200 m, … 800 m north of the place."""
    return [make_member(tree.community, name=f"队员{i}", home=north(100 * i)) for i in range(1, 9)]


def _raise(actor, tree, **overrides):
    data = dict(
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="封控点支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=2,
        team_size=2,
        respond_within_s=300,
    )
    data.update(overrides)
    if "team_size" not in overrides and isinstance(data["needed"], int) and data["needed"] > 0:
        data["team_size"] = min(2, data["needed"])
    return services.raise_callout(actor, now=NOW, **data)


def _invited(db, callout, status=None):
    q = sa.select(Invitation).where(Invitation.callout_id == callout.id)
    if status:
        q = q.where(Invitation.status == status)
    return list(db.session.scalars(q.order_by(Invitation.distance_m)))


def test_raising_creates_shift_and_first_wave(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=2)
    first = _invited(db, callout)
    assert len(first) == 3  # ceil(2 × 1.5)
    assert [i.member_id for i in first] == [m.id for m in crowd[:3]]  # nearest first
    assert all(i.wave == 1 and i.expires_at == NOW + timedelta(seconds=300) for i in first)
    shift = db.session.get(Shift, callout.shift_id)
    assert shift.kind == "emergency" and shift.capacity == 2
    assert services.callout_counts(callout)["pending"] == 3


def test_candidates_exclude_skills_radius_party_busy_invited_inactive(people, tree, crowd, db):
    crowd[0].skills = ["medical"]
    crowd[1].is_party_member = False
    crowd[1].skills = ["medical"]
    make_member(tree.community, skills=["medical"], home=north(1100))  # too far
    make_member(tree.community, skills=["medical"], home=north(50), status="pending")
    busy = make_member(tree.community, skills=["medical"], home=north(60))
    shift = make_shift(tree.community, starts_at=NOW - timedelta(hours=1))
    make_signup(busy, shift)
    db.session.add(
        Attendance(
            member_id=busy.id,
            shift_id=shift.id,
            check_in_method="scan",
            checked_in_at=NOW - timedelta(minutes=50),
        )
    )
    other = make_member(tree.community, skills=["medical"], home=north(70))
    _raise(
        people.organiser,
        tree,
        title="另一处",
        needed=1,
        skills=[],
        lat=north(70)[0],
        radius_km=0.01,
    )
    callout = _raise(people.organiser, tree, needed=1, skills=["medical"], party_only=True)
    invited = {i.member_id for i in _invited(db, callout)}
    assert invited == {crowd[0].id}
    assert other.id not in invited and busy.id not in invited
    assert find_candidates(callout, 10) == []  # crowd[0] is invited already


def test_candidates_come_from_the_callout_unit_only(people, tree, db):
    near_but_elsewhere = make_member(tree.far, home=north(100))
    callout = _raise(people.organiser, tree, unit_id=tree.town.id)
    assert near_but_elsewhere.id not in {i.member_id for i in _invited(db, callout)}


def test_response_rate_breaks_distance_ties(people, tree, db):
    a = make_member(tree.community, home=north(310))
    b = make_member(tree.community, home=north(320))  # farther, but in the same 100 m step
    past = Callout(
        unit_id=tree.town.id,
        kind="service",
        title="旧",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=1,
        team_size=1,
        respond_within_s=60,
        starts_at=NOW,
        status="closed",
    )
    db.session.add(past)
    db.session.flush()
    history = [(a, "expired"), (b, "declined")]
    for member, status in history:
        db.session.add(
            Invitation(
                callout_id=past.id,
                member_id=member.id,
                status=status,
                wave=1,
                distance_m=300,
                sent_at=NOW,
                expires_at=NOW,
            )
        )
    fresh = Callout(
        unit_id=tree.town.id,
        kind="service",
        title="新",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=1,
        team_size=1,
        respond_within_s=60,
        starts_at=NOW,
    )
    db.session.add(fresh)
    db.session.flush()
    assert [c.member_id for c in find_candidates(fresh, 2)] == [b.id, a.id]
    near = make_member(tree.community, home=north(150))  # a nearer step always wins
    assert [c.member_id for c in find_candidates(fresh, 3)] == [near.id, b.id, a.id]


def test_waves_expire_and_top_up_until_short(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=2, respond_within_s=60)
    assert len(_invited(db, callout, "pending")) == 3
    assert services.tick(callout.id, now=NOW + timedelta(seconds=30)) == 0
    changed = services.tick(callout.id, now=NOW + timedelta(seconds=61))
    assert changed == 3 + 3  # three expired, three more invited
    assert len(_invited(db, callout, "expired")) == 3
    second = _invited(db, callout, "pending")
    assert [i.member_id for i in second] == [m.id for m in crowd[3:6]]
    assert {i.wave for i in second} == {2}
    services.tick(callout.id, now=NOW + timedelta(seconds=122))
    services.tick(callout.id, now=NOW + timedelta(seconds=183))
    db.session.refresh(callout)
    assert callout.status == "short" and callout.short_at is not None
    assert services.tick(callout.id, now=NOW + timedelta(seconds=200)) == 0  # idempotent


def test_decline_tops_up_at_once_after_its_commit(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=2)
    services.respond(crowd[0], callout, answer="decline", now=NOW)
    assert len(_invited(db, callout, "pending")) == 2  # the decline alone locks nothing
    db.session.commit()
    assert waves.top_up_declined(now=NOW) == 1
    pending = _invited(db, callout, "pending")
    assert len(pending) == 3 and crowd[3].id in {i.member_id for i in pending}
    assert waves.top_up_declined(now=NOW) == 0  # done: nothing is due any more


def test_a_top_up_of_a_full_wave_invites_nobody(people, tree, crowd, db):
    """Due but no longer short of pending (the tick or another top-up came first)."""
    callout = _raise(people.organiser, tree, needed=2)
    services.respond(crowd[0], callout, answer="decline", now=NOW)
    db.session.commit()
    services.tick(callout.id, now=NOW)
    assert waves.top_up_declined(now=NOW) == 0
    assert len(_invited(db, callout, "pending")) == 3


def test_fill_at_needed_forms_teams_with_leaders(people, tree, crowd, db):
    crowd[1].is_party_member = False
    adjust(people.coordinator, crowd[1], minutes=5000, reason="not party", now=NOW)
    adjust(people.coordinator, crowd[2], minutes=600, reason="most hours", now=NOW)
    callout = _raise(people.organiser, tree, needed=4, team_size=2)
    for m in crowd[:4]:
        services.respond(m, callout, answer="accept", now=NOW + timedelta(seconds=10))
    db.session.refresh(callout)
    assert callout.status == "filled" and callout.accepted == 4
    assert callout.filled_at == NOW + timedelta(seconds=10)
    assert {
        i.status for i in _invited(db, callout) if i.member_id in {m.id for m in crowd[4:6]}
    } == {"not_needed"}
    teams = teams_of(callout)
    assert [t.member_ids for t in teams] == [[crowd[0].id, crowd[1].id], [crowd[2].id, crowd[3].id]]
    assert teams[0].leader_id == crowd[0].id  # the only party member of team 1
    assert teams[1].leader_id == crowd[2].id  # the most hours
    confirmed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .where(Signup.shift_id == callout.shift_id, Signup.status == "confirmed")
    )
    assert confirmed == 4


def test_late_answers_and_refusals(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=1)
    services.respond(crowd[0], callout, answer="accept", now=NOW)
    with pytest.raises(Conflict) as exc:
        services.respond(crowd[1], callout, answer="accept", now=NOW)
    assert exc.value.code == "callout_filled"
    with pytest.raises(Conflict) as exc:
        services.respond(crowd[7], callout, answer="accept", now=NOW)
    assert exc.value.code == "not_invited"
    other = _raise(people.organiser, tree, needed=1, respond_within_s=60, lat=north(500)[0])
    invited = _invited(db, other)[0]
    member = db.session.get(type(crowd[0]), invited.member_id)
    with pytest.raises(Conflict) as exc:
        services.respond(member, other, answer="accept", now=NOW + timedelta(seconds=61))
    assert exc.value.code == "invitation_expired"
    services.close(people.organiser, other, reason="险情解除", now=NOW)
    with pytest.raises(Conflict) as exc:
        services.respond(member, other, answer="accept", now=NOW)
    assert exc.value.code == "callout_closed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 201}, "radius_km"),
        ({"needed": 0}, "needed"),
        ({"team_size": 0}, "team_size"),
        ({"team_size": 3, "needed": 2}, "team_size"),
        ({"respond_within_s": 59}, "respond_within_s"),
        ({"kind": "army"}, "kind"),
        ({"unit_id": None, "lat": None, "lon": None}, "lat"),
    ],
)
def test_bad_input_creates_nothing(people, tree, db, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _raise(people.organiser, tree, **overrides)
    assert field in exc.value.fields
    assert db.session.query(Callout).count() == 0
    assert db.session.query(Shift).count() == 0


def test_place_and_unit_outside_scope(people, tree, db):
    from tests.factories import make_checkpoint

    far_cp = make_checkpoint(tree.far)
    with pytest.raises(ValidationFailed) as exc:
        _raise(people.organiser, tree, checkpoint_id=far_cp.id)
    assert "checkpoint_id" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        _raise(people.organiser, tree, unit_id=tree.other_town.id)
    assert "unit_id" in exc.value.fields
    with pytest.raises(ValidationFailed):
        _raise(people.staff, tree, unit_id=tree.community.id)


def test_close_needs_organiser(people, tree, crowd):
    callout = _raise(people.coordinator, tree, unit_id=tree.community.id)
    with pytest.raises(NotAllowed):
        services.close(people.coordinator, callout, reason="险情解除", now=NOW)
    services.close(people.organiser, callout, reason="险情解除", now=NOW)
    assert callout.status == "closed"


def test_invitation_notices_stop_being_urgent_once_settled(people, tree, crowd, db):
    from timebank.notifications.queries import list_urgent_unread

    callout = _raise(people.organiser, tree, needed=1, team_size=1)
    asked = [db.session.get(type(crowd[0]), i.member_id) for i in _invited(db, callout)]
    assert all(list_urgent_unread(m) for m in asked)
    services.respond(asked[0], callout, answer="accept", now=NOW)
    assert not any(list_urgent_unread(m) for m in asked)  # answered, or not needed any more
    other = _raise(people.organiser, tree, needed=1, team_size=1, lat=north(600)[0])
    waiting = [db.session.get(type(crowd[0]), i.member_id) for i in _invited(db, other)]
    services.close(people.organiser, other, reason="险情解除", now=NOW)
    assert not any(list_urgent_unread(m) for m in waiting)
    kinds = {
        n.kind
        for n in db.session.scalars(
            sa.select(
                __import__("timebank.notifications.models", fromlist=["Notification"]).Notification
            )
        )
    }
    assert "callout_withdrawn" in kinds
