"""What the mobilisation domain tells members, word for word (data only: see core.notices).

Placeholders: `title` (the call-out's title), `kind` (its kind's label), `n`, `m`,
`accepted`, `needed`, `t`, `names`, `leader`, `phone`, `reason` (why it was stood down).
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice


def _to_invited(kind: str, title, body, *, urgent=False, sms=False, sms_answer=None) -> Notice:
    """A notice to an invited member; it opens the call-out's answer page."""
    return Notice(
        kind,
        title,
        body,
        subject="callout",
        endpoint="mobilisation.answer",
        subject_arg="callout_id",
        urgent=urgent,
        sms=sms,
        sms_answer=sms_answer,
    )


def _to_raiser(kind: str, title, body, *, urgent=False) -> Notice:
    """A notice to the organiser who raised the call-out; it opens the call-out's page."""
    return Notice(
        kind,
        title,
        body,
        subject="callout",
        endpoint="mobilisation.detail",
        subject_arg="callout_id",
        urgent=urgent,
    )


CALLOUT_INVITATION = _to_invited(
    "callout_invitation",
    _l("Call-out: %(kind)s — %(title)s"),
    _l("%(n)s people are needed near you. Answer within %(m)s minutes."),
    urgent=True,
    sms=True,
    sms_answer=_l("Reply %(letter)s1 to accept, %(letter)s2 to decline."),
)
#: Words of call-outs closed before stand-downs gave a reason (rows made then).
CALLOUT_CLOSED = _to_invited(
    "callout_closed",
    _l("Call-out closed: %(title)s"),
    _l("The call-out was closed; you need not answer. Thank you."),
)
CALLOUT_STOOD_DOWN = _to_invited(
    "callout_stood_down",
    _l("Stood down: %(title)s"),
    _l("The call-out is stood down: %(reason)s. You need not come. Thank you for answering."),
    urgent=True,
    sms=True,
)
CALLOUT_WITHDRAWN = _to_invited(
    "callout_withdrawn",
    _l("Call-out stood down: %(title)s"),
    _l("The call-out is stood down: %(reason)s. You need not answer. Thank you."),
    sms=True,
)
CALLOUT_STOOD_DOWN_INFO = _to_invited(
    "callout_stood_down_info",
    _l("Call-out stood down: %(title)s"),
    _l("The call-out is stood down: %(reason)s. Thank you for standing by."),
)
CALLOUT_TEAM = _to_invited(
    "callout_team",
    _l("You are in team %(n)s: %(title)s"),
    _l("Team %(n)s: %(names)s. Leader: %(leader)s (%(phone)s)."),
    sms=True,
)
CALLOUT_FILLED = _to_invited(
    "callout_filled",
    _l("Call-out filled: %(title)s"),
    _l("Enough people have answered. Thank you for standing by."),
)
CALLOUT_SHORT = _to_raiser(
    "callout_short",
    _l("Call-out short: %(title)s"),
    _l("No more members can be invited: %(accepted)s of %(needed)s answered."),
    urgent=True,
)
CALLOUT_FILLED_RAISER = _to_raiser(
    "callout_filled_raiser",
    _l("Call-out filled: %(title)s"),
    _l("%(n)s members accepted; %(t)s team(s) formed."),
)
