"""The working lists of the dispatch pages: the assignee's worklist, the dispatcher's
queue, who an event may be given to, and a member's volunteer tasks."""

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..auth.permissions import in_scope
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.models import Level, Unit
from .models import ASSIGNED, Department, Event, EventPhoto, GridWorker, Status, open_late
from .rights import assigned_to

LIST_MAX = 100
#: The dispatcher's queue: its tabs and what each holds.
QUEUES = ("new", "registered", "overdue", "escalated")


def worklist(actor, *, limit: int = LIST_MAX) -> list[Event]:
    """The events with the actor (or one of their departments), still to be done:
    overdue first, then by the deadline that runs (accept while dispatched, then handle)."""
    due = sa.case(
        (Event.status == Status.DISPATCHED, Event.accept_due_at), else_=Event.handle_due_at
    )
    q = (
        sa.select(Event)
        .where(assigned_to(actor), Event.status.in_(ASSIGNED))
        .order_by(Event.overdue.desc(), due, Event.id)
        .limit(limit)
    )
    return list(db.session.scalars(q))


def queue(actor, tab: str, *, limit: int = LIST_MAX) -> list[Event]:
    """One tab of the dispatcher's queue, in the actor's coordinator scope: new
    (reported) and registered events oldest first; overdue open events and those
    escalated to a unit the actor coordinates, most late first."""
    scope = in_scope(Event.unit_path, actor, Role.COORDINATOR)
    q = sa.select(Event)
    if tab == "new":
        q = q.where(scope, Event.status == Status.REPORTED).order_by(Event.id)
    elif tab == "registered":
        q = q.where(scope, Event.status == Status.REGISTERED).order_by(Event.id)
    elif tab == "overdue":
        q = q.where(scope, open_late())
        q = q.order_by(Event.handle_due_at, Event.id)
    else:
        q = q.where(Event.escalated_to_id.in_(_coordinated_unit_ids(actor)))
        q = q.where(Event.status.in_(ASSIGNED)).order_by(Event.handle_due_at, Event.id)
    return list(db.session.scalars(q.limit(limit)))


def _coordinated_unit_ids(actor):
    """The units the actor holds coordinator or above on (escalations name one unit)."""
    roles = [Role.COORDINATOR, Role.ORGANISER, Role.ADMIN]
    return sa.select(RoleAssignment.unit_id).where(
        RoleAssignment.member_id == actor.id, RoleAssignment.role.in_(roles)
    )


def queue_counts(actor) -> dict[str, int]:
    """How many events each tab holds (up to LIST_MAX each: the tab shows "100+")."""
    return {tab: len(queue(actor, tab)) for tab in QUEUES}


def ancestor_ids(event: Event) -> list[int]:
    return [int(part) for part in event.unit_path.strip("/").split("/") if part]


def gridworkers_for(event: Event) -> list[tuple[Member, GridWorker | None]]:
    """Active grid workers on the event's grid or its community (or above), by name."""
    holders = sa.select(RoleAssignment.member_id).where(
        RoleAssignment.role == Role.GRIDWORKER,
        RoleAssignment.unit_id.in_(ancestor_ids(event)),
    )
    q = (
        sa.select(Member, GridWorker)
        .outerjoin(GridWorker, GridWorker.member_id == Member.id)
        .where(Member.id.in_(holders), Member.status == MemberStatus.ACTIVE)
        .order_by(Member.name)
        .limit(LIST_MAX)
    )
    return [(m, gw) for m, gw in db.session.execute(q)]


def volunteers_for(event: Event) -> list[Member]:
    """Party members of the event's community, for a `volunteer_ok` category."""
    if not event.category.volunteer_ok:
        return []
    q = (
        sa.select(Member)
        .where(
            Member.community_id == event.community_id,
            Member.status == MemberStatus.ACTIVE,
            Member.is_party_member.is_(True),
        )
        .order_by(Member.name)
        .limit(LIST_MAX)
    )
    return list(db.session.scalars(q))


def departments() -> list[Department]:
    return list(db.session.scalars(sa.select(Department).order_by(Department.code)))


def volunteer_tasks(member, *, limit: int = LIST_MAX) -> list[Event]:
    """The volunteer events a member has been given, open ones first, newest first."""
    open_first = sa.case((Event.status.in_(ASSIGNED), 0), else_=1)
    q = (
        sa.select(Event)
        .where(Event.assignee_member_id == member.id, Event.assignee_kind == "volunteer")
        .order_by(open_first, Event.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(q))


def photos_of(event: Event) -> list[EventPhoto]:
    return list(
        db.session.scalars(
            sa.select(EventPhoto).where(EventPhoto.event_id == event.id).order_by(EventPhoto.id)
        )
    )


def escalation_units(steps) -> dict[str, Unit]:
    """The towns and districts that a timeline's "escalated" steps name (their note is the
    unit's name as the scheduler wrote it), by that name."""
    names = {s.note for s in steps if s.action == "escalated" and s.note}
    if not names:
        return {}
    rows = db.session.scalars(
        sa.select(Unit).where(Unit.name.in_(names), Unit.level.in_((Level.TOWN, Level.DISTRICT)))
    )
    return {unit.name: unit for unit in rows}


def actor_names(steps) -> dict[int, str]:
    """Names of the people in a timeline, by id (for the staff's view of it)."""
    ids = {s.actor_id for s in steps if s.actor_id}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Member.id, Member.name).where(Member.id.in_(ids)))
    return {member_id: name for member_id, name in rows}
