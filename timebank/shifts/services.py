"""Publishing work: checkpoints, single shifts, series, edits and cancellations."""

import logging
import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.csvio import row_errors_at
from ..core.errors import Conflict, check
from ..core.validation import lat_lon, required_text
from ..extensions import db
from ..members.models import Member
from . import signals
from . import validation as v
from .models import Checkpoint, Shift, ShiftStatus, Signup, SignupStatus
from .signups import cancel_all

log = logging.getLogger(__name__)


# --- checkpoints ---------------------------------------------------------------------------


def _checkpoint_fields(errors, *, name, lat, lon, radius_m):
    name, err = required_text(name, 120)
    if err:
        errors.append(("name", err))
    lat, lon = lat_lon(lat, lon, errors)
    if lat is None and not any(f in ("lat", "lon") for f, _ in errors):
        errors.append(("lat", _l("Give the checkpoint's position.")))
    try:
        radius_m = int(radius_m if radius_m not in (None, "") else 200)
        if not 10 <= radius_m <= 5000:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(("radius_m", _l("Between 10 and 5,000 metres.")))
        radius_m = None
    return name, lat, lon, radius_m


def _name_taken(community_id, name, exclude_id=None) -> bool:
    q = sa.select(Checkpoint.id).where(
        Checkpoint.community_id == community_id, Checkpoint.name == name
    )
    if exclude_id:
        q = q.where(Checkpoint.id != exclude_id)
    return db.session.scalar(q) is not None


def create_checkpoint(
    actor, *, community_id, name, lat, lon, radius_m=200, refused=()
) -> Checkpoint:
    """Add a checkpoint to a community (coordinators in scope)."""
    errors: list = []
    unit = v.community(errors, community_id)
    name, lat, lon, radius_m = _checkpoint_fields(
        errors, name=name, lat=lat, lon=lon, radius_m=radius_m
    )
    check(errors, refused)
    ensure_role(actor, Role.COORDINATOR, unit)
    if _name_taken(unit.id, name):
        check([("name", _l("This community has a checkpoint of this name."))])
    cp = Checkpoint(community_id=unit.id, name=name, lat=lat, lon=lon, radius_m=radius_m)
    db.session.add(cp)
    db.session.flush()
    record(actor, "checkpoint.create", cp, unit_id=unit.id)
    return cp


def update_checkpoint(
    actor, cp: Checkpoint, *, name, lat, lon, radius_m, is_active=True, refused=()
) -> Checkpoint:
    ensure_role(actor, Role.COORDINATOR, cp.community)
    errors: list = []
    name, lat, lon, radius_m = _checkpoint_fields(
        errors, name=name, lat=lat, lon=lon, radius_m=radius_m
    )
    check(errors, refused)
    if _name_taken(cp.community_id, name, exclude_id=cp.id):
        check([("name", _l("This community has a checkpoint of this name."))])
    cp.name, cp.lat, cp.lon, cp.radius_m = name, lat, lon, radius_m
    cp.is_active = bool(is_active)
    db.session.flush()
    record(actor, "checkpoint.update", cp, unit_id=cp.community_id)
    return cp


def import_checkpoints(actor, rows) -> int:
    """Create checkpoints from `(line, row)` pairs (community_code, name, lat, lon,
    radius_m), all or nothing; every bad row is reported by line number."""
    from ..units.queries import find_unit_by_code

    errors, prepared, seen = [], [], set()
    for line, row in rows:
        row_errors: list = []
        unit = find_unit_by_code((row.get("community_code") or "").strip())
        if unit is None or unit.level != "community":
            row_errors.append(("community_code", _l("Unknown community code.")))
        elif actor is not None and not _covers(actor, unit):
            row_errors.append(("community_code", _l("Not in your area.")))
        name, lat, lon, radius_m = _checkpoint_fields(
            row_errors,
            name=row.get("name"),
            lat=row.get("lat"),
            lon=row.get("lon"),
            radius_m=row.get("radius_m"),
        )
        if unit is not None and name and ((unit.id, name) in seen or _name_taken(unit.id, name)):
            row_errors.append(("name", _l("This community has a checkpoint of this name.")))
        errors += row_errors_at(line, row_errors, {"name": _l("Checkpoint name")})
        if not row_errors:
            seen.add((unit.id, name))
            prepared.append(
                Checkpoint(community_id=unit.id, name=name, lat=lat, lon=lon, radius_m=radius_m)
            )
    check(errors)
    db.session.add_all(prepared)
    db.session.flush()
    record(actor, "checkpoints.import", None, details={"created": len(prepared)})
    return len(prepared)


