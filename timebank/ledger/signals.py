"""Signals of the ledger domain.

Sent by the services after they flush, inside the caller's transaction; receivers (the
notifications domain tells the member) only flush too.
"""

from blinker import Namespace

_signals = Namespace()

correction_decided = _signals.signal(
    "ledger.correction-decided",
    doc="""A coordinator approved or rejected a member's request to correct their hours.

    Sender: the `Correction` (its `status` and `decision_reason` say how). Kwargs: `now`.""",
)
entries_appended = _signals.signal(
    "ledger.entries-appended",
    doc="""New entries joined the hash chain (one from a check-out or an adjustment, many
    from a bulk load).

    Sender: the list of `LedgerEntry` objects, in chain order, already inserted. No kwargs.
    The rankings domain moves its totals on it (timebank.rankings.receivers), in the same
    transaction.""",
)
