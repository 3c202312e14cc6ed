"""Changing the organisation tree: create, edit and import units (all-or-nothing)."""

import logging
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role, has_role
from ..core.errors import Conflict, NotAllowed, check
from ..core.validation import lat_lon, optional_text, required_text
from ..extensions import db
from .models import LEVEL_ORDER, Level, Unit
from .queries import find_unit_by_code

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def _check_fields(errors, *, name, name_en, lat, lon):
    name, err = required_text(name, 120)
    if err:
        errors.append(("name", err))
    name_en, err = optional_text(name_en, 120)
    if err:
        errors.append(("name_en", err))
    lat, lon = lat_lon(lat, lon, errors)
    return name, name_en, lat, lon


def _check_level(errors, level, parent: Unit | None):
    try:
        level = Level(level)
    except ValueError:
        errors.append(("level", _l("Unknown level.")))
        return None
    if level == Level.DISTRICT:
        if parent is not None:
            errors.append(("parent_id", _l("A district has no parent.")))
    elif parent is None:
        errors.append(("parent_id", _l("This level needs a parent unit.")))
    elif LEVEL_ORDER.index(Level(parent.level)) != level.depth - 1:
        errors.append(
            (
                "parent_id",
                _l(
                    "A %(level)s must sit directly under a %(parent)s.",
                    level=level.label,
                    parent=LEVEL_ORDER[level.depth - 1].label,
                ),
            )
        )
    return level


def _check_code(errors, code):
    """The code's form: 1–40 letters, digits, '-', '_' or '.'."""
    code = (code or "").strip() if isinstance(code, str) or code is None else ""
    if not CODE_RE.match(code):
        errors.append(("code", _l("Use 1–40 letters, digits, '-', '_' or '.'.")))
    return code


def _ensure_code_free(code, exclude_id=None) -> None:
    """Raise Conflict("code_taken") when another unit has `code`."""
    existing = find_unit_by_code(code)
    if existing is not None and existing.id != exclude_id:
        raise _code_taken()


def _code_taken() -> Conflict:
    return Conflict("code_taken", _l("This code is already used."), field="code")


def _save(change) -> None:
    """Make `change` and flush it in a savepoint: a race on the unique code is
    Conflict("code_taken"), and the session stays usable. (begin_nested() flushes what is
    pending first, so the change is made inside it.)"""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except sa.exc.IntegrityError:
        raise _code_taken() from None


def _ensure_can_create(actor, parent: Unit | None) -> None:
    """Admins only: on the parent's subtree, or anywhere for a new district."""
    if actor is None:  # the CLI acts as the system
        return
    if parent is not None:
        ensure_role(actor, Role.ADMIN, parent)
    elif not has_role(actor, Role.ADMIN):
        raise NotAllowed()


def create_unit(actor, *, code, name, level, parent_id=None, name_en=None, lat=None, lon=None):
    """Add a unit under `parent_id`. Admins only, within their scope.

    Checks in order: rights (403), the fields (422, all at once), a taken code (409).
    """
    parent = db.session.get(Unit, parent_id) if parent_id is not None else None
    _ensure_can_create(actor, parent)
    errors: list = []
    if parent_id is not None and parent is None:
        errors.append(("parent_id", _l("No such unit.")))
    code = _check_code(errors, code)
    name, name_en, lat, lon = _check_fields(errors, name=name, name_en=name_en, lat=lat, lon=lon)
    lvl = _check_level(errors, level, parent) if parent_id is None or parent else None
    check(errors)
    _ensure_code_free(code)
    unit = _insert(
        code=code,
        name=name,
        name_en=name_en,
        level=lvl,
        parent=parent,
        lat=lat,
        lon=lon,
        race_safe=True,
    )
    record(actor, "unit.create", unit, unit_id=unit.id, details={"code": code})
    return unit


def _insert(*, code, name, name_en, level, parent, lat, lon, race_safe=False) -> Unit:
    """Add a unit and set its path. `race_safe`: in a savepoint, a taken code a 409."""
    unit = Unit(
        code=code,
        name=name,
        name_en=name_en,
        level=str(level),
        parent_id=parent.id if parent else None,
        lat=lat,
        lon=lon,
        path="",
    )
    if race_safe:
        _save(lambda: db.session.add(unit))
    else:  # the import has checked every code of the file already
        db.session.add(unit)
        db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    return unit


#: What update_unit() may change; the API's PATCH sends any subset of these.
UNIT_FIELDS = ("code", "name", "name_en", "lat", "lon")


