"""A check's indicators, computed from the records for many members at once (SPEC 7).

Each indicator is one GROUP BY over the period's rows for the members of a subtree: a
check of 14,000 members runs a handful of queries, never one per member, and never
holds the ledger's rows in Python (only one small tuple per member and indicator).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..checkin.models import Attendance
from ..dispatch.models import Event
from ..extensions import db
from ..ledger.models import EntryKind, LedgerEntry
from ..members.models import Member, MemberStatus
from ..mobilisation.models import Invitation, InvitationStatus
from ..shifts.models import Checkpoint, Shift, ShiftStatus, Signup, SignupStatus
from .models import LecturePoint, MembershipStatus, PartyMembership, PartyOrg

LOCAL = ZoneInfo("Asia/Shanghai")
PERIOD = re.compile(r"([0-9]{4})(H[12])?")
PERIOD_MESSAGE = _l("Give a period as YYYY (annual) or YYYYH1 / YYYYH2 (half-year).")

#: The indicators on every sheet, in the order shown.
NAMES = [
    "service_minutes",
    "shifts_served",
    "no_shows",
    "late_cancellations",
    "callout_response_rate",
    "lectures_attended",
    "lectures_held",
]


@dataclass(frozen=True)
class Period:
    key: str
    starts: datetime  # UTC
    ends: datetime  # UTC, exclusive

    @property
    def annual(self) -> bool:
        return "H" not in self.key

    @property
    def halves(self) -> list[str]:
        year = self.key[:4]
        return [f"{year}H1", f"{year}H2"] if self.annual else [self.key]


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC)


def parse_period(value) -> Period | None:
    """`2026` (the year), `2026H1` or `2026H2`, bounded in Asia/Shanghai; None if malformed."""
    match = PERIOD.fullmatch(value) if isinstance(value, str) else None
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return None
    year, half = int(match.group(1)), match.group(2)
    first, last = {
        None: (date(year, 1, 1), date(year + 1, 1, 1)),
        "H1": (date(year, 1, 1), date(year, 7, 1)),
        "H2": (date(year, 7, 1), date(year + 1, 1, 1)),
    }[half]
    return Period(value, _utc(first), _utc(last))


def subtree_members(org: PartyOrg) -> sa.Select:
    """`member_id, community_id, party_org_id` of the active party members whose confirmed
    branch lies in the organisation's subtree."""
    return (
        sa.select(Member.id.label("member_id"), Member.community_id, PartyMembership.party_org_id)
        .join(PartyMembership, PartyMembership.member_id == Member.id)
        .join(PartyOrg, PartyOrg.id == PartyMembership.party_org_id)
        .where(
            PartyOrg.path.startswith(org.path, autoescape=True),
            PartyMembership.status == MembershipStatus.CONFIRMED,
            Member.is_party_member.is_(True),
            Member.status == MemberStatus.ACTIVE,
        )
    )


def _service_minutes(ids, period: Period):
    """Service and adjustments, net of their reversals, by effective time in the period."""
    reversed_entry = aliased(LedgerEntry)
    counted = [EntryKind.SERVICE, EntryKind.ADJUSTMENT]
    return (
        sa.select(LedgerEntry.member_id, sa.func.sum(LedgerEntry.minutes))
        .outerjoin(reversed_entry, reversed_entry.id == LedgerEntry.reverses_id)
        .where(
            LedgerEntry.member_id.in_(ids),
            LedgerEntry.effective_at >= period.starts,
            LedgerEntry.effective_at < period.ends,
            sa.or_(
                LedgerEntry.kind.in_(counted),
                sa.and_(LedgerEntry.kind == EntryKind.REVERSAL, reversed_entry.kind.in_(counted)),
            ),
        )
        .group_by(LedgerEntry.member_id)
    )


def _in_period(period: Period):
    return sa.and_(Shift.starts_at >= period.starts, Shift.starts_at < period.ends)


def _attended(ids, period: Period, *, lectures: bool):
    """Closed attendances of service shifts (or of lectures) starting in the period."""
    kind = Shift.kind == "lecture" if lectures else Shift.kind != "lecture"
    return (
        sa.select(Attendance.member_id, sa.func.count())
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(
            Attendance.member_id.in_(ids),
            Attendance.checked_out_at.is_not(None),
            kind,
            _in_period(period),
        )
        .group_by(Attendance.member_id)
    )


