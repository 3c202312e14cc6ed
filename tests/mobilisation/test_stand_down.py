"""Standing a call-out down, the raiser who is never called, and where the place is shown
(issue 17: the emergency ends as cleanly as it starts)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member
from timebank.auth.models import Role
from timebank.checkin.models import Attendance
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.mobilisation import services, waves
from timebank.mobilisation.models import Callout, Invitation
from timebank.mobilisation.validation import default_callout_unit
from timebank.notifications.models import Notification, OutboxMessage
from timebank.notifications.queries import list_urgent_unread
from timebank.shifts.models import Shift, Signup

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
PLACE = (22.862, 113.525)


def north(metres):
    return (PLACE[0] + metres / 111_195, PLACE[1])


@pytest.fixture
def crowd(tree):
    """Six active party members living 100 m … 600 m north of the place."""
    return [make_member(tree.community, name=f"队员{i}", home=north(100 * i)) for i in range(1, 7)]


def _raise(actor, tree, *, now=NOW, **overrides):
    data = dict(
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="北门封控支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=2,
        team_size=2,
        respond_within_s=300,
    )
    data.update(overrides)
    return services.raise_callout(actor, now=now, **data)


def _notices(db, member, callout):
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.member_id == member.id,
                Notification.subject_type == "callout",
                Notification.subject_id == callout.id,
            )
            .order_by(Notification.id)
        )
    )


def _invitation(db, callout, member):
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.callout_id == callout.id, Invitation.member_id == member.id
        )
    )


# Standing down -----------------------------------------------------------------------------


def test_stand_down_needs_a_reason(people, tree, crowd, db):
    callout = _raise(people.organiser, tree)
    for reason in (None, "", "   "):
        with pytest.raises(ValidationFailed) as exc:
            services.close(people.organiser, callout, reason=reason, now=NOW)
        assert "reason" in exc.value.fields
    assert db.session.get(Callout, callout.id).status == "open"


def test_stand_down_refusals_in_order(people, tree, crowd):
    callout = _raise(people.organiser, tree)
    with pytest.raises(NotAllowed):  # out of scope first, even without a reason
        services.close(people.coordinator, callout, reason=None, now=NOW)
    services.close(people.organiser, callout, reason="险情解除", now=NOW)
    with pytest.raises(ValidationFailed):  # then the reason
        services.close(people.organiser, callout, reason="", now=NOW)
    with pytest.raises(Conflict):  # then the state
        services.close(people.organiser, callout, reason="险情解除", now=NOW)


def test_everyone_invited_is_told_urgently_those_who_accepted(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=3, team_size=1)
    first, second, third = crowd[:3]
    services.respond(first, callout, answer="accept", now=NOW)
    services.respond(second, callout, answer="decline", now=NOW)
    later = NOW + timedelta(minutes=3)
    services.close(people.organiser, callout, reason="火情已扑灭", now=later)

    told = {}
    for member in crowd:
        rows = [n for n in _notices(db, member, callout) if n.created_at == later]
        if rows:
            (told[member.id],) = rows
    invited = {i.member_id for i in db.session.scalars(sa.select(Invitation))}
    assert set(told) == invited  # everyone invited, nobody else
    assert told[first.id].kind == "callout_stood_down" and told[first.id].is_urgent
    assert told[second.id].kind == "callout_stood_down_info" and not told[second.id].is_urgent
    assert told[third.id].kind == "callout_withdrawn" and not told[third.id].is_urgent
    assert all(n.params["reason"] == "火情已扑灭" for n in told.values())
    assert "火情已扑灭" in told[first.id].body
    sms = {
        m.notification_id
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == "sms"))
    }
    assert told[first.id].id in sms and told[third.id].id in sms  # on their way / still asked
    assert told[second.id].id not in sms  # they had said no: the inbox is enough


def test_after_a_stand_down_nothing_about_it_stays_urgent(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=2)
    services.respond(crowd[0], callout, answer="accept", now=NOW)
    services.close(people.organiser, callout, reason="险情解除", now=NOW)
    for member in crowd[:3]:
        invitation_notices = [
            n for n in _notices(db, member, callout) if n.kind == "callout_invitation"
        ]
        assert all(n.read_at is not None for n in invitation_notices)
    urgent = list_urgent_unread(crowd[0])
    assert [n.kind for n in urgent] == ["callout_stood_down"]  # only the news itself
    assert not list_urgent_unread(crowd[1]) and not list_urgent_unread(crowd[2])


def test_the_raisers_shortfall_notice_is_retired_too(people, tree, db):
    callout = _raise(people.organiser, tree, needed=2)  # nobody lives near: short at once
    assert callout.status == "short"
    assert [n.kind for n in list_urgent_unread(people.organiser)] == ["callout_short"]
    services.close(people.organiser, callout, reason="改派专业队伍", now=NOW)
    assert list_urgent_unread(people.organiser) == []


def test_stand_down_ends_the_emergency_shift_without_no_shows(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, needed=3, team_size=1)
    for member in crowd[:2]:
        services.respond(member, callout, answer="accept", now=NOW)
    db.session.add(
        Attendance(
            member_id=crowd[0].id,
            shift_id=callout.shift_id,
            checked_in_at=NOW + timedelta(minutes=5),
            check_in_method="scan",
        )
    )
    later = NOW + timedelta(minutes=40)
    services.close(people.organiser, callout, reason="险情解除", now=later)
    shift = db.session.get(Shift, callout.shift_id)
    assert shift.ends_at == later and shift.status == "published"  # it ran: it ends now
    signups = {
        s.member_id: s
        for s in db.session.scalars(sa.select(Signup).where(Signup.shift_id == shift.id))
    }
    assert signups[crowd[0].id].status == "confirmed"  # checked in: credited as usual
    assert signups[crowd[1].id].status == "cancelled"  # on the way: let off, not a no-show
    assert not signups[crowd[1].id].is_late_cancel
    assert shift.taken == 1


def test_stand_down_before_the_start_calls_the_shift_off(people, tree, crowd, db):
    callout = _raise(people.organiser, tree, starts_at=NOW + timedelta(hours=2))
    services.respond(crowd[0], callout, answer="accept", now=NOW)
    services.close(people.organiser, callout, reason="明日再议", now=NOW)
    shift = db.session.get(Shift, callout.shift_id)
    assert shift.status == "cancelled" and shift.cancel_reason == "明日再议"
    assert shift.taken == 0


def test_stand_down_is_audited_with_its_reason(people, tree, crowd, db):
    from timebank.audit.models import AuditEntry

    callout = _raise(people.organiser, tree)
    services.close(people.organiser, callout, reason="险情解除", now=NOW)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "callout.close"))
    assert entry.details["reason"] == "险情解除"


# The raiser -------------------------------------------------------------------------------


def test_the_raiser_is_never_a_candidate(tree, crowd, db):
    """An organiser living next to the place, the nearest of all, is not asked."""
    raiser = make_member(
        tree.community, name="镇组织委员", home=north(10), roles=[(Role.ORGANISER, tree.town)]
    )
    callout = _raise(raiser, tree, needed=4, team_size=1)
    invited = {i.member_id for i in db.session.scalars(sa.select(Invitation))}
    assert raiser.id not in invited
    assert invited == {m.id for m in crowd}  # ceil(4 × 1.5) = 6: everyone else near
    services.respond(crowd[0], callout, answer="decline", now=NOW)
    assert waves.top_up_declined(now=NOW) == 0  # a top-up finds nobody: not the raiser
    assert raiser.id not in {i.member_id for i in db.session.scalars(sa.select(Invitation))}


# The place --------------------------------------------------------------------------------


def test_the_place_picked_is_kept_by_name(people, tree, crowd, db):
    gate = make_checkpoint(tree.community, name="北门卡口", lat=PLACE[0], lon=PLACE[1])
    at_gate = _raise(people.organiser, tree, lat=None, lon=None, checkpoint_id=gate.id)
    assert at_gate.checkpoint.name == "北门卡口" and at_gate.place_unit is None
    at_centre = _raise(people.organiser, tree, lat=None, lon=None, community_id=tree.sibling.id)
    assert at_centre.place_unit.name == "黄阁社区" and at_centre.checkpoint is None
    assert (at_centre.lat, at_centre.lon) == (tree.sibling.lat, tree.sibling.lon)
    by_coordinates = _raise(people.organiser, tree)
    assert by_coordinates.checkpoint is None and by_coordinates.place_unit is None


# The scope by default ---------------------------------------------------------------------


def test_the_default_unit_is_the_one_organised(tree, people, db):
    assert default_callout_unit(people.organiser) == tree.town  # not their home community
    assert default_callout_unit(people.coordinator) == tree.community
    assert default_callout_unit(people.admin) == tree.district
    assert default_callout_unit(people.member) is None
    both = make_member(
        tree.far,
        roles=[(Role.COORDINATOR, tree.far), (Role.ORGANISER, tree.town)],
    )
    assert default_callout_unit(both) == tree.town  # the highest role wins
    grid_only = make_member(tree.community, roles=[(Role.COORDINATOR, tree.grid)])
    assert default_callout_unit(grid_only) == tree.community  # grids are not called
    callout = _raise(people.organiser, tree, unit_id=None)
    assert callout.unit_id == tree.town.id


# What members see --------------------------------------------------------------------------


def test_an_accepted_member_sees_the_stand_down_and_why(people, tree, crowd, login, db):
    callout = _raise(people.organiser, tree, now=None, needed=2)
    services.respond(crowd[0], callout, answer="accept")
    services.close(people.organiser, callout, reason="火情已扑灭")
    html = login(crowd[0]).get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert 'data-test="stood-down"' in html and "火情已扑灭" in html
    assert 'data-test="accepted-waiting"' not in html  # not "your team is shown soon"
    inbox = login(crowd[0]).get("/inbox").get_data(as_text=True)
    assert inbox.count('data-test="urgent-badge"') == 1  # the stand-down, not the invitation


def test_members_see_the_place_by_name_with_a_map_link(people, tree, crowd, login):
    gate = make_checkpoint(tree.community, name="北门卡口", lat=PLACE[0], lon=PLACE[1])
    at_gate = _raise(people.organiser, tree, now=None, lat=None, lon=None, checkpoint_id=gate.id)
    html = login(crowd[0]).get(f"/callouts/{at_gate.id}/answer").get_data(as_text=True)
    assert 'data-test="place-name">北门卡口<' in html
    assert "geo:22.862000,113.525000" in html
    centre = make_member(tree.sibling, home=(tree.sibling.lat, tree.sibling.lon))
    at_centre = _raise(
        people.organiser, tree, now=None, lat=None, lon=None, community_id=tree.sibling.id
    )
    html = login(centre).get(f"/callouts/{at_centre.id}/answer").get_data(as_text=True)
    assert 'data-test="place-name">黄阁社区<' in html


def test_a_missing_reason_is_said_once_at_the_field(people, tree, crowd, login):
    callout = _raise(people.organiser, tree, now=None)
    page = login(people.organiser).post(f"/callouts/{callout.id}/close", data={"reason": ""})
    html = page.get_data(as_text=True)
    assert html.count('class="invalid-feedback"') == 1