def update_unit(actor, unit: Unit, **changes) -> Unit:
    """Change the fields given and only those (SPEC 3.9): code, names, centre.

    The level and parent stay. A field left out keeps its value; `lat` and `lon` are
    checked as a pair with what is kept (both None: no centre); None clears `name_en`.
    Admins in scope; a code another unit has is Conflict("code_taken").
    """
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"not unit fields: {sorted(unknown)}")
    ensure_role(actor, Role.ADMIN, unit)
    given = {f: changes.get(f, getattr(unit, f)) for f in UNIT_FIELDS}
    errors: list = []
    code = _check_code(errors, given["code"])
    name, name_en, lat, lon = _check_fields(
        errors, name=given["name"], name_en=given["name_en"], lat=given["lat"], lon=given["lon"]
    )
    check(errors)
    _ensure_code_free(code, exclude_id=unit.id)
    before = {"code": unit.code, "name": unit.name, "lat": unit.lat, "lon": unit.lon}

    def change():
        unit.code, unit.name, unit.name_en, unit.lat, unit.lon = code, name, name_en, lat, lon

    _save(change)
    record(
        actor,
        "unit.update",
        unit,
        unit_id=unit.id,
        details={"before": before, "fields": sorted(changes)},
    )
    return unit


IMPORT_COLUMNS = ("code", "name", "name_en", "level", "parent_code", "lat", "lon")


def import_units(actor, rows) -> dict:
    """Import `(line_number, row_dict)` pairs, all or nothing.

    New codes are created; known codes are updated in place (name, English name, centre),
    provided their level and parent are unchanged. Parents may come from the database or
    from any row of the file. Raises ValidationFailed listing every bad row by line number
    (field "line N") and changes nothing in that case.
    """
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    errors: list = []
    parsed = []  # (line, code, values, parent_code)
    seen: dict[str, int] = {}
    for line, row in rows:
        row_errors: list = []
        code = (row.get("code") or "").strip()
        if not CODE_RE.match(code):
            row_errors.append(("code", _l("Use 1–40 letters, digits, '-', '_' or '.'.")))
        elif code in seen:
            row_errors.append(("code", _l("Code repeated from line %(line)s.", line=seen[code])))
        else:
            seen[code] = line
        name, name_en, lat, lon = _check_fields(
            row_errors,
            name=row.get("name"),
            name_en=row.get("name_en"),
            lat=row.get("lat"),
            lon=row.get("lon"),
        )
        level = (row.get("level") or "").strip()
        if level not in {lv.value for lv in Level}:
            row_errors.append(("level", _l("Unknown level.")))
        parent_code = (row.get("parent_code") or "").strip() or None
        for field, reason in row_errors:
            errors.append((f"line {line}", f"{field}: {reason}"))
        parsed.append(
            (
                line,
                code,
                dict(name=name, name_en=name_en, level=level, lat=lat, lon=lon),
                parent_code,
            )
        )
    check(errors)

    in_file = {code: (line, values, parent_code) for line, code, values, parent_code in parsed}
    existing = (
        {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(list(in_file))))}
        if in_file
        else {}
    )

    def level_of(code):
        if code in in_file:
            return in_file[code][1]["level"]
        unit = existing.get(code) or find_unit_by_code(code)
        return unit.level if unit else None

    for line, code, values, parent_code in parsed:
        lvl = Level(values["level"])
        if lvl == Level.DISTRICT:
            if parent_code:
                errors.append((f"line {line}", _l("A district has no parent.")))
        elif not parent_code:
            errors.append((f"line {line}", _l("This level needs a parent unit.")))
        else:
            parent_level = level_of(parent_code)
            if parent_level is None:
                errors.append(
                    (f"line {line}", _l("Unknown parent code %(code)s.", code=parent_code))
                )
            elif Level(parent_level).depth != lvl.depth - 1:
                errors.append(
                    (
                        f"line {line}",
                        _l(
                            "A %(level)s must sit directly under a %(parent)s.",
                            level=lvl.label,
                            parent=LEVEL_ORDER[lvl.depth - 1].label,
                        ),
                    )
                )
        unit = existing.get(code)
        if unit is not None:
            old_parent = unit.parent.code if unit.parent else None
            if unit.level != values["level"] or old_parent != parent_code:
                errors.append(
                    (
                        f"line {line}",
                        _l(
                            "Unit %(code)s exists with another level or parent; move it by hand.",
                            code=code,
                        ),
                    )
                )
    check(errors)

    created = updated = 0
    by_code: dict[str, Unit] = dict(existing)
    # Parents before children: insert in level order.
    for lvl in LEVEL_ORDER:
        for _line, code, values, parent_code in parsed:
            if values["level"] != lvl:
                continue
            unit = existing.get(code)
            if unit is not None:
                unit.name, unit.name_en = values["name"], values["name_en"]
                unit.lat, unit.lon = values["lat"], values["lon"]
                updated += 1
                continue
            parent = None
            if parent_code:
                parent = by_code.get(parent_code) or find_unit_by_code(parent_code)
            by_code[code] = _insert(
                code=code,
                name=values["name"],
                name_en=values["name_en"],
                level=lvl,
                parent=parent,
                lat=values["lat"],
                lon=values["lon"],
            )
            created += 1
    db.session.flush()
    record(actor, "units.import", None, details={"created": created, "updated": updated})
    log.info("imported units: %s created, %s updated", created, updated)
    return {"created": created, "updated": updated}
