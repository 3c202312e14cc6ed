"""Importing grid workers from a CSV file, all or nothing (SPEC 6; issue 18).

Each row names a member by phone, the grid or community by code, and the employment
(`full_time` or `part_time`, default full-time). Every row is appointed through
`catalogue.appoint_gridworker` (the one writer of the role), inside a savepoint: a
refused row is undone and reported with its line number, the others go on so that
every bad row is found in one pass; when any row was refused the caller rolls the whole
import back.
"""

from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError, ValidationFailed
from ..core.privacy import normalise_phone
from ..extensions import db
from ..members.queries import find_member_by_phone
from ..units.queries import find_unit_by_code
from .catalogue import appoint_gridworker

COLUMNS = ("phone", "unit_code", "employment")
REQUIRED = ("phone", "unit_code")
ROWS_MAX = 5000


def import_gridworkers(actor, rows, *, now=None) -> int:
    """Appoint the grid workers of `(line, row)` pairs; the number appointed. Raises
    ValidationFailed listing every bad row ("line N": why) when any is refused."""
    if len(rows) > ROWS_MAX:
        raise ValidationFailed([("file", _l("At most %(n)s rows at a time.", n=ROWS_MAX))])
    errors: list = []
    seen: dict = {}
    for line, row in rows:
        where = f"line {line}"
        member, unit, reason = _read(row)
        if reason is None:
            key = (member.id, unit.id)
            if key in seen:
                reason = _l("Repeats line %(line)s.", line=seen[key])
            seen.setdefault(key, line)
        if reason is not None:
            errors.append((where, reason))
            continue
        errors += _appoint(actor, member, unit, row, where, now)
    if errors:
        raise ValidationFailed(errors)
    return len(rows)


def _read(row: dict):
    phone, err = normalise_phone((row.get("phone") or "").strip())
    if err:
        return None, None, _l("phone: %(reason)s", reason=err)
    member = find_member_by_phone(phone)
    if member is None:
        return None, None, _l("No member has the phone %(phone)s.", phone=phone)
    code = (row.get("unit_code") or "").strip()
    unit = find_unit_by_code(code) if code else None
    if unit is None:
        return None, None, _l("No unit has the code %(code)s.", code=code or "—")
    return member, unit, None


def _appoint(actor, member, unit, row: dict, where: str, now) -> list:
    employment = (row.get("employment") or "").strip() or None
    try:
        with db.session.begin_nested():  # a refused row is undone on its own
            appoint_gridworker(actor, member, unit, employment=employment, now=now)
    except DomainError as exc:
        if isinstance(exc, ValidationFailed):
            return [(where, f"{field}: {reason}") for field, reason in exc.errors]
        return [(where, exc.message or exc.code)]
    return []
