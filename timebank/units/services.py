"""Changing the organisation tree: create, edit and import units (all-or-nothing)."""

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role, has_role
from ..core.csvio import row_errors_at
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


def create_unit(
    actor, *, code, name, level, parent_id=None, name_en=None, lat=None, lon=None, refused=()
):
    """Add a unit under `parent_id`. Admins only, within their scope.

    Checks in order: rights (403), the fields (422, all at once, with those the edge
    `refused`), a taken code (409).
    """
    parent = db.session.get(Unit, parent_id) if parent_id is not None else None
    _ensure_can_create(actor, parent)
    errors: list = []
    if parent_id is not None and parent is None:
        errors.append(("parent_id", _l("No such unit.")))
    code = _check_code(errors, code)
    name, name_en, lat, lon = _check_fields(errors, name=name, name_en=name_en, lat=lat, lon=lon)
    lvl = _check_level(errors, level, parent) if parent_id is None or parent else None
    check(errors, refused)
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


def update_unit(actor, unit: Unit, *, refused=(), **changes) -> Unit:
    """Change the fields given and only those (SPEC 3.9): code, names, centre.

    The level and parent stay. A field left out keeps its value; `lat` and `lon` are
    checked as a pair with what is kept (both None: no centre); None clears `name_en`.
    Admins in scope; a code another unit has is Conflict("code_taken"). `refused`: the
    fields the edge refused already, reported with these.
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
    check(errors, refused)
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


@dataclass
class _Row:
    """One line of a unit import, as far as its fields could be read."""

    line: int
    code: str
    values: dict
    parent_code: str | None
    level: Level | None  # None: unknown (the line is reported already)


def import_units(actor, rows) -> dict:
    """Import `(line_number, row_dict)` pairs, all or nothing.

    New codes are created; known codes are updated in place (name, English name, centre),
    provided their level and parent are unchanged. Parents may come from the database or
    from any row of the file, before or after the child. Raises ValidationFailed listing
    every bad row by line number (field "line N"), every kind of problem in one pass, and
    changes nothing in that case.
    """
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    errors: list = []
    parsed = [_parse_unit_row(errors, line, row) for line, row in rows]
    in_file: dict[str, _Row] = {}
    for row in parsed:
        if row.code and row.code not in in_file:
            in_file[row.code] = row
    existing = (
        {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(list(in_file))))}
        if in_file
        else {}
    )
    for row in parsed:
        _check_place(errors, row, in_file, existing)
    check(errors)
    created, updated = _apply_unit_rows(parsed, existing)
    db.session.flush()
    record(actor, "units.import", None, details={"created": created, "updated": updated})
    log.info("imported units: %s created, %s updated", created, updated)
    return {"created": created, "updated": updated}


def _parse_unit_row(errors, line, row) -> _Row:
    """Read one line's fields; each bad field is reported as "line N" with its name."""
    row_errors: list = []
    code = (row.get("code") or "").strip()
    if not CODE_RE.match(code):
        row_errors.append(("code", _l("Use 1–40 letters, digits, '-', '_' or '.'.")))
        code = ""
    name, name_en, lat, lon = _check_fields(
        row_errors,
        name=row.get("name"),
        name_en=row.get("name_en"),
        lat=row.get("lat"),
        lon=row.get("lon"),
    )
    try:
        level = Level((row.get("level") or "").strip())
    except ValueError:
        row_errors.append(("level", _l("Unknown level.")))
        level = None
    errors += row_errors_at(line, row_errors, {"name": _l("Unit name")})
    values = dict(name=name, name_en=name_en, lat=lat, lon=lon)
    parent_code = (row.get("parent_code") or "").strip() or None
    return _Row(line, code, values, parent_code, level)


def _check_place(errors, row: _Row, in_file: dict, existing: dict) -> None:
    """The line's code is new to the file, its parent exists (in the database or anywhere
    in the file) one level up, and a known unit keeps its level and parent."""
    where = f"line {row.line}"
    first = in_file.get(row.code)
    if first is not None and first is not row:
        errors.append((where, _l("Code repeated from line %(line)s.", line=first.line)))
    if row.level is None:
        return
    if row.level == Level.DISTRICT:
        if row.parent_code:
            errors.append((where, _l("A district has no parent.")))
    elif not row.parent_code:
        errors.append((where, _l("This level needs a parent unit.")))
    else:
        _check_parent(errors, row, in_file)
    unit = existing.get(row.code)
    if unit is not None:
        old_parent = unit.parent.code if unit.parent else None
        if unit.level != row.level or old_parent != row.parent_code:
            errors.append(
                (
                    where,
                    _l(
                        "Unit %(code)s exists with another level or parent; move it by hand.",
                        code=row.code,
                    ),
                )
            )


def _check_parent(errors, row: _Row, in_file: dict) -> None:
    where = f"line {row.line}"
    if row.parent_code in in_file:
        parent_level = in_file[row.parent_code].level
        if parent_level is None:
            return  # the parent's own line is reported
    else:
        unit = find_unit_by_code(row.parent_code)
        if unit is None:
            errors.append((where, _l("Unknown parent code %(code)s.", code=row.parent_code)))
            return
        parent_level = Level(unit.level)
    if parent_level.depth != row.level.depth - 1:
        errors.append(
            (
                where,
                _l(
                    "A %(level)s must sit directly under a %(parent)s.",
                    level=row.level.label,
                    parent=LEVEL_ORDER[row.level.depth - 1].label,
                ),
            )
        )


def _apply_unit_rows(parsed: list[_Row], existing: dict) -> tuple[int, int]:
    """Update known units and insert new ones, parents before children (level order)."""
    created = updated = 0
    by_code: dict[str, Unit] = dict(existing)
    for lvl in LEVEL_ORDER:
        for row in (r for r in parsed if r.level == lvl):
            values = row.values
            unit = existing.get(row.code)
            if unit is not None:
                unit.name, unit.name_en = values["name"], values["name_en"]
                unit.lat, unit.lon = values["lat"], values["lon"]
                updated += 1
                continue
            parent = None
            if row.parent_code:
                parent = by_code.get(row.parent_code) or find_unit_by_code(row.parent_code)
            by_code[row.code] = _insert(code=row.code, level=lvl, parent=parent, **values)
            created += 1
    return created, updated
