"""Signals of the mobilisation domain: what happened to a call-out and its invitations.

Sent by the services after they flush, inside the caller's transaction (the call-out's row
is locked); receivers (the notifications domain tells members) only flush too. The sender
is always the `Callout`; every signal also carries `now`.
"""

from blinker import Namespace

_signals = Namespace()

members_invited = _signals.signal(
    "mobilisation.members-invited",
    doc="""A wave of invitations went out.

    Sender: the `Callout`. Kwargs: `member_ids` (those invited in this wave), `now`.""",
)
invitation_answered = _signals.signal(
    "mobilisation.invitation-answered",
    doc="""An invited member accepted or declined.

    Sender: the `Callout`. Kwargs: `invitation` (with its new status), `now`.""",
)
callout_short = _signals.signal(
    "mobilisation.callout-short",
    doc="""No more candidates can be invited and too few have accepted.

    Sender: the `Callout` (status `short`). Kwargs: `now`.""",
)
callout_filled = _signals.signal(
    "mobilisation.callout-filled",
    doc="""Enough members accepted: pending invitations are not needed, teams are formed.

    Sender: the `Callout` (status `filled`). Kwargs: `teams` (`teams.Team` values, each
    with `number`, `leader_id` and `member_ids`), `now`.""",
)
callout_closed = _signals.signal(
    "mobilisation.callout-closed",
    doc="""An organiser stood the call-out down (its `close_reason` says why); invitations
    still waiting were withdrawn.

    Sender: the `Callout` (status `closed`). Kwargs: `withdrawn_ids` (the members whose
    invitation was still pending), `accepted_ids` (those who had accepted), `other_ids`
    (everyone else invited: withdrawn, declined, expired, not needed), `now`.""",
)
