"""Checking a call-out's fields. The place is given as lat/lon, a checkpoint or a community."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..auth.permissions import assignments, has_role
from ..core.errors import check
from ..core.settings import setting
from ..core.validation import lat_lon, optional_text, required_text
from ..extensions import db
from ..members.skills import normalise_skills
from ..shifts.models import Checkpoint
from ..units.models import Level, Unit
from .models import CalloutKind

MAX_RADIUS_KM = 200
MAX_NEEDED = 1000
MAX_RESPONSE_S = 24 * 3600
#: A start this far in the past is still "now" (the form took a while to fill).
START_SLACK = timedelta(minutes=10)


def _int(errors, field, value, low, high, message):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors.append((field, _l("Must be a whole number.")))
            return None
    if not low <= value <= high:
        errors.append((field, message))
        return None
    return value


def _get(model, value):
    try:
        return db.session.get(model, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def default_callout_unit(actor) -> Unit | None:
    """The unit whose members a call-out calls unless told otherwise: that of the actor's
    highest coordinator-or-above role (the widest, if several), a grid's community."""
    roles = [ra for ra in assignments(actor) if ra.role_enum.covers(Role.COORDINATOR)]
    if not roles:
        return None
    best = max(roles, key=lambda ra: (ra.role_enum.rank, -len(ra.unit.path), -ra.unit.id))
    unit = best.unit
    return unit.parent if unit.level == Level.GRID and unit.parent is not None else unit


def _unit(errors, actor, unit_id) -> Unit | None:
    unit = default_callout_unit(actor) if unit_id in (None, "") else _get(Unit, unit_id)
    if unit is None:
        errors.append(("unit_id", _l("Choose a unit.")))
    elif not has_role(actor, Role.COORDINATOR, unit):
        errors.append(("unit_id", _l("Not in your area.")))
        return None
    return unit


def _place(errors, actor, fields):
    """(lat, lon, checkpoint_id, place_unit_id) from a checkpoint, a community or
    coordinates: the place picked is kept, so members see its name."""
    if fields.get("checkpoint_id") not in (None, ""):
        cp = _get(Checkpoint, fields["checkpoint_id"])
        if cp is None or not has_role(actor, Role.COORDINATOR, cp.community):
            errors.append(("checkpoint_id", _l("Choose a checkpoint in your area.")))
            return None, None, None, None
        return cp.lat, cp.lon, cp.id, None
    if fields.get("community_id") not in (None, ""):
        unit = _get(Unit, fields["community_id"])
        if (
            unit is None
            or unit.level != Level.COMMUNITY
            or unit.lat is None
            or not has_role(actor, Role.COORDINATOR, unit)
        ):
            errors.append(("community_id", _l("Choose a community in your area.")))
            return None, None, None, None
        return unit.lat, unit.lon, None, unit.id
    lat, lon = lat_lon(fields.get("lat"), fields.get("lon"), errors)
    if lat is None and not any(f in ("lat", "lon") for f, _ in errors):
        errors.append(("lat", _l("Give the place: coordinates, a checkpoint or a community.")))
    return lat, lon, None, None


def _kind(errors, value) -> str | None:
    try:
        return str(CalloutKind(value))
    except ValueError:
        errors.append(("kind", _l("Unknown kind of call-out.")))
        return None


def _texts(errors, fields) -> tuple:
    title, err = required_text(fields.get("title"), 120)
    if err:
        errors.append(("title", err))
    description, err = optional_text(fields.get("description"), 2000)
    if err:
        errors.append(("description", err))
    return title, description


def _radius(errors, value) -> float | None:
    try:
        radius = float(value)
        if not 0 < radius <= MAX_RADIUS_KM:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(("radius_km", _l("More than 0 and at most %(n)s km.", n=MAX_RADIUS_KM)))
        return None
    return radius


def _counts(errors, fields) -> tuple:
    """(needed, team_size, respond_within_s)."""
    needed = _int(
        errors,
        "needed",
        fields.get("needed"),
        1,
        MAX_NEEDED,
        _l("Between 1 and %(n)s.", n=MAX_NEEDED),
    )
    team_size = _int(
        errors,
        "team_size",
        fields.get("team_size", 1),
        1,
        needed or MAX_NEEDED,
        _l("At least 1 and not more than the head-count needed."),
    )
    minimum = setting("CALLOUT_MIN_RESPONSE_S")
    respond = _int(
        errors,
        "respond_within_s",
        fields.get("respond_within_s", 300),
        minimum,
        MAX_RESPONSE_S,
        _l("Between %(low)s and %(high)s seconds.", low=minimum, high=MAX_RESPONSE_S),
    )
    return needed, team_size, respond


def _times(errors, fields, now: datetime) -> tuple:
    """(starts_at, ends_at): the start defaults to now; no end means open-ended."""
    starts_at, ends_at = fields.get("starts_at") or now, fields.get("ends_at")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        errors.append(("starts_at", _l("Give a date and time.")))
    elif starts_at < now - START_SLACK:
        errors.append(("starts_at", _l("The start cannot be in the past.")))
    elif ends_at is not None and (
        not isinstance(ends_at, datetime) or ends_at.tzinfo is None or ends_at <= starts_at
    ):
        errors.append(("ends_at", _l("The end must be after the start.")))
    return starts_at, ends_at


def validate_callout(actor, fields: dict, now: datetime, refused=()):
    """(model fields, unit) for a new call-out, or ValidationFailed listing every problem
    (with the edge's own `refused` pairs). The unit must be one the actor coordinates:
    this is the call-out's check of rights (see services.raise_callout)."""
    errors: list = []
    unit = _unit(errors, actor, fields.get("unit_id"))
    kind = _kind(errors, fields.get("kind"))
    title, description = _texts(errors, fields)
    lat, lon, checkpoint_id, place_unit_id = _place(errors, actor, fields)
    radius = _radius(errors, fields.get("radius_km"))
    needed, team_size, respond = _counts(errors, fields)
    skills = normalise_skills(fields.get("skills"), errors)
    party_only = fields.get("party_only", False)
    if not isinstance(party_only, bool):
        errors.append(("party_only", _l("Must be true or false.")))
    starts_at, ends_at = _times(errors, fields, now)
    check(errors, refused)
    return dict(
        kind=kind,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        checkpoint_id=checkpoint_id,
        place_unit_id=place_unit_id,
        radius_km=radius,
        needed=needed,
        team_size=team_size,
        respond_within_s=respond,
        skills=skills,
        party_only=party_only,
        starts_at=starts_at,
        ends_at=ends_at,
    ), unit
