"""Who is told what about events: the notifications domain's reactions to dispatch.

Signal → who is told → which notice (wording in dispatch/notices.py):

- dispatch.event_moved "dispatched" → the assignee (every handler of a department) →
  EVENT_DISPATCHED (EVENT_DISPATCHED_URGENT for an urgent event)
- dispatch.event_moved "reopened" → the assignee → EVENT_REOPENED
- dispatch.event_moved "handled" → the reporter, asked for a rating (a resident without an
  account by SMS only, in Chinese) → EVENT_HANDLED
- dispatch.event_overdue → the assignee and the dispatcher → EVENT_OVERDUE
- dispatch.event_escalated → the coordinators of the unit it went to → EVENT_ESCALATED

`CONNECTIONS` is subscribed by the app factory's connection list (`timebank.create_app`).
"""

from datetime import timedelta

from ..dispatch import notices
from ..dispatch import signals as dispatch_signals
from ..dispatch.models import Event
from ..dispatch.queries import coordinators_on, handlers_of
from ..sms import questions as sms_questions
from ..sms.queries import opted_out
from .rendering import event_category_ref, step_ref, time_ref, unit_ref
from .services import notify_many, send_sms_to

#: The language of texts to residents, who have no account (and so no language of theirs).
RESIDENT_LOCALE = "zh_CN"
#: How long a rating question stays open when the event has no feedback deadline.
FEEDBACK_QUESTION_OPEN = timedelta(days=7)


def assignees(event: Event) -> list:
    """The member the event is with, or every handler of its department."""
    if event.assignee_kind == "department":
        return handlers_of(event.assignee_department_id)
    return [event.assignee_member] if event.assignee_member is not None else []


def _params(event: Event, **more) -> dict:
    return {"number": event.number, "category": event_category_ref(event.category_id), **more}


def _tell(members, notice, event: Event, params: dict, now) -> None:
    if members:
        notify_many(members, notice, subject_id=event.id, params=params, now=now)


def on_event_moved(event: Event, *, action, now, **_):
    if action == "dispatched":
        notice = notices.EVENT_DISPATCHED_URGENT if event.priority == "urgent" else None
        params = _params(
            event,
            accept=time_ref(event.accept_due_at),
            handle=time_ref(event.handle_due_at),
            address=event.address or "",
        )
        _tell(assignees(event), notice or notices.EVENT_DISPATCHED, event, params, now)
    elif action == "reopened":
        params = _params(event, rating=event.first_rating, handle=time_ref(event.handle_due_at))
        _tell(assignees(event), notices.EVENT_REOPENED, event, params, now)
    elif action == "handled":
        _ask_for_rating(event, now)


def _ask_for_rating(event: Event, now) -> None:
    """The reporter is asked to rate, by a lettered question in the SMS ("回复 B1–B5")."""
    params = _params(event, result=event.result or "")
    expires_at = event.feedback_due_at or now + FEEDBACK_QUESTION_OPEN
    reporter = event.reporter
    phone = reporter.phone if reporter is not None else event.reporter_phone
    if not phone:
        return
    asked = sms_questions.ask(
        [(phone, reporter.id if reporter else None)],
        "event",
        event.id,
        expires_at=expires_at,
        now=now,
    )
    if reporter is not None:
        notify_many(
            [reporter],
            notices.EVENT_HANDLED,
            subject_id=event.id,
            params=params,
            now=now,
            letters={reporter.id: asked[phone]},
        )
    elif phone not in opted_out([phone]):
        send_sms_to(
            phone,
            notices.EVENT_HANDLED,
            params,
            RESIDENT_LOCALE,
            subject_id=event.id,
            letter=asked[phone],
            now=now,
        )


def on_event_overdue(event: Event, *, deadline, now, **_):
    people = assignees(event)
    if event.dispatched_by is not None:
        people.append(event.dispatched_by)
    due = event.accept_due_at if deadline == "accept" else event.handle_due_at
    params = _params(event, step=step_ref(deadline), due=time_ref(due))
    _tell(people, notices.EVENT_OVERDUE, event, params, now)


def on_event_escalated(event: Event, *, unit, now, **_):
    params = _params(event, unit=unit_ref(unit), due=time_ref(event.handle_due_at))
    _tell(coordinators_on(unit.id), notices.EVENT_ESCALATED, event, params, now)


CONNECTIONS = [
    (dispatch_signals.event_moved, on_event_moved),
    (dispatch_signals.event_overdue, on_event_overdue),
    (dispatch_signals.event_escalated, on_event_escalated),
]
