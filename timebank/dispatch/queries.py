"""Reading departments, categories and events (in the reader's scope)."""

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..auth.permissions import can_see_phone
from ..core.errors import NotFound
from ..core.privacy import mask_phone
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Unit
from .models import (
    Department,
    DepartmentHandler,
    Event,
    EventCategory,
    EventStep,
    open_late,
)
from .rights import assigned_to, can_coordinate, can_view, is_reporter, visible

MAX_LIMIT = 500


def find_department(code) -> Department | None:
    if not isinstance(code, str):
        return None
    return db.session.scalar(sa.select(Department).where(Department.code == code))


def get_department(code) -> Department:
    department = find_department(code)
    if department is None:
        raise NotFound("department_not_found")
    return department


def find_category(code) -> EventCategory | None:
    if not isinstance(code, str):
        return None
    return db.session.scalar(sa.select(EventCategory).where(EventCategory.code == code))


def list_categories() -> list[EventCategory]:
    return list(db.session.scalars(sa.select(EventCategory).order_by(EventCategory.code)))


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("event_not_found")
    return event


def get_event_for(actor, event_id: int) -> Event:
    """The event, or 404 when it does not exist or the actor may not see it."""
    event = get_event(event_id)
    if not can_view(actor, event):
        raise NotFound("event_not_found")
    return event


def find_event_by_number(number) -> Event | None:
    if not isinstance(number, str):
        return None
    return db.session.scalar(sa.select(Event).where(Event.number == number))


def list_events(
    actor,
    *,
    status=None,
    category_code=None,
    unit_id=None,
    overdue=None,
    assigned_to_me=False,
    limit=50,
    before_id=None,
) -> list[Event]:
    """The events the actor may see, newest first, `limit` (≤ 500) at a time; the next page
    starts below the last id (`before_id`). Filters: status, category, a unit's subtree
    (an unknown category or unit matches nothing), open and overdue, assigned to me."""
    q = sa.select(Event).where(visible(actor)).order_by(Event.id.desc())
    if status:
        q = q.where(Event.status == status)
    if category_code is not None:
        category = find_category(category_code)
        q = q.where(Event.category_id == (category.id if category else None))
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        path = unit.path if unit else "-"
        q = q.where(Event.unit_path.startswith(path, autoescape=True))
    if overdue is not None:
        late = open_late()
        q = q.where(late if overdue else ~late)
    if assigned_to_me:
        q = q.where(assigned_to(actor))
    if before_id is not None:
        q = q.where(Event.id < before_id)
    return list(db.session.scalars(q.limit(min(limit, MAX_LIMIT))))


def timeline(event: Event) -> list[EventStep]:
    return list(
        db.session.scalars(
            sa.select(EventStep).where(EventStep.event_id == event.id).order_by(EventStep.id)
        )
    )


def handlers_of(department_id: int) -> list[Member]:
    """The active handlers of a department."""
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(DepartmentHandler, DepartmentHandler.member_id == Member.id)
            .where(
                DepartmentHandler.department_id == department_id,
                Member.status == MemberStatus.ACTIVE,
            )
        )
    )


def members_and_handlers(
    member_ids, department_ids
) -> tuple[dict[int, Member], dict[int, list[Member]]]:
    """In one query: the members of `member_ids` (whatever their status), and the active
    handlers of each department of `department_ids`: ({id: member}, {department id:
    [handlers]}), for telling the people of a whole batch of events at once."""
    member_ids, department_ids = set(member_ids) - {None}, set(department_ids) - {None}
    if not member_ids and not department_ids:
        return {}, {}
    handler = sa.and_(
        DepartmentHandler.member_id == Member.id,
        DepartmentHandler.department_id.in_(department_ids),
    )
    rows = db.session.execute(
        sa.select(Member, DepartmentHandler.department_id)
        .outerjoin(DepartmentHandler, handler)
        .where(
            sa.or_(
                Member.id.in_(member_ids),
                sa.and_(
                    DepartmentHandler.department_id.is_not(None),
                    Member.status == MemberStatus.ACTIVE,
                ),
            )
        )
        .order_by(Member.id)
    ).all()
    by_id, by_department = {}, {}
    for member, department_id in rows:
        if member.id in member_ids:
            by_id[member.id] = member
        if department_id is not None and member.status == MemberStatus.ACTIVE:
            by_department.setdefault(department_id, []).append(member)
    return by_id, by_department


def coordinators_on_units(unit_ids) -> dict[int, list[Member]]:
    """Active members holding coordinator, organiser or admin on exactly each of the units,
    in one query: {unit id: [members]}."""
    roles = [Role.COORDINATOR, Role.ORGANISER, Role.ADMIN]
    rows = db.session.execute(
        sa.select(Member, RoleAssignment.unit_id)
        .join(RoleAssignment, RoleAssignment.member_id == Member.id)
        .where(
            RoleAssignment.unit_id.in_(set(unit_ids)),
            RoleAssignment.role.in_(roles),
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(Member.id)
    ).all()
    out: dict[int, dict[int, Member]] = {}
    for member, unit_id in rows:
        out.setdefault(unit_id, {})[member.id] = member
    return {unit_id: list(members.values()) for unit_id, members in out.items()}


def reporter_of(actor, event: Event) -> dict:
    """Who reported the event, as `actor` may see it: the phone in full only for the
    reporter and coordinators in scope (and, for members, whoever may see their phone)."""
    full = can_coordinate(actor, event) or is_reporter(actor, event)
    member = event.reporter
    if member is not None:
        full = full or can_see_phone(actor, member)
        name, phone = member.name, member.phone
    else:
        name, phone = event.reporter_name, event.reporter_phone
    if phone and not full:
        phone = mask_phone(phone)
    return {"member_id": event.reporter_id, "name": name, "phone": phone}