def _signups(ids, period: Period, condition):
    return (
        sa.select(Signup.member_id, sa.func.count())
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.member_id.in_(ids), condition, _in_period(period))
        .group_by(Signup.member_id)
    )


def _callouts(ids, period: Period):
    """Per member: invitations that asked for an answer, and those answered (as rankings)."""
    answered = [InvitationStatus.ACCEPTED, InvitationStatus.DECLINED]
    asked = sa.func.count().filter(Invitation.status.in_([*answered, InvitationStatus.EXPIRED]))
    return (
        sa.select(
            Invitation.member_id, asked, sa.func.count().filter(Invitation.status.in_(answered))
        )
        .where(
            Invitation.member_id.in_(ids),
            Invitation.sent_at >= period.starts,
            Invitation.sent_at < period.ends,
        )
        .group_by(Invitation.member_id)
    )


def _lectures_held(period: Period):
    """Lectures held in the period, per community and per party organisation (lecture
    points owned by an organisation): `(community counts, organisation counts)`."""
    held = sa.and_(
        Shift.kind == "lecture", Shift.status == ShiftStatus.PUBLISHED, _in_period(period)
    )
    by_community = dict(
        db.session.execute(
            sa.select(Shift.community_id, sa.func.count()).where(held).group_by(Shift.community_id)
        ).all()
    )
    by_org = dict(
        db.session.execute(
            sa.select(LecturePoint.party_org_id, sa.func.count())
            .join(Checkpoint, Checkpoint.id == LecturePoint.checkpoint_id)
            .join(Shift, Shift.checkpoint_id == Checkpoint.id)
            .where(held, LecturePoint.party_org_id.is_not(None))
            .group_by(LecturePoint.party_org_id)
        ).all()
    )
    return by_community, by_org


def compute(org: PartyOrg, period: Period) -> dict[int, dict]:
    """Every member's indicators for the period: {member_id: {column: value}} with the
    sheet's stored columns (the response rate is derived from asked and answered)."""
    people = db.session.execute(subtree_members(org)).all()
    out = {
        m.member_id: {
            **dict.fromkeys(
                ["service_minutes", "shifts_served", "no_shows", "late_cancellations"], 0
            ),
            "callouts_asked": 0,
            "callouts_answered": 0,
            "lectures_attended": 0,
            "lectures_held": 0,
            "party_org_id": m.party_org_id,
        }
        for m in people
    }
    if not out:
        return out
    ids = subtree_members(org).with_only_columns(Member.id).scalar_subquery()
    simple = {
        "service_minutes": _service_minutes(ids, period),
        "shifts_served": _attended(ids, period, lectures=False),
        "lectures_attended": _attended(ids, period, lectures=True),
        "no_shows": _signups(ids, period, Signup.status == SignupStatus.NO_SHOW),
        "late_cancellations": _signups(ids, period, Signup.is_late_cancel.is_(True)),
    }
    for column, query in simple.items():
        for member_id, value in db.session.execute(query):
            out[member_id][column] = int(value or 0)
    for member_id, asked, answered in db.session.execute(_callouts(ids, period)):
        out[member_id].update(callouts_asked=asked, callouts_answered=answered)
    by_community, by_org = _lectures_held(period)
    for m in people:
        out[m.member_id]["lectures_held"] = by_community.get(m.community_id, 0) + by_org.get(
            m.party_org_id, 0
        )
    return out


#: What an organisation's sheet sums from its members' sheets.
SUMMED = [
    "service_minutes",
    "shifts_served",
    "no_shows",
    "late_cancellations",
    "callouts_asked",
    "callouts_answered",
    "lectures_attended",
]


def months_gone_by(period: Period, now: datetime) -> list[tuple[int, int]]:
    """(year, month) of the period's months that ended by `now` (Beijing time): the months
    an organisation can have missed. The month in progress is never missed yet."""
    first = period.starts.astimezone(LOCAL)
    out, year, month = [], first.year, first.month
    while True:
        nxt = (year + (month == 12), month % 12 + 1)
        ends = _utc(date(nxt[0], nxt[1], 1))
        if ends > period.ends or ends > now:
            return out
        out.append((year, month))
        year, month = nxt


