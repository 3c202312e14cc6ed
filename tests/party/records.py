"""Real records for the indicators: served shifts with their ledger entries, no-shows,
late cancellations, call-out invitations and lectures attended."""

from datetime import UTC, datetime, timedelta

from tests.factories import make_shift, make_signup
from timebank.checkin.models import Attendance
from timebank.extensions import db
from timebank.ledger.services import credit_service
from timebank.mobilisation.models import Callout, Invitation
from timebank.party.models import ChecklistItem

#: Inside 2026H1 (Beijing time): 2026-03-10 09:00 local.
MARCH = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)


def served(member, community, *, at=MARCH, minutes=240, kind="checkpoint"):
    """A closed attendance of `minutes` on a shift at `at`, credited to the ledger."""
    shift = make_shift(community, starts_at=at, hours=4, kind=kind, now=at)
    make_signup(member, shift)
    attendance = Attendance(
        member_id=member.id,
        shift_id=shift.id,
        checked_in_at=at,
        checked_out_at=at + timedelta(minutes=minutes),
        check_in_method="scan",
        check_out_method="scan",
        credited_minutes=minutes if kind != "lecture" else 0,
    )
    db.session.add(attendance)
    db.session.flush()
    entry = credit_service(attendance, now=at + timedelta(minutes=minutes))
    return shift, entry


def missed(member, community, *, at=MARCH, status="no_show", late=False):
    shift = make_shift(community, starts_at=at, now=at)
    signup = make_signup(member, shift, status=status)
    signup.is_late_cancel = late
    db.session.flush()
    return signup


def invited(member, unit, status, *, at=MARCH):
    callout = Callout(
        unit_id=unit.id,
        kind="vanguard",
        title="集结",
        lat=22.8,
        lon=113.5,
        radius_km=5,
        needed=3,
        team_size=1,
        respond_within_s=300,
        starts_at=at,
    )
    db.session.add(callout)
    db.session.flush()
    db.session.add(
        Invitation(
            callout_id=callout.id,
            member_id=member.id,
            status=status,
            wave=1,
            distance_m=100,
            sent_at=at,
            expires_at=at + timedelta(minutes=5),
        )
    )
    db.session.flush()


def item(
    code, points, indicator=None, threshold=None, *, field="community", target="member", text=None
):
    row = ChecklistItem(
        field=field,
        target=target,
        code=code,
        text=text or f"条目{code}",
        points=points,
        indicator=indicator,
        threshold=threshold,
        created_at=MARCH,
    )
    db.session.add(row)
    db.session.flush()
    return row
