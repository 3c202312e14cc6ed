"""What the dispatch platform tells people, and whom: the wording of every notice.

`for_move`, `for_overdue` and `for_escalation` turn an announcement (timebank.dispatch.
signals) into `Notice`s; whoever delivers notifications renders them in each reader's
language. Residents without an account are reached by SMS at their phone only.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..core.clock import local
from .models import Event
from .queries import coordinators_on, handlers_of


@dataclass(frozen=True)
class Notice:
    members: list
    kind: str
    title: object
    body: object
    link: str
    urgent: bool = False
    sms: bool = False
    #: Phones of people without an account (residents), told by SMS.
    phones: tuple[str, ...] = field(default=())


def _when(moment) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def link(event: Event) -> str:
    return f"/events/{event.id}"


def assignees(event: Event) -> list:
    """The member the event is with, or every handler of its department."""
    if event.assignee_kind == "department":
        return handlers_of(event.assignee_department_id)
    return [event.assignee_member] if event.assignee_member is not None else []


def _category(event: Event) -> str:
    return event.category.name


def for_move(event: Event, action: str) -> list[Notice]:
    """Notices for a step: the assignee on dispatch and reopening, the reporter (asked for
    a rating, also by SMS) when handled."""
    make = {"dispatched": _dispatched, "reopened": _reopened, "handled": _ask_for_rating}
    return [make[action](event)] if action in make else []


def _dispatched(event: Event) -> Notice:
    return Notice(
        assignees(event),
        "event_dispatched",
        _l("New event %(number)s: %(category)s", number=event.number, category=_category(event)),
        _l(
            "Accept by %(accept)s and handle by %(handle)s. %(address)s",
            accept=_when(event.accept_due_at),
            handle=_when(event.handle_due_at),
            address=event.address or "",
        ),
        link(event),
        urgent=event.priority == "urgent",
        sms=True,
    )


def _reopened(event: Event) -> Notice:
    return Notice(
        assignees(event),
        "event_reopened",
        _l("Event %(number)s reopened", number=event.number),
        _l(
            "The reporter rated the result %(rating)s of 5. Please handle it again by %(handle)s.",
            rating=event.first_rating,
            handle=_when(event.handle_due_at),
        ),
        link(event),
        sms=True,
    )


def _ask_for_rating(event: Event) -> Notice:
    reporter = [event.reporter] if event.reporter is not None else []
    phones = (event.reporter_phone,) if event.reporter is None and event.reporter_phone else ()
    return Notice(
        reporter,
        "event_handled",
        _l("Your report %(number)s has been handled", number=event.number),
        _l(
            "Result: %(result)s Please rate it from 1 (poor) to 5 (very good).",
            result=event.result or "",
        ),
        link(event),
        sms=True,
        phones=phones,
    )


def for_overdue(event: Event, deadline: str) -> list[Notice]:
    """The assignee and the dispatcher, when a deadline has passed."""
    people = assignees(event)
    if event.dispatched_by is not None:
        people.append(event.dispatched_by)
    if deadline == "accept":
        title = _l("Event %(number)s was not accepted in time", number=event.number)
        body = _l("It was to be accepted by %(due)s.", due=_when(event.accept_due_at))
    else:
        title = _l("Event %(number)s is overdue", number=event.number)
        body = _l("It was to be handled by %(due)s.", due=_when(event.handle_due_at))
    return [Notice(people, "event_overdue", title, body, link(event), urgent=True, sms=True)]


def for_escalation(event: Event, unit) -> list[Notice]:
    """The coordinators of the unit an overdue event was escalated to."""
    return [
        Notice(
            coordinators_on(unit.id),
            "event_escalated",
            _l("Escalated to %(unit)s: event %(number)s", unit=unit.name, number=event.number),
            _l(
                "%(category)s, due by %(due)s, has not been handled. It is in your overdue queue.",
                category=_category(event),
                due=_when(event.handle_due_at),
            ),
            link(event),
            urgent=True,
        )
    ]
