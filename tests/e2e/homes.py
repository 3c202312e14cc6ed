"""A community where every role has something to do today, for the home-page journeys.

The member has a shift in two days at the north gate, 4 h 30 min in the bank and an open
call-out invitation; the staff member a shift at the gate today; the coordinator two
registrations, a correction and an auto-closed attendance to look at; the town organiser
the open call-out and this month's hours. `多面手` holds staff and coordinator roles and is
also invited, to show the sections of several roles on one page.
"""

from dataclasses import dataclass
from datetime import timedelta

from tests import factories
from timebank.auth.models import Role
from timebank.checkin.models import Attendance, Review
from timebank.core.clock import utcnow
from timebank.ledger.corrections import request_correction
from timebank.ledger.services import adjust
from timebank.members.models import MemberStatus
from timebank.mobilisation import services as callouts

#: The north gate, 3 km north of the community centre; the invited live next to it.
GATE = (22.862, 113.525)


@dataclass
class Homes:
    member: str
    staff: str
    coordinator: str
    organiser: str
    several: str
    callout_id: int


def _north(metres):
    return (GATE[0] + metres / 111_195, GATE[1])


def seed_homes(committed) -> Homes:
    """Commit the community above; returns the phones of each role and the call-out."""
    now = utcnow()
    tree = factories.make_tree()
    c = tree.community
    organiser = factories.make_member(c, name="镇组织委员", roles=[(Role.ORGANISER, tree.town)])
    coordinator = factories.make_member(c, name="社区协调员", roles=[(Role.COORDINATOR, c)])
    staff = factories.make_member(c, name="卡口值守员", roles=[(Role.STAFF, c)])
    member = factories.make_member(c, name="王小明", home=_north(100))
    several = factories.make_member(
        c, name="多面手", home=_north(200), roles=[(Role.COORDINATOR, c), (Role.STAFF, c)]
    )
    for name in ("李新", "陈报到"):
        factories.make_member(c, name=name, status=MemberStatus.PENDING)
    gate = factories.make_checkpoint(c, name="北门卡口", lat=GATE[0], lon=GATE[1])
    soon = factories.make_shift(
        c, checkpoint=gate, title="北门卡口值守", starts_at=now + timedelta(days=2), now=now
    )
    factories.make_signup(member, soon)
    today = factories.make_shift(
        c, checkpoint=gate, title="北门今日值守", starts_at=now + timedelta(hours=1), now=now
    )
    factories.make_signup(staff, today)
    past = factories.make_shift(
        c, checkpoint=gate, title="上周夜间值守", starts_at=now - timedelta(days=3), now=now
    )
    factories.make_signup(member, past)
    adjust(coordinator, member, minutes=270, reason="补录三月值守", now=now)
    request_correction(
        member,
        shift_id=past.id,
        claimed_in=past.starts_at,
        claimed_out=past.ends_at,
        reason="忘记签退",
        now=now,
    )
    committed.session.add(
        Attendance(
            member_id=staff.id,
            shift_id=past.id,
            checked_in_at=past.starts_at,
            checked_out_at=past.ends_at,
            check_in_method="scan",
            check_out_method="auto_close",
            auto_closed=True,
            credited_minutes=240,
            review=Review.PENDING,
        )
    )
    callout = callouts.raise_callout(
        organiser,
        now=now,
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="北门封控支援",
        checkpoint_id=gate.id,
        radius_km=1,
        needed=2,
        team_size=2,
        respond_within_s=1800,
    )
    homes = Homes(
        member.phone, staff.phone, coordinator.phone, organiser.phone, several.phone, callout.id
    )
    committed.session.commit()
    committed.session.remove()
    return homes