def _covers(actor, unit) -> bool:
    from ..auth.permissions import has_role

    return has_role(actor, Role.COORDINATOR, unit)


# --- shifts --------------------------------------------------------------------------------


def _shift_fields(
    errors,
    *,
    community_id,
    checkpoint_id,
    title,
    kind,
    capacity,
    skills,
    description,
    walk_ins,
    counts_as_service,
):
    unit = v.community(errors, community_id)
    cp = v.checkpoint(errors, checkpoint_id, unit)
    kind = v.kind(errors, kind)
    title, description = v.texts(errors, title, description)
    capacity = v.capacity(errors, capacity)
    skills = v.skills(errors, skills)
    walk_ins = v.flag(errors, "walk_ins", walk_ins, False)
    default_counts = v.counts_by_default(kind)
    counts_as_service = v.flag(errors, "counts_as_service", counts_as_service, default_counts)
    return dict(
        community_id=unit.id if unit else None,
        checkpoint_id=cp.id if cp else None,
        title=title,
        kind=str(kind) if kind else None,
        capacity=capacity,
        skills=skills,
        description=description,
        walk_ins=walk_ins,
        counts_as_service=counts_as_service,
    ), unit


def create_shift(
    actor,
    *,
    community_id,
    title,
    kind,
    starts_at,
    ends_at,
    capacity,
    checkpoint_id=None,
    skills=None,
    description=None,
    walk_ins=None,
    counts_as_service=None,
    now: datetime | None = None,
    refused=(),
) -> Shift:
    """Publish one shift in a community (coordinators in scope). Nothing in the past."""
    now = now or utcnow()
    errors: list = []
    fields, unit = _shift_fields(
        errors,
        community_id=community_id,
        checkpoint_id=checkpoint_id,
        title=title,
        kind=kind,
        capacity=capacity,
        skills=skills,
        description=description,
        walk_ins=walk_ins,
        counts_as_service=counts_as_service,
    )
    v.times(errors, starts_at, ends_at, now)
    check(errors, refused)
    ensure_role(actor, Role.COORDINATOR, unit)
    shift = Shift(
        **fields, starts_at=starts_at, ends_at=ends_at, created_by_id=_id(actor), created_at=now
    )
    db.session.add(shift)
    db.session.flush()
    record(actor, "shift.create", shift, unit_id=unit.id, now=now)
    return shift


def _id(actor):
    return actor.id if actor is not None else None


def series_dates(first_day: date, days: int, weekdays: list[int] | None) -> list[date]:
    """The days of a series: `days` calendar days from `first_day`, only on `weekdays`
    (0 = Monday) when given."""
    out = []
    for i in range(days):
        day = first_day + timedelta(days=i)
        if not weekdays or day.weekday() in weekdays:
            out.append(day)
    return out


