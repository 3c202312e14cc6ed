"""A series of shifts changed or cancelled as a whole, or the rest of it from one date.

A series is the shifts published together (`Shift.series_key`). Only its shifts still to
come count: a shift that has started (or was cancelled) keeps what it was. Each shift goes
through the single-shift rule (`edits.update_shift`, `services.cancel_shift`: checked one by
one, all or nothing, since the caller rolls back on a refusal), but quietly: every member
signed up to any of them is told once, by the series' own signal, not once per shift.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import LOCAL_TZ, local, utcnow
from ..core.errors import Conflict, NotFound, check
from ..core.validation import required_text
from ..extensions import db
from ..members.models import Member
from . import edits, services, signals
from . import validation as v
from .models import Shift, ShiftStatus, Signup, SignupStatus

#: What a series edit may change (the community stays; a day is each shift's own).
FIELDS = (
    "title",
    "kind",
    "capacity",
    "description",
    "skills",
    "walk_ins",
    "checkpoint_id",
    "counts_as_service",
)


@dataclass(frozen=True)
class SeriesResult:
    """What a series edit or cancellation did: the shifts it touched, the members told."""

    shifts: list[Shift]
    told: int


def series_shifts(series_key: str) -> list[Shift]:
    """Every shift of the series, first first; NotFound when there is no such series."""
    shifts = list(
        db.session.scalars(
            sa.select(Shift).where(Shift.series_key == series_key).order_by(Shift.starts_at)
        )
    )
    if not shifts:
        raise NotFound("series_not_found", _l("No such series of shifts."))
    return shifts


def _still_to_come(series_key: str, from_day: date | None, now: datetime) -> list[Shift]:
    """The series' published shifts that have not started (from `from_day`, a local date,
    when given), rows locked so two changes of one series run one after the other."""
    query = sa.select(Shift).where(
        Shift.series_key == series_key,
        Shift.status == ShiftStatus.PUBLISHED,
        Shift.starts_at > now,
    )
    if from_day is not None:
        query = query.where(Shift.starts_at >= datetime.combine(from_day, time(0), LOCAL_TZ))
    shifts = list(
        db.session.scalars(
            query.order_by(Shift.starts_at, Shift.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not shifts:
        raise Conflict("series_over", _l("No shift of this series is left to change."))
    return shifts


def _start(actor, series_key: str, from_day, now: datetime) -> list[Shift]:
    """Rights first (the series' community), then the shifts still to come."""
    first = series_shifts(series_key)[0]
    ensure_role(actor, Role.COORDINATOR, first.community)
    if from_day is not None and not isinstance(from_day, date):
        check([("from", _l("Give a date."))])
    return _still_to_come(series_key, from_day, now)


def members_of(shifts: list[Shift]) -> list[Member]:
    """Members confirmed or waitlisted on any of these shifts, each once."""
    return list(
        db.session.scalars(
            sa.select(Member)
            .where(
                Member.id.in_(
                    sa.select(Signup.member_id).where(
                        Signup.shift_id.in_([s.id for s in shifts]),
                        Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
                    )
                )
            )
            .order_by(Member.id)
        )
    )


def _new_times(shift: Shift, start_time, end_time) -> dict:
    """The shift's start and end on its own local day at the new local times (either may be
    None: that one stays as it is)."""
    if start_time is None and end_time is None:
        return {}
    starts, ends = local(shift.starts_at), local(shift.ends_at)
    start_time = start_time if start_time is not None else starts.time().replace(tzinfo=None)
    end_time = end_time if end_time is not None else ends.time().replace(tzinfo=None)
    starts_at, ends_at = v.local_times(starts.date(), start_time, end_time)
    return {"starts_at": starts_at, "ends_at": ends_at}


def _check_times(start_time, end_time) -> None:
    errors = [
        (name, _l("Give a time such as 08:00."))
        for name, value in (("start_time", start_time), ("end_time", end_time))
        if value is not None and not isinstance(value, time)
    ]
    check(errors)


def update_series(
    actor,
    series_key: str,
    *,
    from_day: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    now: datetime | None = None,
    **fields,
) -> SeriesResult:
    """Change the series' shifts still to come (from `from_day` when given): the fields
    given (see FIELDS) and the daily local times; the others stay. Members signed up to a
    shift whose time changed are told once."""
    now = now or utcnow()
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"update_series() got unexpected fields {unknown}")
    shifts = _start(actor, series_key, from_day, now)
    _check_times(start_time, end_time)
    retimed = []
    for shift in shifts:
        before = (shift.starts_at, shift.ends_at)
        times = _new_times(shift, start_time, end_time)
        edits.update_shift(actor, shift, now=now, quiet=True, **fields, **times)
        if (shift.starts_at, shift.ends_at) != before:
            retimed.append(shift)
    members = members_of(retimed) if retimed else []
    if members:
        signals.series_changed.send(shifts[0], shifts=retimed, members=members, now=now)
    details = {
        "series_key": series_key,
        "count": len(shifts),
        "from": from_day.isoformat() if from_day else None,
        "changed": sorted(fields) + (["times"] if retimed else []),
        "told": len(members),
    }
    record(
        actor,
        "shift.update_series",
        shifts[0],
        unit_id=shifts[0].community_id,
        now=now,
        details=details,
    )
    return SeriesResult(shifts, len(members))


def cancel_series(
    actor, series_key: str, *, reason, from_day: date | None = None, now: datetime | None = None
) -> SeriesResult:
    """Cancel the series' shifts still to come (from `from_day` when given) with a reason;
    every member signed up to any of them is told once."""
    now = now or utcnow()
    shifts = _start(actor, series_key, from_day, now)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    members = members_of(shifts)
    for shift in shifts:
        services.cancel_shift(actor, shift, reason=reason, now=now, quiet=True)
    signals.series_cancelled.send(shifts[0], shifts=shifts, members=members, now=now)
    details = {
        "series_key": series_key,
        "count": len(shifts),
        "from": from_day.isoformat() if from_day else None,
        "reason": reason,
        "told": len(members),
    }
    record(
        actor,
        "shift.cancel_series",
        shifts[0],
        unit_id=shifts[0].community_id,
        now=now,
        details=details,
    )
    return SeriesResult(shifts, len(members))