def _org_points(orgs: list) -> dict[int, list[int]]:
    """{lecture point's checkpoint: [organisation ids]}: an organisation's lecture points
    are those it owns and those of its unit (a community branch's 讲学所 is its
    community's). One query."""
    by_unit: dict[int, list[int]] = {}
    for o in orgs:
        if o.unit_id is not None:
            by_unit.setdefault(o.unit_id, []).append(o.id)
    ids = [o.id for o in orgs]
    rows = db.session.execute(
        sa.select(
            LecturePoint.checkpoint_id, LecturePoint.party_org_id, LecturePoint.community_id
        ).where(
            sa.or_(LecturePoint.party_org_id.in_(ids), LecturePoint.community_id.in_(list(by_unit)))
        )
    ).all()
    out: dict[int, list[int]] = {}
    for checkpoint_id, org_id, community_id in rows:
        owners = out.setdefault(checkpoint_id, [])
        if org_id in ids:
            owners.append(org_id)
        owners.extend(by_unit.get(community_id, []))
    return out


def _org_lectures(points: dict[int, list[int]], period: Period) -> tuple[dict, dict]:
    """Per organisation: the lectures held at its points in the period, and the local
    months they fell in. One query (one row per lecture: a few per point and month)."""
    rows = db.session.execute(
        sa.select(Shift.checkpoint_id, Shift.starts_at).where(
            Shift.checkpoint_id.in_(list(points)),
            Shift.kind == "lecture",
            Shift.status == ShiftStatus.PUBLISHED,
            _in_period(period),
        )
    ).all()
    held: dict[int, int] = {}
    months: dict[int, set] = {}
    for checkpoint_id, starts_at in rows:
        local = starts_at.astimezone(LOCAL)
        for org_id in set(points[checkpoint_id]):
            held[org_id] = held.get(org_id, 0) + 1
            months.setdefault(org_id, set()).add((local.year, local.month))
    return held, months


def _events_by_branch(org: PartyOrg, period: Period) -> dict[int, int]:
    """Events handled in the period by the subtree's members, per member's branch."""
    members = subtree_members(org).subquery()
    return dict(
        db.session.execute(
            sa.select(members.c.party_org_id, sa.func.count())
            .select_from(Event)
            .join(members, members.c.member_id == Event.assignee_member_id)
            .where(Event.handled_at >= period.starts, Event.handled_at < period.ends)
            .group_by(members.c.party_org_id)
        ).all()
    )


def _ancestors(org: PartyOrg) -> list[int]:
    return [int(part) for part in org.path.strip("/").split("/") if part]


def compute_orgs(org: PartyOrg, period: Period, members: dict, *, now: datetime) -> dict:
    """Every organisation of the subtree's own indicators: {org_id: {column: value}}.

    The members' indicators (`members`, from compute()) are summed up the tree; lectures
    held at the organisation's own lecture points and the months without one (None for
    an organisation with no lecture point: nothing to judge), and events its members
    handled, come from three more queries."""
    orgs = db.session.scalars(
        sa.select(PartyOrg).where(PartyOrg.path.startswith(org.path, autoescape=True))
    ).all()
    out = {o.id: {**dict.fromkeys(SUMMED, 0), "events_handled": 0} for o in orgs}
    lifted = {o.id: [a for a in _ancestors(o) if a in out] for o in orgs}

    def lift(branch_id: int, column: str, value: int) -> None:
        for ancestor in lifted.get(branch_id, ()):
            out[ancestor][column] += value

    by_branch: dict[int, dict] = {}
    for values in members.values():
        sums = by_branch.setdefault(values["party_org_id"], dict.fromkeys(SUMMED, 0))
        for column in SUMMED:
            sums[column] += values[column]
    for branch_id, sums in by_branch.items():
        for column, value in sums.items():
            lift(branch_id, column, value)
    for branch_id, count in _events_by_branch(org, period).items():
        lift(branch_id, "events_handled", count)
    points = _org_points(orgs)
    held, months = _org_lectures(points, period)
    gone = months_gone_by(period, now)
    with_points = {org_id for owners in points.values() for org_id in owners}
    for org_id, values in out.items():
        values["lectures_held"] = held.get(org_id, 0)
        values["lecture_months_missed"] = (
            len([m for m in gone if m not in months.get(org_id, set())])
            if org_id in with_points
            else None
        )
    return out