def create_series(
    actor,
    *,
    community_id,
    title,
    kind,
    first_day,
    start_time,
    end_time,
    days,
    capacity,
    weekdays=None,
    checkpoint_id=None,
    skills=None,
    description=None,
    walk_ins=None,
    counts_as_service=None,
    now: datetime | None = None,
    refused=(),
) -> list[Shift]:
    """Publish a series in one step, e.g. every day 08:00–12:00 for 14 days.

    Times are local (Asia/Shanghai); an end earlier than the start is on the next day (a
    night watch every night 22:00–02:00). All shifts are created or none.
    """
    now = now or utcnow()
    errors: list = []
    fields, unit = _shift_fields(
        errors,
        community_id=community_id,
        checkpoint_id=checkpoint_id,
        title=title,
        kind=kind,
        capacity=capacity,
        skills=skills,
        description=description,
        walk_ins=walk_ins,
        counts_as_service=counts_as_service,
    )
    dates = _series_days(errors, first_day, days, weekdays)
    _series_times(errors, dates, start_time, end_time, now)
    check(errors, refused)
    ensure_role(actor, Role.COORDINATOR, unit)
    key = uuid.uuid4().hex
    shifts = [_series_shift(fields, day, start_time, end_time, key, actor, now) for day in dates]
    db.session.add_all(shifts)
    db.session.flush()
    record(
        actor,
        "shift.create_series",
        shifts[0],
        unit_id=unit.id,
        now=now,
        details={"series_key": key, "count": len(shifts)},
    )
    return shifts


def _series_shift(fields: dict, day: date, start_time, end_time, key, actor, now) -> Shift:
    starts_at, ends_at = v.local_times(day, start_time, end_time)
    return Shift(
        **fields,
        series_key=key,
        created_by_id=_id(actor),
        created_at=now,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def _series_times(errors, dates: list[date], start_time, end_time, now: datetime) -> None:
    """The series' daily times: both given, not equal, the first shift in the future."""
    if not isinstance(start_time, time) or not isinstance(end_time, time):
        errors.append(("start_time", _l("Give a start and an end time.")))
    elif end_time == start_time:
        errors.append(("end_time", _l("The end must be after the start.")))
    elif dates:
        first_start, _ = v.local_times(dates[0], start_time, end_time)
        if first_start <= now:
            errors.append(("first_day", _l("The first shift must start in the future.")))


def _series_days(errors, first_day, days, weekdays) -> list[date]:
    if not isinstance(first_day, date):
        errors.append(("first_day", _l("Give a date.")))
        return []
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= v.MAX_SERIES_DAYS:
        errors.append(("days", _l("Between 1 and %(n)s days.", n=v.MAX_SERIES_DAYS)))
        return []
    weekdays = list(weekdays or [])
    if any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in weekdays):
        errors.append(("weekdays", _l("Weekdays are 0 (Monday) to 6 (Sunday).")))
        return []
    dates = series_dates(first_day, days, weekdays)
    if not dates:
        errors.append(("weekdays", _l("No day of the series falls on these weekdays.")))
    return dates


def cancel_shift(
    actor, shift: Shift, *, reason, now: datetime | None = None, quiet: bool = False
) -> Shift:
    """Cancel a shift with a reason; every signed-up member is told (unless `quiet`: a
    series cancelled as a whole tells each member once, see shifts.series)."""
    ensure_role(actor, Role.COORDINATOR, shift.community)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    if shift.is_cancelled:
        raise Conflict("shift_cancelled", _l("This shift is cancelled already."))
    now = now or utcnow()
    affected = _signed_up(shift)
    shift.status, shift.cancel_reason, shift.cancelled_at = ShiftStatus.CANCELLED, reason, now
    cancel_all(shift, now=now)
    db.session.refresh(shift)
    if not quiet:
        signals.shift_cancelled.send(shift, members=affected, now=now)
    record(
        actor,
        "shift.cancel",
        shift,
        unit_id=shift.community_id,
        now=now,
        details={"reason": reason, "signed_up": len(affected)},
    )
    return shift


def _signed_up(shift: Shift) -> list:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(Signup, Signup.member_id == Member.id)
            .where(
                Signup.shift_id == shift.id,
                Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
            )
        )
    )
