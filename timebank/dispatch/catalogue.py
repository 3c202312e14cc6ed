"""The platform's reference data: departments and their handlers, event categories, and
grid workers on their grids."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role, RoleAssignment
from ..auth.permissions import ensure_role, has_role
from ..core.clock import utcnow
from ..core.errors import Conflict, NotAllowed, check
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit
from ..units.queries import find_root
from .models import Department, DepartmentHandler, Employment, EventCategory, GridWorker
from .queries import find_category, find_department
from .validation import choice, text, whole_number

log = logging.getLogger(__name__)

CODE_MAX = 20
CATEGORY_CODE_MAX = 40
NAME_MAX = 120


def _take(errors: list, name: str, result):
    value, err = result
    if err:
        errors.append((name, err))
    return value


def _ensure_admin(actor) -> None:
    ensure_role(actor, Role.ADMIN, find_root())


def create_department(actor, *, code=None, name=None, name_en=None, now=None) -> Department:
    """An admin adds a department. 409 `code_taken`."""
    _ensure_admin(actor)
    errors: list = []
    code = _take(errors, "code", text(code, CODE_MAX))
    name = _take(errors, "name", text(name, NAME_MAX))
    name_en = _take(errors, "name_en", text(name_en, NAME_MAX, required=False))
    check(errors)
    if find_department(code) is not None:
        raise Conflict("code_taken", _l("This code is taken."), field="code")
    department = Department(code=code, name=name, name_en=name_en, created_at=now or utcnow())
    db.session.add(department)
    db.session.flush()
    record(actor, "department.create", department, now=now, details={"code": code})
    return department


def add_handler(actor, department: Department, *, member_id=None, now=None) -> DepartmentHandler:
    """An admin or a district organiser makes an active member a handler of the
    department. 409 `already_handler`."""
    ensure_role(actor, Role.ORGANISER, find_root())
    errors: list = []
    member_id = _take(errors, "member_id", whole_number(member_id, 1, 2**31 - 1))
    member = db.session.get(Member, member_id) if member_id else None
    if member_id and (member is None or member.status != MemberStatus.ACTIVE):
        errors.append(("member_id", _l("No such active member.")))
    check(errors)
    exists = db.session.scalar(
        sa.select(DepartmentHandler.id).where(
            DepartmentHandler.department_id == department.id,
            DepartmentHandler.member_id == member.id,
        )
    )
    if exists is not None:
        raise Conflict("already_handler", _l("This member handles this department already."))
    handler = DepartmentHandler(
        department_id=department.id,
        member_id=member.id,
        granted_by_id=actor.id,
        created_at=now or utcnow(),
    )
    db.session.add(handler)
    db.session.flush()
    record(actor, "department.add_handler", department, now=now, details={"member": member.id})
    return handler


def create_category(actor, *, now=None, **fields) -> EventCategory:
    """An admin adds an event category. 409 `code_taken`."""
    _ensure_admin(actor)
    errors: list = []
    data = {
        "code": _take(errors, "code", text(fields.get("code"), CATEGORY_CODE_MAX)),
        "name": _take(errors, "name", text(fields.get("name"), NAME_MAX)),
        "name_en": _take(errors, "name_en", text(fields.get("name_en"), NAME_MAX, required=False)),
        "class_name": _take(
            errors, "class_name", text(fields.get("class_name"), 40, required=False)
        ),
        "accept_within_min": _take(
            errors, "accept_within_min", _limit(fields.get("accept_within_min"), 30, 10080)
        ),
        "handle_within_h": _take(
            errors, "handle_within_h", _limit(fields.get("handle_within_h"), 24, 8760)
        ),
        "volunteer_ok": bool(fields.get("volunteer_ok") or False),
    }
    code = fields.get("department_code")
    department = find_department(code) if code is not None else None
    if code is not None and department is None:
        errors.append(("department_code", _l("Unknown department.")))
    check(errors)
    if find_category(data["code"]) is not None:
        raise Conflict("code_taken", _l("This code is taken."), field="code")
    category = EventCategory(
        **data, department_id=department.id if department else None, created_at=now or utcnow()
    )
    db.session.add(category)
    db.session.flush()
    record(actor, "event_category.create", category, now=now, details={"code": category.code})
    return category


def _limit(value, default: int, high: int):
    return (default, None) if value is None else whole_number(value, 1, high)


def _holds_exactly(member: Member, unit: Unit) -> bool:
    return any(ra.role == Role.GRIDWORKER and ra.unit_id == unit.id for ra in member.roles)


def appoint_gridworker(
    actor, member: Member, unit: Unit, *, employment=None, now: datetime | None = None
) -> RoleAssignment:
    """A coordinator in scope makes an active member a grid worker on a grid or a
    community (full-time by default). 409 `role_exists`."""
    if not has_role(actor, Role.COORDINATOR, unit):
        raise NotAllowed()
    errors: list = []
    employment = _take(
        errors,
        "employment",
        choice(employment, [e.value for e in Employment], default=Employment.FULL_TIME),
    )
    if unit.level not in (Level.GRID, Level.COMMUNITY):
        errors.append(("unit_id", _l("A grid worker works on a grid or a community.")))
    if member.status != MemberStatus.ACTIVE:
        errors.append(("member_id", _l("No such active member.")))
    check(errors)
    now = now or utcnow()
    if _holds_exactly(member, unit):
        raise Conflict("role_exists", _l("This member already has this role here."))
    profile = db.session.get(GridWorker, member.id)
    if profile is None:
        db.session.add(GridWorker(member_id=member.id, employment=employment, created_at=now))
    else:
        profile.employment = employment
    ra = RoleAssignment(
        member_id=member.id, role=Role.GRIDWORKER, unit_id=unit.id, granted_by_id=actor.id
    )
    ra.created_at = now
    db.session.add(ra)
    db.session.flush()
    db.session.expire(member, ["roles"])
    record(actor, "role.grant", ra, unit_id=unit.id, now=now, details={"role": "gridworker"})
    log.info("member %s is a %s grid worker on unit %s", member.id, employment, unit.id)
    return ra
