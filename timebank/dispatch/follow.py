"""Following an event without an account (SPEC 6, rule 7): the tracking number and the
last four digits of the reporter's phone show its status and steps, never people."""

import hmac
import re

from ..core.errors import NotFound
from .closing import rate
from .models import Event, Status
from .queries import find_event_by_number, timeline

NUMBER = re.compile(r"NS\d{14}")
DIGITS = re.compile(r"\d{4}")


def _phone_of(event: Event) -> str:
    if event.reporter_phone:
        return event.reporter_phone
    return event.reporter.phone if event.reporter is not None else ""


def find_for_resident(number, digits) -> Event | None:
    """The event with this tracking number when `digits` are the last four of its
    reporter's phone; None for a malformed or unknown number and for wrong digits alike
    (the answer tells nothing about which)."""
    if not isinstance(number, str) or not isinstance(digits, str):
        return None
    if not NUMBER.fullmatch(number) or not DIGITS.fullmatch(digits):
        return None
    event = find_event_by_number(number)
    if event is None:
        return None
    expected = _phone_of(event)[-4:]
    return event if hmac.compare_digest(expected.encode(), digits.encode()) else None


def public_steps(event: Event) -> list[dict]:
    """The timeline as a resident sees it: when, what, from and to; no actor, no note."""
    return [
        {"at": s.at, "action": s.action, "from_status": s.from_status, "to_status": s.to_status}
        for s in timeline(event)
    ]


def may_rate(event: Event) -> bool:
    """A resident without an account rates on the follow page: their report, handled."""
    return event.reporter_id is None and event.status == Status.HANDLED


def resident_feedback(event: Event, *, rating=None, comment=None, now=None) -> Event:
    """The rating of a resident who followed their report with the phone's last four
    digits (`find_for_resident`): the same rule as a member's (closing.rate). A member's
    report is rated from their inbox instead: 404 here."""
    if event.reporter_id is not None:
        raise NotFound("event_not_found")
    return rate(None, event, rating=rating, comment=comment, now=now)
