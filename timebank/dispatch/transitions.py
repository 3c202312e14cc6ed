"""The state machine of SPEC 6 in one place, and the steps of the assignee.

    reported → registered → dispatched → accepted → handled → closed
    reported → rejected;  dispatched | accepted → registered (returned);
    handled → dispatched (reopened once by a rating of 1–2)

Every step is `move()`: ONE conditional UPDATE of the event on the status it was seen in
(and on whatever the rights check relied on, such as the assignee); it wins when it
matched one row, and 0 rows means someone else moved the event first — 409
`invalid_transition`, naming the status it is in now. The timeline row, the counters
and the announcement (which notifications hear) follow in the same transaction.
"""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.clock import utcnow
from ..core.errors import Conflict, check
from ..core.settings import setting
from ..extensions import db
from . import counters
from .models import Event, Status
from .queries import find_category
from .rights import can_coordinate, ensure, is_assignee
from .steps import announce, record_step
from .validation import choice, text, whole_number

log = logging.getLogger(__name__)

S = Status
#: action → (the statuses it starts from, the status it leads to).
TRANSITIONS = {
    "registered": ((S.REPORTED,), S.REGISTERED),
    "rejected": ((S.REPORTED,), S.REJECTED),
    "dispatched": ((S.REGISTERED,), S.DISPATCHED),
    "accepted": ((S.DISPATCHED,), S.ACCEPTED),
    "returned": ((S.DISPATCHED, S.ACCEPTED), S.REGISTERED),
    "handled": ((S.ACCEPTED,), S.HANDLED),
    "reopened": ((S.HANDLED,), S.DISPATCHED),
    "rated": ((S.HANDLED,), S.CLOSED),
    "closed": ((S.HANDLED,), S.CLOSED),
    "auto_closed": ((S.HANDLED,), S.CLOSED),
}
REASON_MAX = 255
#: How often a step is tried again when only the overdue flag changed under it.
OVERDUE_RACES = 3
RESULT_MAX = 2000
#: The longest a volunteer may say they spent on one event.
VOLUNTEER_MINUTES_MAX = 24 * 60


def invalid_transition(status: str) -> Conflict:
    return Conflict(
        "invalid_transition",
        _l("This event is %(status)s now: that step is not possible.", status=S(status).label),
        field="status",
    )


