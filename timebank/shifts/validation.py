"""Checking the fields of a shift (shared by single shifts, series and edits)."""

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from ..core.clock import LOCAL_TZ
from ..core.validation import optional_text, required_text
from ..extensions import db
from ..members.skills import normalise_skills
from ..units.models import Level, Unit
from .models import Checkpoint, ShiftKind

MAX_CAPACITY = 10_000
MAX_LENGTH = timedelta(hours=24)
MAX_SERIES_DAYS = 366


def community(errors, community_id) -> Unit | None:
    try:
        unit = db.session.get(Unit, int(community_id)) if community_id is not None else None
    except (TypeError, ValueError):
        unit = None
    if unit is None or unit.level != Level.COMMUNITY:
        errors.append(("community_id", _l("Choose a community.")))
        return None
    return unit


def checkpoint(errors, checkpoint_id, unit: Unit | None) -> Checkpoint | None:
    if checkpoint_id in (None, "", 0):
        return None
    try:
        cp = db.session.get(Checkpoint, int(checkpoint_id))
    except (TypeError, ValueError):
        cp = None
    if cp is None or (unit is not None and cp.community_id != unit.id):
        errors.append(("checkpoint_id", _l("Choose a checkpoint of this community.")))
        return None
    return cp


def kind(errors, value) -> ShiftKind | None:
    try:
        return ShiftKind(value)
    except ValueError:
        errors.append(("kind", _l("Unknown kind of shift.")))
        return None


def counts_by_default(value) -> bool:
    """Whether a shift of this kind counts as volunteer service unless set otherwise:
    lectures do not (attendance is kept, as study), every other kind does."""
    return value != ShiftKind.LECTURE


def capacity(errors, value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors.append(("capacity", _l("Must be a whole number.")))
            return None
    if not 1 <= value <= MAX_CAPACITY:
        errors.append(("capacity", _l("Between 1 and %(n)s.", n=f"{MAX_CAPACITY:,}")))
        return None
    return value


def times(
    errors,
    starts_at,
    ends_at,
    now: datetime | None,
    *,
    start_field="starts_at",
    end_field="ends_at",
):
    """Aware datetimes, ends after starts, at most 24 h long, not starting in the past."""
    ok = True
    for field, value in ((start_field, starts_at), (end_field, ends_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors.append((field, _l("Give a date and time.")))
            ok = False
    if not ok:
        return
    if ends_at <= starts_at:
        errors.append((end_field, _l("The end must be after the start.")))
    elif ends_at - starts_at > MAX_LENGTH:
        errors.append((end_field, _l("A shift lasts at most 24 hours.")))
    if now is not None and starts_at <= now:
        errors.append((start_field, _l("The start must be in the future.")))


def local_times(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A shift's start and end from a local day and times; an end earlier than the start is
    on the next day (a 22:00–02:00 night watch). Equal times give an empty shift, which
    `times` refuses."""
    end_day = day + timedelta(days=1) if end < start else day
    return datetime.combine(day, start, LOCAL_TZ), datetime.combine(end_day, end, LOCAL_TZ)


def texts(errors, title, description):
    title, err = required_text(title, 120)
    if err:
        errors.append(("title", err))
    description, err = optional_text(description, 2000)
    if err:
        errors.append(("description", err))
    return title, description


def skills(errors, value) -> list[str]:
    return normalise_skills(value, errors)


def flag(errors, field, value, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.append((field, _l("Must be true or false.")))
        return default
    return value
