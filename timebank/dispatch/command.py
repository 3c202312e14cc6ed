"""What the command centre (指挥中心) reads for the district or a town, now.

Every read here is bounded by an index, never a scan of all events: open events by status
come from the partial index on open events (a few percent of all), the overdue queue and
the overdue grids from the partial index on open overdue events (their count from the
counters' `overdue_open`), closed and rejected from
the per-day counters, and the grids' coverage from the role assignments. The figures per
town and per category are `stats.figures()` over the counters.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..auth.models import Role, RoleAssignment
from ..auth.permissions import assignments, ensure_role
from ..core.clock import local
from ..core.errors import NotAllowed, NotFound
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit
from .counter_models import EventCounter
from .counters import ALL_CATEGORIES
from .models import OPEN_STATUSES, Event, EventCategory, Status, open_late
from .stats import Scope, default_by, figures, overdue_now

COMMAND_LEVELS = (Level.DISTRICT, Level.TOWN)
QUEUE_SIZE = 20
#: Periods the figures may cover, in days (the first is the default).
PERIODS = (30, 7, 90, 365)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    days: int


def period_of(days, now: datetime) -> Period:
    """The last `days` days up to today (Asia/Shanghai); an unknown length is the default."""
    days = days if days in PERIODS else PERIODS[0]
    last = local(now).date()
    return Period(last - timedelta(days=days - 1), last, days)


def command_units(actor) -> list[Unit]:
    """The district and towns the actor may command: organiser (or admin) on them or above."""
    roots = [ra.unit for ra in assignments(actor) if ra.role_enum.covers(Role.ORGANISER)]
    if not roots:
        return []
    conditions = [Unit.path.startswith(u.path, autoescape=True) for u in roots]
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.level.in_(COMMAND_LEVELS), sa.or_(*conditions))
            .order_by(Unit.path)
        )
    )


def command_unit(actor, unit_id) -> Unit:
    """The unit to command: the one asked for (a district or town in scope), else the
    actor's widest; 404 for a unit that is not a district or town, 403 out of scope."""
    if unit_id is None:
        units = command_units(actor)
        if not units:
            raise NotAllowed()
        unit = min(units, key=lambda u: len(u.path))
    else:
        unit = db.session.get(Unit, unit_id)
    if unit is None or unit.level not in COMMAND_LEVELS:
        raise NotFound("unit_not_found")
    ensure_role(actor, Role.ORGANISER, unit)
    return unit


def _in(unit: Unit):
    return Event.unit_path.startswith(unit.path, autoescape=True)


def status_counts(unit: Unit, period: Period) -> dict[str, int]:
    """Open events by status now, and those closed or rejected of the period's reports."""
    counts = dict.fromkeys([str(s) for s in Status], 0)
    rows = db.session.execute(
        sa.select(Event.status, sa.func.count())
        .where(Event.status.in_(OPEN_STATUSES), _in(unit))
        .group_by(Event.status)
    )
    counts.update({status: n for status, n in rows})
    c = EventCounter
    closed, rejected = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(c.closed), 0), sa.func.coalesce(sa.func.sum(c.rejected), 0)
        ).where(
            c.unit_id == unit.id,
            c.category_id == ALL_CATEGORIES,
            c.day.between(period.first, period.last),
        )
    ).one()
    counts.update(closed=int(closed), rejected=int(rejected))
    return counts


def overdue_queue(unit: Unit, limit: int = QUEUE_SIZE) -> tuple[list[Event], int]:
    """Open overdue events in the unit's scope, the longest late first, and how many."""
    late = sa.and_(open_late(), _in(unit))
    events = db.session.scalars(
        sa.select(Event)
        .where(late)
        .order_by(sa.func.coalesce(Event.handle_due_at, Event.accept_due_at), Event.id)
        .limit(limit)
    )
    return list(events), overdue_now(unit)


def overdue_grids(unit: Unit) -> dict[int, int]:
    """{unit id: open overdue events} for the grids (or communities) that have them."""
    rows = db.session.execute(
        sa.select(Event.unit_id, sa.func.count())
        .where(open_late(), _in(unit))
        .group_by(Event.unit_id)
    )
    return dict(rows.all())


def uncovered_grids(unit: Unit) -> list[Unit]:
    """Grids in the unit's scope without an active grid worker on the grid or its community."""
    grid = aliased(Unit)
    worker = (
        sa.select(RoleAssignment.id)
        .join(Member, Member.id == RoleAssignment.member_id)
        .where(
            RoleAssignment.role == Role.GRIDWORKER,
            RoleAssignment.unit_id.in_([grid.id, grid.parent_id]),
            Member.status == MemberStatus.ACTIVE,
        )
    )
    return list(
        db.session.scalars(
            sa.select(grid)
            .where(
                grid.level == Level.GRID,
                grid.path.startswith(unit.path, autoescape=True),
                ~worker.exists(),
            )
            .order_by(grid.path)
        )
    )


def grids_of(unit: Unit) -> list[Unit]:
    """The grids in the unit's scope (what the map draws)."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.level == Level.GRID, Unit.path.startswith(unit.path, autoescape=True))
            .order_by(Unit.id)
        )
    )


def parts_of(unit: Unit) -> list[Unit]:
    """The units one level below (towns of the district, communities of a town)."""
    return list(
        db.session.scalars(sa.select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))
    )


def unit_figures(unit: Unit, period: Period) -> tuple[dict, dict]:
    """SPEC 6.5 figures by the level below and by category, for the period."""
    by_part = figures(Scope(unit, period.first, period.last, default_by(unit)))
    by_category = figures(Scope(unit, period.first, period.last, "category"))
    return by_part, by_category


def units_by_id(ids: list[int]) -> list[Unit]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids))))


def category_names(locale: str) -> dict[int, str]:
    """{category id: name in `locale`}."""
    return {c.id: c.display_name(locale) for c in db.session.scalars(sa.select(EventCategory))}