def move(event: Event, action: str, *, actor, now: datetime, note=None, guard=(), **values):
    """Take `event` through `action` (a key of TRANSITIONS), setting `values` with it."""
    sources, target = TRANSITIONS[action]
    seen, was_overdue = event.status, event.overdue
    for _ in range(OVERDUE_RACES):
        if seen not in sources:
            raise invalid_transition(seen)
        # The overdue flag is in the condition too, so that the counters know exactly
        # what the step ends; the scheduler may have marked the event since it was read.
        matched = db.session.execute(
            sa.update(Event)
            .where(Event.id == event.id, Event.status == seen, *guard)
            .where(Event.overdue.is_(bool(was_overdue)))
            .values(status=target, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if matched == 1:
            break
        flag = was_overdue
        seen, was_overdue = db.session.execute(
            sa.select(Event.status, Event.overdue).where(Event.id == event.id)
        ).one()
        if seen != event.status or was_overdue == flag:
            raise invalid_transition(seen)
    else:
        raise invalid_transition(seen)
    db.session.refresh(event)
    record_step(event, action, actor, seen, now, note)
    counters.stepped(event, action, seen, was_overdue)
    announce(event, action, actor, seen, note, now)
    log.info("event %s %s by %s (%s → %s)", event.id, action, actor, seen, target)
    return event


def same_assignee(event: Event) -> tuple:
    """UPDATE conditions: the assignee is still the one the rights check saw."""
    return tuple(
        column.is_(None) if value is None else column == value
        for column, value in (
            (Event.assignee_kind, event.assignee_kind),
            (Event.assignee_member_id, event.assignee_member_id),
            (Event.assignee_department_id, event.assignee_department_id),
        )
    )


def register_event(actor, event: Event, *, category_code=None, priority=None, now=None):
    """A coordinator in scope takes a reported event on (事件立项), perhaps correcting its
    category and priority."""
    ensure(actor, event, can_coordinate)
    now = now or utcnow()
    errors: list = []
    category = event.category
    if category_code is not None:
        category = find_category(category_code)
        if category is None:
            errors.append(("category_code", _l("Unknown category.")))
    priority, err = choice(priority, ("normal", "urgent"), default=event.priority)
    if err:
        errors.append(("priority", err))
    check(errors)
    old_category_id = event.category_id
    move(
        event,
        "registered",
        actor=actor,
        now=now,
        registered_at=now,
        category_id=category.id,
        priority=priority,
    )
    counters.move_category(event, old_category_id)
    return event


def reject_event(actor, event: Event, *, reason=None, duplicate_of=None, now=None):
    """A coordinator in scope rejects a reported event, with a reason (and the event it
    duplicates, if that is the reason)."""
    ensure(actor, event, can_coordinate)
    now = now or utcnow()
    errors: list = []
    reason, err = text(reason, REASON_MAX)
    if err:
        errors.append(("reason", err))
    original_id, err = whole_number(duplicate_of, 1, 2**31 - 1, required=False)
    if err:
        errors.append(("duplicate_of", err))
    elif original_id is not None:
        original = db.session.get(Event, original_id)
        if original is None or original.id == event.id or not can_coordinate(actor, original):
            errors.append(("duplicate_of", _l("No such event in your area.")))
    check(errors)
    return move(
        event,
        "rejected",
        actor=actor,
        now=now,
        note=reason,
        rejected_at=now,
        reject_reason=reason,
        duplicate_of_id=original_id,
    )


def accept_event(actor, event: Event, *, now=None):
    """The assignee (or a handler of the assigned department) accepts a dispatched event."""
    ensure(actor, event, is_assignee)
    now = now or utcnow()
    return move(
        event,
        "accepted",
        actor=actor,
        now=now,
        guard=same_assignee(event),
        accepted_at=now,
        # From now on the handle deadline is the one that counts.
        overdue=Event.handle_overdue_at.is_not(None),
    )


def return_event(actor, event: Event, *, reason=None, now=None):
    """The assignee gives a dispatched or accepted event back, with a reason: it is
    registered again, for the coordinator to dispatch anew."""
    ensure(actor, event, is_assignee)
    now = now or utcnow()
    reason, err = text(reason, REASON_MAX)
    check([("reason", err)] if err else [])
    return move(
        event,
        "returned",
        actor=actor,
        now=now,
        note=reason,
        guard=same_assignee(event),
        assignee_kind=None,
        assignee_member_id=None,
        assignee_department_id=None,
        accepted_at=None,
        accept_due_at=None,
        handle_due_at=None,
        accept_overdue_at=None,
        handle_overdue_at=None,
        overdue=False,
    )


def handle_event(actor, event: Event, *, result=None, minutes=None, now=None):
    """The assignee reports the result (a volunteer also the minutes spent); the reporter
    is then asked for a rating within EVENT_FEEDBACK_H hours."""
    ensure(actor, event, is_assignee)
    now = now or utcnow()
    errors: list = []
    result, err = text(result, RESULT_MAX)
    if err:
        errors.append(("result", err))
    if event.assignee_kind == "volunteer":
        minutes, err = whole_number(minutes, 1, VOLUNTEER_MINUTES_MAX, required=False)
    elif minutes is not None:
        minutes, err = None, _l("Only a volunteer reports minutes.")
    if err:
        errors.append(("minutes", err))
    check(errors)
    handle_minutes = max(0, int((now - (event.dispatched_at or now)).total_seconds() // 60))
    return move(
        event,
        "handled",
        actor=actor,
        now=now,
        note=result,
        guard=same_assignee(event),
        handled_at=now,
        result=result,
        volunteer_minutes=minutes,
        handle_minutes=handle_minutes,
        handled_on_time=event.handle_due_at is None or now <= event.handle_due_at,
        feedback_due_at=now + timedelta(hours=setting("EVENT_FEEDBACK_H")),
        overdue=False,
    )
