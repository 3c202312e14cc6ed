"""Importing members from CSV, all or nothing."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import has_role
from ..core.clock import utcnow
from ..core.csvio import row_errors_at
from ..core.errors import NotAllowed, check
from ..core.privacy import normalise_phone
from ..core.security import hash_password, password_problem
from ..extensions import db
from ..units.models import Level, Unit
from .models import Member, MemberStatus
from .validation import check_profile_fields

log = logging.getLogger(__name__)

COLUMNS = (
    "name",
    "phone",
    "community_code",
    "grid_code",
    "is_party_member",
    "skills",
    "workplace",
    "home_lat",
    "home_lon",
    "password",
)
TRUE = {"1", "true", "yes", "y", "是", "党员"}
FALSE = {"0", "false", "no", "n", "否", ""}


def import_members(
    actor, rows, *, default_password: str | None = None, now: datetime | None = None
) -> int:
    """Create active members from `(line, row)` pairs; every bad row is reported.

    Imported members are approved at once (an administrator vouches for the list). Rows
    without a `password` get `default_password`. Returns how many were created.
    """
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    now = now or utcnow()
    units = {
        u.code: u
        for u in db.session.scalars(
            sa.select(Unit).where(Unit.level.in_([Level.COMMUNITY, Level.GRID]))
        )
    }
    taken = set(db.session.scalars(sa.select(Member.phone)))
    errors: list = []
    prepared = []
    hashes: dict[str, str] = {}
    for line, row in rows:
        row_errors: list = []
        member = _prepare(row, row_errors, units, taken, default_password, hashes)
        errors += row_errors_at(line, row_errors)
        if member is not None:
            prepared.append(member)
    check(errors)
    for member in prepared:
        member.update(status=MemberStatus.ACTIVE, approved_at=now, created_at=now)
    db.session.execute(sa.insert(Member), prepared)
    record(actor, "members.import", None, details={"created": len(prepared)}, now=now)
    log.info("imported %s members", len(prepared))
    return len(prepared)


def _prepare(row, errors, units, taken, default_password, hashes) -> dict | None:
    name, skills, home_lat, home_lon, workplace = check_profile_fields(
        errors,
        name=row.get("name"),
        skills=row.get("skills"),
        home_lat=row.get("home_lat"),
        home_lon=row.get("home_lon"),
        workplace=row.get("workplace"),
        locale="zh_CN",
    )
    phone, err = normalise_phone(row.get("phone"))
    if err:
        errors.append(("phone", err))
    elif phone in taken:
        errors.append(("phone", _l("This phone number is already registered.")))
    else:
        taken.add(phone)
    community = units.get((row.get("community_code") or "").strip())
    if community is None or community.level != Level.COMMUNITY:
        errors.append(("community_code", _l("Unknown community code.")))
    grid_code = (row.get("grid_code") or "").strip()
    grid = units.get(grid_code) if grid_code else None
    if grid_code and (grid is None or community is None or grid.parent_id != community.id):
        errors.append(("grid_code", _l("Unknown grid of this community.")))
    party = (row.get("is_party_member") or "").strip().lower()
    if party not in TRUE | FALSE:
        errors.append(("is_party_member", _l("Must be true or false.")))
    password = (row.get("password") or "") or default_password
    problem = password_problem(password, phone)
    if problem:
        errors.append(("password", problem))
    if errors:
        return None
    if password not in hashes:
        hashes[password] = hash_password(password)
    return dict(
        name=name,
        phone=phone,
        password_hash=hashes[password],
        is_party_member=party in TRUE,
        skills=skills,
        home_lat=home_lat if home_lat is not None else community.lat,
        home_lon=home_lon if home_lon is not None else community.lon,
        workplace=workplace,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        locale="zh_CN",
        session_version=1,
        failed_logins=0,
    )
