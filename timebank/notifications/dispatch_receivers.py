"""Who is told what about events: the notifications domain's reactions to dispatch.

Signal → who is told → which notice (wording in dispatch/notices.py):

- dispatch.event_moved "dispatched" → the assignee (every handler of a department) →
  EVENT_DISPATCHED (EVENT_DISPATCHED_URGENT for an urgent event)
- dispatch.event_moved "reopened" → the assignee → EVENT_REOPENED
- dispatch.event_moved "handled" → the reporter, asked for a rating (a resident without an
  account by SMS only, in Chinese) → EVENT_HANDLED
- dispatch.events_overdue (a batch) → each event's assignee and dispatcher → EVENT_OVERDUE
- dispatch.events_escalated (a batch) → the coordinators of the unit each went to →
  EVENT_ESCALATED

The scheduler's batches are told in a fixed number of statements: the people of the whole
batch read in one query, every notice written by one `notify_each`.

`CONNECTIONS` is subscribed by the app factory's connection list (`timebank.create_app`).
"""

from datetime import timedelta

from ..dispatch import notices
from ..dispatch import signals as dispatch_signals
from ..dispatch.models import Event
from ..dispatch.queries import coordinators_on_units, handlers_of, members_and_handlers
from ..sms import questions as sms_questions
from ..sms.queries import opted_out
from .rendering import event_category_ref, step_ref, time_ref, unit_ref
from .services import Tell, notify_each, notify_many, send_sms_to

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


def assignees_and_dispatchers(events: list[Event]) -> dict[int, list]:
    """{event id: its assignee (every handler of a department) and its dispatcher}, read
    in one query for the whole batch."""
    by_id, by_department = members_and_handlers(
        [e.assignee_member_id for e in events if e.assignee_kind != "department"]
        + [e.dispatched_by_id for e in events],
        [e.assignee_department_id for e in events if e.assignee_kind == "department"],
    )
    out = {}
    for event in events:
        if event.assignee_kind == "department":
            people = list(by_department.get(event.assignee_department_id, []))
        else:
            people = [by_id[event.assignee_member_id]] if event.assignee_member_id else []
        if event.dispatched_by_id is not None:
            people.append(by_id[event.dispatched_by_id])
        out[event.id] = people
    return out


def on_events_overdue(events: list[Event], *, deadline, now, **_):
    people = assignees_and_dispatchers(events)
    tells = []
    for event in events:
        due = event.accept_due_at if deadline == "accept" else event.handle_due_at
        params = _params(event, step=step_ref(deadline), due=time_ref(due))
        tells.append(Tell(event.id, people[event.id], params))
    notify_each(notices.EVENT_OVERDUE, tells, now=now)


def on_events_escalated(events: list[Event], *, now, **_):
    heads = coordinators_on_units(e.escalated_to_id for e in events)
    tells = [
        Tell(
            event.id,
            heads.get(event.escalated_to_id, []),
            _params(event, unit=unit_ref(event.escalated_to), due=time_ref(event.handle_due_at)),
        )
        for event in events
    ]
    notify_each(notices.EVENT_ESCALATED, tells, now=now)


CONNECTIONS = [
    (dispatch_signals.event_moved, on_event_moved),
    (dispatch_signals.events_overdue, on_events_overdue),
    (dispatch_signals.events_escalated, on_events_escalated),
]
