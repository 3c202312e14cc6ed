"""Collecting an event (信息采集): checks, its grid, its number, its first timeline step."""

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..auth.permissions import has_role
from ..core.clock import local, utcnow
from ..core.errors import NotAllowed, ValidationFailed, check
from ..core.privacy import normalise_phone
from ..core.validation import lat_lon
from ..extensions import db
from ..members.models import MemberStatus
from ..units.models import Level, Unit
from . import counters
from .locate import community_and_town, nearest_grid, next_number
from .models import Event, Status
from .photos import PHOTOS_MAX, add_photo, check_image
from .queries import find_category
from .steps import announce, record_step
from .validation import choice, text, whole_number

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 2000
MAX_ID = 2**31 - 1


def allowed_sources(actor) -> tuple[str, ...]:
    """Residents report as residents; members as members, grid workers as grid workers;
    the command centre (coordinators and above) also logs hotline, drone and resident
    reports."""
    if actor is None:
        return ("resident",)
    sources = ["member"]
    if has_role(actor, Role.GRIDWORKER):
        sources.insert(0, "gridworker")
    if has_role(actor, Role.COORDINATOR):
        sources += ["hotline", "drone", "resident"]
    return tuple(sources)


def report_event(actor, *, now: datetime | None = None, **fields) -> Event:
    """Record a new event (status `reported`) and tell whoever reacts to new events.

    `actor` is an active member, or None for a resident reporting without an account
    (then `reporter_name` and `reporter_phone` are required). Fields: `category_code`,
    `description`, `lat`, `lon`, `grid_id`, `address`, `priority`, `source`. The grid is
    the one named, else the nearest to the location, else the reporter's community.
    `photos` (bytes each, at most six) are checked with the other fields and stored with
    the event: it is made with its photos or not at all."""
    if actor is not None and actor.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    now = now or utcnow()
    photos = fields.pop("photos", None) or []
    data, grid, checked = _validate(actor, fields, photos)
    unit = _resolve_unit(actor, grid, data)
    community_id, town_id = community_and_town(unit)
    event = Event(
        **data,
        number=next_number(now),
        unit_id=unit.id,
        unit_path=unit.path,
        community_id=community_id,
        town_id=town_id,
        status=Status.REPORTED,
        reporter_id=actor.id if actor is not None else None,
        reported_at=now,
        reported_on=local(now).date(),
    )
    db.session.add(event)
    db.session.flush()
    for image in checked:
        add_photo(actor, event, None, now=now, checked=image)
    record_step(event, "reported", actor, None, now)
    counters.count(event, reported=1)
    announce(event, "reported", actor, None, None, now)
    log.info("event %s (%s) reported by %s in unit %s", event.id, event.number, actor, unit.id)
    return event


def _validate(actor, fields: dict, photos) -> tuple[dict, Unit | None, list]:
    errors: list = []

    def take(name, result):
        value, err = result
        if err:
            errors.append((name, err))
        return value

    category = find_category(fields.get("category_code"))
    if category is None:
        errors.append(("category_code", _l("Unknown category.")))
    data = {
        "category_id": category.id if category else None,
        "description": take("description", text(fields.get("description"), DESCRIPTION_MAX)),
        "address": take("address", text(fields.get("address"), 255, required=False)),
        "priority": take(
            "priority", choice(fields.get("priority"), ("normal", "urgent"), default="normal")
        ),
    }
    sources = allowed_sources(actor)
    data["source"] = take("source", choice(fields.get("source"), sources, default=sources[0]))
    data["lat"], data["lon"] = lat_lon(fields.get("lat"), fields.get("lon"), errors)
    grid = _grid(fields.get("grid_id"), errors)
    data.update(_reporter(actor, fields, errors))
    if actor is None and grid is None and data["lat"] is None and not errors:
        errors.append(("lat", _l("Give the place: a position on the map or a grid.")))
    checked = _photos(photos, errors)
    check(errors)
    return data, grid, checked


def _photos(photos, errors: list) -> list:
    if len(photos) > PHOTOS_MAX:
        errors.append(("photos", _l("At most %(n)s photos per event.", n=PHOTOS_MAX)))
        return []
    checked = []
    for i, data in enumerate(photos):
        try:
            checked.append(check_image(data, f"photos.{i}"))
        except ValidationFailed as refused:
            errors.extend(refused.errors)
    return checked


def _grid(grid_id, errors: list) -> Unit | None:
    value, err = whole_number(grid_id, 1, MAX_ID, required=False)
    if err:
        errors.append(("grid_id", err))
        return None
    if value is None:
        return None
    unit = db.session.get(Unit, value)
    if unit is None or unit.level != Level.GRID:
        errors.append(("grid_id", _l("No such grid.")))
        return None
    return unit


def _reporter(actor, fields: dict, errors: list) -> dict:
    """A resident's name and phone: required without an account, optional for the
    command centre logging a call for someone."""
    name, phone = fields.get("reporter_name"), fields.get("reporter_phone")
    if actor is not None and name is None and phone is None:
        return {}
    clean_name, err = text(name, 60)
    if err:
        errors.append(("reporter_name", err))
    clean_phone, err = normalise_phone(phone)
    if err:
        errors.append(("reporter_phone", err))
    return {"reporter_name": clean_name, "reporter_phone": clean_phone}


def _resolve_unit(actor, grid: Unit | None, data: dict) -> Unit:
    if grid is not None:
        return grid
    if data["lat"] is not None:
        nearest = nearest_grid(data["lat"], data["lon"])
        if nearest is not None:
            return nearest
    if actor is not None:
        return actor.community
    check([("lat", _l("No grid is near this place."))])
