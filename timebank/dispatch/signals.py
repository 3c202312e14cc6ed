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

event_overdue = _signals.signal("dispatch.event-overdue")
"""The scheduler marked an event late on a deadline (once per event and deadline).

sender: the `Event`; kwargs: `deadline` ("accept" or "handle"), `now`.
"""

event_escalated = _signals.signal("dispatch.event-escalated")
"""The scheduler escalated an event one level up (its `escalated_to` is set).

sender: the `Event`; kwargs: `unit` (the Unit it was escalated to), `now`.
"""
