"""The organiser's dashboard: read-only figures for one unit of their scope.

Hours by week and by unit come from ranking_totals (a few indexed rows per period); the
month to date and the same days of last month, which no total holds, are two sums over the
ledger's index on effective_at. Every other figure is one bounded, indexed query: members
and checkpoints of the unit's communities, this week's shifts, this month's call-outs,
shifts closed in the last 30 days.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..auth.models import Role
from ..auth.permissions import assignments, in_scope
from ..core.clock import local
from ..core.i18n import localized_column
from ..extensions import db
from ..ledger.models import LedgerEntry
from ..members.models import Member, MemberStatus
from ..mobilisation.models import Callout, CalloutStatus
from ..shifts.models import Checkpoint, Shift, ShiftStatus, Signup, SignupStatus
from ..units.models import Level, Unit
from . import periods
from .models import RankingTotal, Subject
from .queries import _scope_filter
from .totals import period_keys

WEEKS = 26
#: Shifts closed in this many past days give the no-show rate.
NO_SHOW_DAYS = 30
#: Members shown in the "hours by …" chart of a community or grid.
TOP_MEMBERS = 15
MAX_CALLOUTS = 2000


@dataclass
class MonthToDate:
    """This month's credited minutes so far against the same stretch of last month: from
    the 1st to the same day and time (at most the whole of last month)."""

    minutes: int
    previous_minutes: int
    first_day: date
    last_day: date
    previous_first_day: date
    previous_last_day: date

    @property
    def change(self) -> float | None:
        """0.25 for a quarter more than the same days of last month; None without them."""
        if not self.previous_minutes:
            return None
        return (self.minutes - self.previous_minutes) / self.previous_minutes


def month_to_date(unit: Unit, *, now: datetime) -> MonthToDate:
    """The unit's minutes this month up to `now` and over the same days of last month."""
    today = local(now).date()
    start = periods.start_of(periods.first_day("month", today))
    previous_start = periods.start_of(periods.previous_day("month", today))
    elapsed = now - start + timedelta(microseconds=1)  # up to and including `now`
    previous_end = min(previous_start + elapsed, start)
    return MonthToDate(
        minutes=_ledger_minutes(unit, start, start + elapsed),
        previous_minutes=_ledger_minutes(unit, previous_start, previous_end),
        first_day=start.date(),
        last_day=today,
        previous_first_day=previous_start.date(),
        previous_last_day=local(previous_end - timedelta(microseconds=1)).date(),
    )


def _ledger_minutes(unit: Unit, start: datetime, end: datetime) -> int:
    """Minutes of the entries dated in [start, end) that the unit's totals would count."""
    q = sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
        LedgerEntry.effective_at >= start, LedgerEntry.effective_at < end
    )
    if unit.level == Level.GRID:
        q = q.where(
            LedgerEntry.member_id.in_(sa.select(Member.id).where(Member.grid_id == unit.id))
        )
    else:
        q = q.where(LedgerEntry.community_id.in_(_community_ids(unit)))
    return int(db.session.scalar(q) or 0)


@dataclass
class Figures:
    unit: Unit
    members: dict[str, int]  # status → how many
    active_this_month: int
    checkpoints: int
    shifts_this_week: int
    places_this_week: int
    taken_this_week: int
    #: Hours this month so far, and over the same days of last month.
    month: MonthToDate
    callouts: dict[str, int]  # status → how many raised this month
    median_fill_s: int | None
    no_shows: int
    signups_closed: int
    weekly: list[tuple[date, int]] = field(default_factory=list)
    #: Minutes this month of each unit below (towns of a district, communities of a
    #: town) or, for a community or grid, of its top members.
    parts: list[tuple[str, int]] = field(default_factory=list)
    parts_level: str = Level.TOWN

    @property
    def members_reported(self) -> int:
        return sum(self.members.values())

    @property
    def members_approved(self) -> int:
        return self.members.get(MemberStatus.ACTIVE, 0)

    @property
    def members_pending(self) -> int:
        return self.members.get(MemberStatus.PENDING, 0)

    @property
    def fill_rate(self) -> float | None:
        return self.taken_this_week / self.places_this_week if self.places_this_week else None

    @property
    def minutes_this_month(self) -> int:
        return self.month.minutes

    @property
    def callouts_raised(self) -> int:
        return sum(self.callouts.values())

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.signups_closed if self.signups_closed else None


