"""Dispatching (任务派遣): who may be given an event, and its deadlines (SPEC 6, rules 1–2)."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..auth.permissions import has_role
from ..core.clock import utcnow
from ..core.errors import ValidationFailed
from ..extensions import db
from ..members.models import Member, MemberStatus
from .models import Event, EventCategory
from .queries import find_department
from .rights import can_coordinate, ensure
from .transitions import move
from .validation import aware, whole_number

ASSIGNEE_NOT_ALLOWED = "assignee_not_allowed"


def deadlines(category: EventCategory, priority: str, now: datetime) -> tuple[datetime, datetime]:
    """(accept_due_at, handle_due_at) from the category's limits; urgent halves both."""
    factor = 0.5 if priority == "urgent" else 1.0
    accept = now + timedelta(minutes=category.accept_within_min * factor)
    handle = now + timedelta(hours=category.handle_within_h * factor)
    return min(accept, handle), handle


def assignee_kind(member: Member | None, event: Event) -> str | None:
    """ "gridworker" or "volunteer" when `member` may be given `event`, else None: a grid
    worker for the events of their own units, a party member for the events of the
    community they reported to in a `volunteer_ok` category."""
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    if has_role(member, Role.GRIDWORKER, event.unit):
        return "gridworker"
    if (
        event.category.volunteer_ok
        and member.is_party_member
        and member.community_id == event.community_id
    ):
        return "volunteer"
    return None


def _assignee(event: Event, assignee_id, department_code, errors: list) -> dict:
    if assignee_id is not None and department_code is not None:
        errors.append(("assignee_id", _l("Give a member or a department, not both.")))
        return {}
    if assignee_id is not None:
        member_id, err = whole_number(assignee_id, 1, 2**31 - 1)
        member = db.session.get(Member, member_id) if err is None else None
        kind = assignee_kind(member, event)
        if kind is None:
            errors.append(("assignee_id", err or _l("This member cannot be given this event.")))
            return {}
        return {"assignee_kind": kind, "assignee_member_id": member.id}
    department = event.category.department
    if department_code is not None:
        department = find_department(department_code)
        if department is None:
            errors.append(("department_code", _l("Unknown department.")))
            return {}
    if department is None:
        errors.append(("assignee_id", _l("Choose a member or a department.")))
        return {}
    return {"assignee_kind": "department", "assignee_department_id": department.id}


def _handle_due(explicit, default: datetime, now: datetime, errors: list) -> datetime:
    value, err = aware(explicit)
    if err:
        errors.append(("handle_due_at", err))
    elif value is not None and not now < value <= default:
        errors.append(
            ("handle_due_at", _l("Must be in the future and no later than the category allows."))
        )
    else:
        return value or default
    return default


def dispatch_event(
    actor, event: Event, *, assignee_id=None, department_code=None, handle_due_at=None, now=None
):
    """A coordinator in scope gives a registered event to a grid worker, a volunteer or a
    department (the category's own when none is named), with its deadlines."""
    ensure(actor, event, can_coordinate)
    now = now or utcnow()
    errors: list = []
    assignee = _assignee(event, assignee_id, department_code, errors)
    accept_due, default_handle_due = deadlines(event.category, event.priority, now)
    handle_due = _handle_due(handle_due_at, default_handle_due, now, errors)
    if errors:
        bad_member = any(f == "assignee_id" for f, _ in errors) and assignee_id is not None
        raise ValidationFailed(errors, code=ASSIGNEE_NOT_ALLOWED if bad_member else None)
    return move(
        event,
        "dispatched",
        actor=actor,
        now=now,
        **{"assignee_member_id": None, "assignee_department_id": None, **assignee},
        dispatched_by_id=actor.id,
        dispatched_at=now,
        accept_due_at=min(accept_due, handle_due),
        handle_due_at=handle_due,
        accept_overdue_at=None,
        handle_overdue_at=None,
        overdue=False,
    )


def redispatch_values(event: Event, now: datetime) -> dict:
    """What a reopening sets: the same assignee, new deadlines from now."""
    accept_due, handle_due = deadlines(event.category, event.priority, now)
    return dict(
        dispatched_at=now,
        accept_due_at=accept_due,
        handle_due_at=handle_due,
        accept_overdue_at=None,
        handle_overdue_at=None,
        overdue=False,
        accepted_at=None,
        handled_at=None,
        feedback_due_at=None,
        handle_minutes=None,
        handled_on_time=None,
    )
