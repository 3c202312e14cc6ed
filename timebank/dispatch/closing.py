"""Closing the loop (结果反馈): the reporter's rating, the coordinator's close, the
scheduler's close without feedback, and the volunteer's hours (SPEC 6, rules 3–4)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..core.clock import utcnow
from ..core.errors import Conflict, check
from ..core.settings import setting
from ..extensions import db
from ..ledger.services import credit_source
from .assign import redispatch_values
from .models import Event, Status
from .rights import can_coordinate, ensure, is_reporter
from .transitions import move
from .validation import text, whole_number

NOTE_MAX = 500
#: Ratings at or below this reopen an event (once).
REOPEN_AT = 2


def give_feedback(actor, event: Event, *, rating=None, comment=None, now=None) -> Event:
    """The reporter rates a handled event from 1 to 5: 3 or more closes it; 1–2 reopens it
    once (dispatched again to the same assignee, with new deadlines); after the reopened
    round it closes whatever the rating. 409 `feedback_given` once rated."""
    ensure(actor, event, is_reporter)
    return rate(actor, event, rating=rating, comment=comment, now=now)


def rate(actor, event: Event, *, rating=None, comment=None, now=None) -> Event:
    """The rule of the rating, once the caller has made sure that the rater is the
    reporter (`give_feedback` for a member; `follow.resident_feedback` for a resident
    who proved the phone's last four digits, `actor` None)."""
    now = now or utcnow()
    errors: list = []
    rating, err = whole_number(rating, 1, 5)
    if err:
        errors.append(("rating", err))
    comment, err = text(comment, NOTE_MAX, required=False)
    if err:
        errors.append(("comment", err))
    check(errors)
    try:
        if rating <= REOPEN_AT and not event.reopened:
            return _reopen(actor, event, rating, comment, now)
        move(
            event,
            "rated",
            actor=actor,
            now=now,
            note=comment,
            guard=(Event.reopened.is_(event.reopened),),
            rating=rating,
            rated_at=now,
            feedback_comment=comment,
            closed_at=now,
            credit_minutes=_default_credit(event),
        )
    except Conflict as conflict:
        raise _feedback_conflict(event) or conflict from None
    return _credit(event, actor=None, now=now)


def _reopen(actor, event: Event, rating: int, comment, now: datetime) -> Event:
    """Back to the same assignee with new deadlines; the low rating is kept aside."""
    return move(
        event,
        "reopened",
        actor=actor,
        now=now,
        note=comment,
        guard=(Event.reopened.is_(False),),
        reopened=True,
        first_rating=rating,
        rated_at=now,
        feedback_comment=comment,
        **redispatch_values(event, now),
    )


def _feedback_conflict(event: Event) -> Conflict | None:
    db.session.refresh(event)
    if event.status != Status.HANDLED and event.rated_at is not None:
        return Conflict("feedback_given", _l("Feedback has been given already."))
    return None


def close_event(actor, event: Event, *, note=None, credit_minutes=None, now=None) -> Event:
    """A coordinator in scope closes a handled event after checking it on site, with a
    note; for a volunteer's event, the minutes they confirm go to the time bank
    (at most EVENT_MAX_CREDIT_MIN; by default what the volunteer reported)."""
    ensure(actor, event, can_coordinate)
    now = now or utcnow()
    errors: list = []
    note, err = text(note, NOTE_MAX)
    if err:
        errors.append(("note", err))
    if event.assignee_kind == "volunteer":
        credit_minutes, err = whole_number(
            credit_minutes, 0, setting("EVENT_MAX_CREDIT_MIN"), required=False
        )
    elif credit_minutes is not None:
        credit_minutes, err = None, _l("Only an event a volunteer handled credits minutes.")
    if err:
        errors.append(("credit_minutes", err))
    check(errors)
    if credit_minutes is None:
        credit_minutes = _default_credit(event)
    move(
        event,
        "closed",
        actor=actor,
        now=now,
        note=note,
        closed_at=now,
        close_note=note,
        credit_minutes=credit_minutes,
    )
    return _credit(event, actor=actor, now=now)


def auto_close(event: Event, *, now: datetime) -> bool:
    """Close a handled event whose feedback time has run out, unrated (the scheduler).
    False when someone else moved it first (the reporter rated it in the meantime)."""
    try:
        move(
            event,
            "auto_closed",
            actor=None,
            now=now,
            guard=(Event.feedback_due_at <= now,),
            closed_at=now,
            credit_minutes=_default_credit(event),
        )
    except Conflict:
        return False
    _credit(event, actor=None, now=now)
    return True


def _default_credit(event: Event) -> int | None:
    """A volunteer's reported minutes, capped; None for other assignees."""
    if event.assignee_kind != "volunteer":
        return None
    return min(event.volunteer_minutes or 0, setting("EVENT_MAX_CREDIT_MIN"))


def _credit(event: Event, *, actor, now: datetime) -> Event:
    """The closed volunteer event's `service` entry in the time bank, once per event
    (its source key), linked both ways (the entry's source key, the event's entry id)."""
    if event.assignee_kind != "volunteer" or event.assignee_member is None:
        return event
    entry = credit_source(
        event.assignee_member,
        source_key=f"event:{event.id}",
        minutes=event.credit_minutes or 0,
        reason=event.number,
        actor=actor,
        now=now,
    )
    event.credit_entry_id = entry.id
    db.session.flush()
    return event
