"""What the dispatch platform tells people, word for word (data only: see core.notices).

Who is told is decided in notifications/dispatch_receivers.py. Placeholders: `number` (the
tracking number), `category` (the event's category, in the reader's language), `accept`,
`handle`, `due` (times), `step` (the deadline's step: accept or handle), `rating`, `result`,
`unit` (a unit's name), `address`.
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice

EVENT_DISPATCHED = Notice(
    "event_dispatched",
    _l("New event %(number)s: %(category)s"),
    _l("Accept by %(accept)s and handle by %(handle)s. %(address)s"),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    sms=True,
)
#: The same, for an urgent event: shown at the top of every page until read.
EVENT_DISPATCHED_URGENT = Notice(
    "event_dispatched_urgent",
    _l("New event %(number)s: %(category)s"),
    _l("Accept by %(accept)s and handle by %(handle)s. %(address)s"),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    urgent=True,
    sms=True,
)
EVENT_REOPENED = Notice(
    "event_reopened",
    _l("Event %(number)s reopened"),
    _l("The reporter rated the result %(rating)s of 5. Please handle it again by %(handle)s."),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    sms=True,
)
#: To the reporter, also by SMS: a resident without an account gets the SMS only.
EVENT_HANDLED = Notice(
    "event_handled",
    _l("Your report %(number)s has been handled"),
    _l("Result: %(result)s Please rate it from 1 (poor) to 5 (very good)."),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    sms=True,
    sms_answer=_l("Reply %(letter)s1–%(letter)s5 to rate."),
)
EVENT_OVERDUE = Notice(
    "event_overdue",
    _l("Event %(number)s is late"),
    _l("It was to be %(step)s by %(due)s."),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    urgent=True,
    sms=True,
)
EVENT_ESCALATED = Notice(
    "event_escalated",
    _l("Escalated to %(unit)s: event %(number)s"),
    _l("%(category)s, due by %(due)s, has not been handled. It is in your overdue queue."),
    subject="event",
    endpoint="dispatch.event_page",
    subject_arg="event_id",
    urgent=True,
)
