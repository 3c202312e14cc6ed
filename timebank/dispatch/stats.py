"""The figures of SPEC 6, rule 5, for a unit's scope and a period of days.

`figures()` sums the counter rows (a few hundred) that the transitions keep; `figures_
by_group_by()` computes the same answer by grouping the events themselves — the plain
query it replaces, kept for the tests (same answers) and the benchmark (side by side).
`overdue_open` is summed from the counters too: the events reported in the period that are
with someone and past a deadline now (the counters follow each marking and each step).
Both queries read the covering indexes of `event_counters` alone.

The median handle time comes from a histogram of closed events by handle time
(HANDLE_BUCKETS), read as the point where half the events lie below, linear inside its
bucket: an estimate whose error is bounded by the bucket's width, kept in counters like
the other figures (an exact median cannot be summed from rows).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..auth.permissions import has_role, scope_paths
from ..core.clock import local, utcnow
from ..core.errors import NotAllowed, check
from ..extensions import db
from ..units.models import LEVEL_ORDER, Level, Unit
from .counter_models import COUNTS, HANDLE_BUCKETS, HIST, EventCounter
from .counters import ALL_CATEGORIES
from .models import ASSIGNED, Event, EventCategory
from .models import Status as S

BYS = ("town", "community", "grid", "category")
#: The event column each breakdown groups by.
_EVENT_KEY = {
    "town": Event.town_id,
    "community": Event.community_id,
    "grid": Event.unit_id,
    "category": Event.category_id,
}


@dataclass(frozen=True)
class Scope:
    unit: Unit
    first: date
    last: date
    by: str


#: The longest period one answer covers (ten years of days).
MAX_DAYS = 3660
DEFAULT_DAYS = 30


def event_stats(actor, *, unit_id=None, first=None, last=None, by=None, now=None) -> dict:
    """The figures for a coordinator's or organiser's unit (default: their widest one),
    from `first` to `last` (days of reported_at, Asia/Shanghai, both included; default
    the last 30 days), broken down `by` town, community, grid or category."""
    unit = _scope_unit(actor, unit_id)
    errors: list = []
    last = last or local(now or utcnow()).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        errors.append(("from", _l("The period must not end before it starts.")))
    elif (last - first).days >= MAX_DAYS:
        errors.append(("from", _l("At most %(n)s days at a time.", n=MAX_DAYS)))
    by = by or default_by(unit)
    if by not in BYS or not by_allowed(unit, by):
        errors.append(("by", _l("Choose a level below the unit, or category.")))
    check(errors)
    return figures(Scope(unit, first, last, by))


def _scope_unit(actor, unit_id) -> Unit:
    if unit_id is None:
        paths = scope_paths(actor, Role.COORDINATOR)
        if not paths:
            raise NotAllowed()
        return db.session.scalar(sa.select(Unit).where(Unit.path == paths[0]))
    unit = db.session.get(Unit, unit_id)
    if unit is None or not has_role(actor, Role.COORDINATOR, unit):
        raise NotAllowed()
    return unit


def default_by(unit: Unit) -> str:
    """The level below the unit (category for a grid)."""
    depth = LEVEL_ORDER.index(Level(unit.level))
    return str(LEVEL_ORDER[depth + 1]) if depth + 1 < len(LEVEL_ORDER) else "category"


def by_allowed(unit: Unit, by: str) -> bool:
    """`by` must be a level below the unit, or the category."""
    if by == "category":
        return True
    return LEVEL_ORDER.index(Level(by)) > LEVEL_ORDER.index(Level(unit.level))


def median(hist: list[int]) -> int | None:
    """The median read from a handle-time histogram (None when it is empty)."""
    total = sum(hist)
    if not total:
        return None
    half, below = total / 2, 0
    for i, count in enumerate(hist):
        if count and below + count >= half:
            low = HANDLE_BUCKETS[i - 1] if i else 0
            high = HANDLE_BUCKETS[i] if i < len(HANDLE_BUCKETS) else low
            return round(low + (high - low) * (half - below) / count)
        below += count
    return None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def row_figures(counts: dict) -> dict:
    """The answer's figures from summed counts (and the histogram)."""
    return {
        "reported": counts["reported"],
        "rejected": counts["rejected"],
        "closed": counts["closed"],
        "closure_rate": _rate(counts["closed"], counts["reported"] - counts["rejected"]),
        "on_time_rate": _rate(counts["closed_on_time"], counts["closed"]),
        "satisfaction_rate": _rate(counts["rated_good"], counts["rated"]),
        "median_handle_min": median([counts[h] for h in HIST]),
        "overdue_open": counts["overdue_open"],
    }


def _zero() -> dict:
    return dict.fromkeys(COUNTS + HIST, 0)


