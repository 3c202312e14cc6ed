"""Who may see an event and who may act on it (SPEC 6, rule 1), in Python and in SQL.

Coordinators in scope of the event's grid (and organisers and admins above them) see
and steer every event there; grid workers see the events of their units; the assignee
(the member, or any handler of the assigned department) sees and works the event; the
reporter sees their own. An event the actor cannot see is a 404; one they can see but
not act on, a 403.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from ..auth.models import Role
from ..auth.permissions import handler_department_ids, has_role, in_scope, is_handler
from ..core.errors import NotAllowed, NotFound
from .models import Event


@dataclass(frozen=True)
class TextingResident:
    """A resident without an account who reported an event by phone, answering by text
    (SPEC 9): the reporter of the events reported with that phone, and nothing else."""

    phone: str
    id = None
    is_authenticated = False


def _member_id(actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.id


def can_coordinate(actor, event: Event) -> bool:
    """Register, reject, dispatch and close: coordinators in scope and above."""
    return has_role(actor, Role.COORDINATOR, event.unit)


def is_assignee(actor, event: Event) -> bool:
    """Accept, return and handle: the assigned member, or a handler of the department."""
    me = _member_id(actor)
    if me is None or event.assignee_kind is None:
        return False
    if event.assignee_kind == "department":
        return is_handler(actor, event.assignee_department_id)
    return event.assignee_member_id == me


def is_reporter(actor, event: Event) -> bool:
    if isinstance(actor, TextingResident):
        return event.reporter_id is None and event.reporter_phone == actor.phone
    me = _member_id(actor)
    return me is not None and event.reporter_id == me


def can_view(actor, event: Event) -> bool:
    return (
        can_coordinate(actor, event)
        or has_role(actor, Role.GRIDWORKER, event.unit)
        or is_assignee(actor, event)
        or is_reporter(actor, event)
    )


def ensure(actor, event: Event, allowed) -> None:
    """404 when the actor cannot see the event, 403 when `allowed(actor, event)` is false."""
    if not can_view(actor, event):
        raise NotFound("event_not_found")
    if not allowed(actor, event):
        raise NotAllowed()


def visible(actor):
    """A SQL condition on Event: the events `actor` may see."""
    me = _member_id(actor)
    if me is None:
        return sa.false()
    departments = handler_department_ids(actor)
    conditions = [
        in_scope(Event.unit_path, actor, Role.COORDINATOR),
        in_scope(Event.unit_path, actor, Role.GRIDWORKER),
        Event.reporter_id == me,
        Event.assignee_member_id == me,
    ]
    if departments:
        conditions.append(Event.assignee_department_id.in_(departments))
    return sa.or_(*conditions)


def assigned_to(actor):
    """A SQL condition on Event: assigned to the actor or to one of their departments."""
    me = _member_id(actor)
    departments = handler_department_ids(actor)
    condition = Event.assignee_member_id == me
    if departments:
        condition = sa.or_(condition, Event.assignee_department_id.in_(departments))
    return condition
