"""What the party domain announces, for optional reactions (notifications).

Each signal is sent inside the transaction of the change it announces, after the change
is flushed: a receiver's writes (inbox rows, outbox messages) commit or roll back with it.
"""

from blinker import Namespace

_signals = Namespace()

check_opened = _signals.signal("party.check-opened")
"""A check was opened and every sheet computed.

sender: the `Check`; kwargs: `member_ids` (the members with a sheet), `now`.
"""

sheet_finalised = _signals.signal("party.sheet-finalised")
"""A secretary finalised a member's sheet: the problem-reminder notice is issued.

sender: the `Sheet` (final, with its score and grade); kwargs: `confirmed` (the codes of
the confirmed items), `now`.
"""

membership_decided = _signals.signal("party.membership-decided")
"""A secretary in scope or an admin decided a member's branch request.

sender: the `PartyMembership` (confirmed or refused, with its `reason`); kwargs:
`confirmed` (bool), `now`.
"""

branch_named = _signals.signal("party.branch-named")
"""A party member named their branch: a pending request for its secretary.

sender: the pending `PartyMembership`; kwargs: `now`.
"""
