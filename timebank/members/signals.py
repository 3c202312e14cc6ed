"""Signals of the members domain: decisions about a member.

Sent by the services after they flush, inside the caller's transaction; receivers (the
notifications domain tells the member) only flush too.
"""

from blinker import Namespace

_signals = Namespace()

member_approved = _signals.signal(
    "members.member-approved",
    doc="""A pending member was approved and is active now.

    Sender: the `Member`. Kwargs: `now`.""",
)
member_rejected = _signals.signal(
    "members.member-rejected",
    doc="""A coordinator turned a pending registration down (`rejected_reason` says why).

    Sender: the `Member`. Kwargs: `now`.""",
)
transfer_decided = _signals.signal(
    "members.transfer-decided",
    doc="""A coordinator approved or rejected a member's transfer request.

    Sender: the `Transfer` (its `status` and `decision_reason` say how). Kwargs: `now`.""",
)
