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