def dashboard_units(actor) -> list[Unit]:
    """Districts, towns and communities where the actor is an organiser (or more)."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(in_scope(Unit.path, actor, Role.ORGANISER), Unit.level != Level.GRID)
            .order_by(Unit.path)
        )
    )


def default_dashboard_unit(actor) -> Unit | None:
    """The unit of the actor's widest organiser (or admin) role."""
    roles = [ra for ra in assignments(actor) if ra.role_enum.covers(Role.ORGANISER)]
    return min(roles, key=lambda ra: len(ra.unit.path)).unit if roles else None


def figures(unit: Unit, *, now: datetime) -> Figures:
    """Every figure of the dashboard for `unit` at `now` (Asia/Shanghai calendar)."""
    today = local(now).date()
    this_month = period_keys(now)["month"]
    weeks = periods.week_starts(now, WEEKS)
    week_keys = [period_keys(periods.moment(d))["week"] for d in weeks]
    by_week = _unit_minutes(unit, "week", week_keys)
    shifts, places, taken = _shifts_this_week(unit, today)
    callouts, median = _callouts(unit, today)
    no_shows, closed = _no_shows(unit, now)
    parts, level = _parts(unit, this_month)
    return Figures(
        unit=unit,
        members=_member_counts(unit),
        active_this_month=_active_members(unit, this_month),
        checkpoints=_checkpoints(unit),
        shifts_this_week=shifts,
        places_this_week=places,
        taken_this_week=taken,
        month=month_to_date(unit, now=now),
        callouts=callouts,
        median_fill_s=median,
        no_shows=no_shows,
        signups_closed=closed,
        weekly=[(d, by_week.get(k, 0)) for d, k in zip(weeks, week_keys, strict=True)],
        parts=parts,
        parts_level=level,
    )


def _community_ids(unit: Unit):
    """The communities a unit covers, as a SQL selectable (a grid: its community)."""
    if unit.level == Level.COMMUNITY:
        return sa.select(sa.literal(unit.id))
    if unit.level == Level.GRID:
        return sa.select(sa.literal(unit.parent_id))
    return sa.select(Unit.id).where(
        Unit.level == Level.COMMUNITY, Unit.path.startswith(unit.path, autoescape=True)
    )


def _member_counts(unit: Unit) -> dict[str, int]:
    q = sa.select(Member.status, sa.func.count()).group_by(Member.status)
    if unit.level == Level.GRID:
        q = q.where(Member.grid_id == unit.id)
    else:
        q = q.where(Member.community_id.in_(_community_ids(unit)))
    return dict(db.session.execute(q).all())


def _checkpoints(unit: Unit) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Checkpoint.is_active.is_(True), Checkpoint.community_id.in_(_community_ids(unit))
        )
    )


def _shifts_this_week(unit: Unit, today: date) -> tuple[int, int, int]:
    start = periods.start_of(periods.first_day("week", today))
    count, places, taken = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Shift.capacity), 0),
            sa.func.coalesce(sa.func.sum(Shift.taken), 0),
        ).where(
            Shift.status == ShiftStatus.PUBLISHED,
            Shift.starts_at >= start,
            Shift.starts_at < start + timedelta(days=7),
            Shift.community_id.in_(_community_ids(unit)),
        )
    ).one()
    return count, int(places), int(taken)


def _unit_minutes(unit: Unit, period: str, keys: list[str]) -> dict[str, int]:
    """The unit's minutes in each period key, from the fewest totals rows that hold them:
    its towns for a district, its own row for a town or community, members for a grid."""
    t = RankingTotal
    if unit.level == Level.DISTRICT:
        towns = sa.select(Unit.id).where(Unit.parent_id == unit.id)
        who = sa.and_(t.subject == Subject.TOWN, t.subject_id.in_(towns))
    elif unit.level in (Level.TOWN, Level.COMMUNITY):
        who = sa.and_(t.subject == unit.level, t.subject_id == unit.id)
    else:
        grid_members = sa.select(Member.id).where(Member.grid_id == unit.id)
        who = sa.and_(t.subject == Subject.MEMBER, t.subject_id.in_(grid_members))
    rows = db.session.execute(
        sa.select(t.period_key, sa.func.sum(t.minutes))
        .where(who, t.period == period, t.period_key.in_(keys))
        .group_by(t.period_key)
    )
    return {key: int(minutes or 0) for key, minutes in rows}


