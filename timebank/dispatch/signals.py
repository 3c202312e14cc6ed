"""What the dispatch platform announces, for optional reactions (notifications).

Each signal is sent inside the transaction of the change it announces, after the change
is flushed: a receiver's writes (inbox rows, outbox messages) commit or roll back with it.
The invariants (timeline, counters, ledger credit) are direct calls, never receivers.
"""

from blinker import Namespace

_signals = Namespace()

event_moved = _signals.signal("dispatch.event-moved")
"""An event changed status.

sender: the `Event` (already in its new state); kwargs: `action` (the timeline's action:
"reported", "registered", "rejected", "dispatched", "accepted", "returned", "handled",
"reopened", "rated", "closed", "auto_closed"), `actor` (a Member, or None for the
scheduler and residents), `from_status`, `note` (str or None), `now`.
"""

events_overdue = _signals.signal("dispatch.events-overdue")
"""The scheduler marked a batch of events late on one deadline (each once per deadline).

sender: the list of `Event`s (freshly read, in id order); kwargs: `deadline` ("accept" or
"handle"), `now`. One signal per batch, so a receiver can read and write for the whole
batch in a fixed number of statements.
"""

events_escalated = _signals.signal("dispatch.events-escalated")
"""The scheduler escalated a batch of events one level up (each `escalated_to` is set and
loaded).

sender: the list of `Event`s; kwargs: `now`.
"""
