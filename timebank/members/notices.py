"""What the members domain tells members, word for word (data only: see core.notices).

Placeholders: `community` (a community's name), `reason`.
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice

MEMBER_APPROVED = Notice(
    "member_approved",
    _l("Welcome to %(community)s"),
    _l("Your registration with %(community)s was approved: you can sign up for shifts now."),
    subject="member",
    endpoint="shifts.board",
)
#: Also by SMS: a rejected applicant cannot sign in to read the inbox.
MEMBER_REJECTED = Notice(
    "member_rejected",
    _l("Registration not approved: %(community)s"),
    _l("Your registration with %(community)s was not approved: %(reason)s"),
    subject="member",
    endpoint="auth.login",
    sms=True,
)
TRANSFER_APPROVED = Notice(
    "transfer_approved",
    _l("Transfer approved: %(community)s"),
    _l("You now report to %(community)s."),
    subject="transfer",
    endpoint="members.me",
)
TRANSFER_NOT_APPROVED = Notice(
    "transfer_not_approved",
    _l("Transfer not approved: %(community)s"),
    _l("Your request to report to %(community)s was not approved: %(reason)s"),
    subject="transfer",
    endpoint="members.me",
)