def _active_members(unit: Unit, month_key: str) -> int:
    """Members with credited minutes this month (one indexed count over totals rows)."""
    t = RankingTotal
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            t.subject == Subject.MEMBER,
            t.period == "month",
            t.period_key == month_key,
            t.minutes > 0,
            _scope_filter(Subject.MEMBER, unit),
        )
    )


def _parts(unit: Unit, month_key: str) -> tuple[list[tuple[str, int]], str]:
    """This month's minutes of each town of a district or community of a town (all of
    them, zeros included); for a community or grid, of its top members."""
    t = RankingTotal
    if unit.level in (Level.DISTRICT, Level.TOWN):
        subject = Subject.TOWN if unit.level == Level.DISTRICT else Subject.COMMUNITY
        children = list(
            db.session.execute(
                sa.select(Unit.id, localized_column(Unit.name, Unit.name_en))
                .where(Unit.parent_id == unit.id)
                .order_by(Unit.code)
            )
        )
        minutes = dict(
            db.session.execute(
                sa.select(t.subject_id, t.minutes).where(
                    t.subject == subject,
                    t.period == "month",
                    t.period_key == month_key,
                    t.subject_id.in_([uid for uid, _name in children]),
                )
            ).all()
        )
        return [(name, minutes.get(uid, 0)) for uid, name in children], str(subject)
    top = db.session.execute(
        sa.select(Member.name, t.minutes)
        .join(Member, Member.id == t.subject_id)
        .where(
            t.subject == Subject.MEMBER,
            t.period == "month",
            t.period_key == month_key,
            t.minutes > 0,
            _scope_filter(Subject.MEMBER, unit),
        )
        .order_by(t.minutes.desc(), t.subject_id)
        .limit(TOP_MEMBERS)
    )
    return [(name, minutes) for name, minutes in top], str(Subject.MEMBER)


def _callouts(unit: Unit, today: date) -> tuple[dict[str, int], int | None]:
    """This month's call-outs of the unit's subtree by status, and the median time from
    raising to filled."""
    start = periods.start_of(periods.first_day("month", today))
    rows = db.session.execute(
        sa.select(Callout.status, Callout.created_at, Callout.filled_at)
        .join(Unit, Unit.id == Callout.unit_id)
        .where(Callout.created_at >= start, Unit.path.startswith(unit.path, autoescape=True))
        .order_by(Callout.id.desc())
        .limit(MAX_CALLOUTS)
    ).all()
    counts = {s.value: 0 for s in CalloutStatus}
    waits = []
    for status, created_at, filled_at in rows:
        counts[status] = counts.get(status, 0) + 1
        if filled_at is not None:
            waits.append((filled_at - created_at).total_seconds())
    return counts, int(statistics.median(waits)) if waits else None


def _no_shows(unit: Unit, now: datetime) -> tuple[int, int]:
    """(no-shows, confirmed or no-show sign-ups) on shifts of the last NO_SHOW_DAYS days
    that were closed (attendance settled by the scheduler)."""
    rows = db.session.execute(
        sa.select(Signup.status, sa.func.count())
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Shift.starts_at >= now - timedelta(days=NO_SHOW_DAYS),
            Shift.starts_at < now,
            Shift.closed_at.is_not(None),
            Shift.community_id.in_(_community_ids(unit)),
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.NO_SHOW]),
        )
        .group_by(Signup.status)
    )
    counts = dict(rows.all())
    no_shows = counts.get(SignupStatus.NO_SHOW, 0)
    return no_shows, no_shows + counts.get(SignupStatus.CONFIRMED, 0)