def _sums(query) -> dict[int, dict]:
    """{group id: counts} from a query selecting (group id, *COUNTS, *HIST)."""
    return {
        row[0]: dict(zip(COUNTS + HIST, row[1:], strict=True)) for row in db.session.execute(query)
    }


def _counter_query(scope: Scope):
    c = EventCounter
    sums = [sa.func.coalesce(sa.func.sum(getattr(c, col)), 0) for col in COUNTS + HIST]
    q = sa.select(c.unit_id if scope.by != "category" else c.category_id, *sums).where(
        c.day.between(scope.first, scope.last)
    )
    if scope.by == "category":
        q = q.where(c.unit_id == scope.unit.id, c.category_id != ALL_CATEGORIES)
        return q.group_by(c.category_id)
    q = q.where(
        c.level == scope.by,
        c.category_id == ALL_CATEGORIES,
        c.unit_path.startswith(scope.unit.path, autoescape=True),
    )
    return q.group_by(c.unit_id)


def _total_query(scope: Scope):
    c = EventCounter
    sums = [sa.func.coalesce(sa.func.sum(getattr(c, col)), 0) for col in COUNTS + HIST]
    return sa.select(sa.literal(0), *sums).where(
        c.unit_id == scope.unit.id,
        c.category_id == ALL_CATEGORIES,
        c.day.between(scope.first, scope.last),
    )


def overdue_now(unit: Unit) -> int:
    """Open overdue events in the unit's scope now, whenever reported: the unit's
    all-categories counter rows of every day (an index-only range, one row a day)."""
    c = EventCounter
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(c.overdue_open), 0)).where(
                c.unit_id == unit.id, c.category_id == ALL_CATEGORIES
            )
        )
    )


def _labels(scope: Scope, ids) -> dict[int, dict]:
    if scope.by == "category":
        rows = db.session.execute(
            sa.select(EventCategory.id, EventCategory.code, EventCategory.name).where(
                EventCategory.id.in_(ids)
            )
        )
        return {i: {"id": i, "code": code, "name": name} for i, code, name in rows}
    rows = db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids), Unit.level == scope.by)
    )
    return {i: {"id": i, "code": code, "name": name} for i, code, name in rows}


def _answer(scope: Scope, groups: dict[int, dict], total: dict) -> dict:
    labels = _labels(scope, set(groups))
    items = [{**label, **row_figures(groups[group_id])} for group_id, label in labels.items()]
    items.sort(key=lambda item: item["code"])
    return {"totals": row_figures(total), "items": items}


def figures(scope: Scope) -> dict:
    """The figures from the counters: `totals` and one item per town, community, grid or
    category that has counter rows in the period."""
    total = _sums(_total_query(scope)).get(0) or _zero()
    return _answer(scope, _sums(_counter_query(scope)), total)


def figures_by_group_by(scope: Scope) -> dict:
    """The same figures grouped from the events (what the counters replace)."""
    in_period = (
        Event.reported_on.between(scope.first, scope.last),
        Event.unit_path.startswith(scope.unit.path, autoescape=True),
    )
    key = _EVENT_KEY[scope.by]
    groups: dict[int, dict] = {}
    for row in db.session.execute(_event_counts(key, in_period)):
        groups.setdefault(row[0], _zero()).update(zip(COUNTS, row[1:], strict=True))
    bucket = _bucket_expression()
    rows = db.session.execute(
        sa.select(key, bucket, sa.func.count())
        .where(*in_period, Event.status == S.CLOSED, Event.handle_minutes.is_not(None))
        .group_by(key, bucket)
    )
    total = _zero()
    for group_id, index, n in rows:
        groups.setdefault(group_id, _zero())[HIST[index]] += n
    for counts in groups.values():
        for column in COUNTS + HIST:
            total[column] += counts[column]
    groups.pop(None, None)
    return _answer(scope, groups, total)


def _event_counts(key, in_period):
    closed = Event.status == S.CLOSED
    return (
        sa.select(
            key,
            sa.func.count(),
            sa.func.count().filter(Event.status == S.REJECTED),
            sa.func.count().filter(closed),
            sa.func.count().filter(closed, Event.handled_on_time.is_(True)),
            sa.func.count().filter(closed, Event.rating.is_not(None)),
            sa.func.count().filter(closed, Event.rating >= 4),
            sa.func.count().filter(Event.overdue.is_(True), Event.status.in_(ASSIGNED)),
        )
        .where(*in_period)
        .group_by(key)
    )


def _bucket_expression():
    return sa.case(
        *[(Event.handle_minutes < bound, i) for i, bound in enumerate(HANDLE_BUCKETS)],
        else_=len(HANDLE_BUCKETS),
    )
