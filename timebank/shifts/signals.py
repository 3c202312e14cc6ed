"""Signals of the shifts domain: what happened to a shift or a sign-up.

Sent by the services (and the reminder job) after they flush, inside the caller's
transaction; receivers (the notifications domain tells members) only flush too. The sender
is the object named first; every signal also carries `now`.
"""

from blinker import Namespace

_signals = Namespace()

signup_promoted = _signals.signal(
    "shifts.signup-promoted",
    doc="""A waitlisted sign-up got a place and is confirmed.

    Sender: the `Signup`. Kwargs: `shift`, `now`.""",
)
shift_time_changed = _signals.signal(
    "shifts.shift-time-changed",
    doc="""A shift's start or end changed (it keeps its sign-ups).

    Sender: the `Shift`, with its new times. Kwargs: `now`.""",
)
shift_cancelled = _signals.signal(
    "shifts.shift-cancelled",
    doc="""A shift was cancelled; its confirmed and waitlisted sign-ups are cancelled too.

    Sender: the `Shift` (with `cancel_reason`). Kwargs: `members` (those who were signed up,
    confirmed or waitlisted, before the cancellation), `now`.""",
)
reminder_due = _signals.signal(
    "shifts.reminder-due",
    doc="""A confirmed sign-up's reminder time has come (claimed once, by one scheduler).

    Sender: the `Signup`. Kwargs: `lead` ("24h" or "1h", how long before the start),
    `now`.""",
)
series_changed = _signals.signal(
    "shifts.series-changed",
    doc="""Shifts of a series were given new times in one step (each member told once).

    Sender: the first `Shift` changed. Kwargs: `shifts` (those whose time changed),
    `members` (signed up or waitlisted on any of them), `now`.""",
)
series_cancelled = _signals.signal(
    "shifts.series-cancelled",
    doc="""Shifts of a series were cancelled in one step (each member told once).

    Sender: the first `Shift` cancelled (with `cancel_reason`). Kwargs: `shifts`,
    `members` (those who were signed up or waitlisted on any of them), `now`.""",
)
