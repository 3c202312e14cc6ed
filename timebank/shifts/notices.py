"""What the shifts domain tells members, word for word (data only: see core.notices).

Placeholders: `title` (the shift's title), `when` (its time), `reason`, `place`.
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice


def _about_shift(kind: str, title, body, *, sms: bool) -> Notice:
    return Notice(
        kind,
        title,
        body,
        subject="shift",
        endpoint="shifts.detail",
        subject_arg="shift_id",
        sms=sms,
    )


SIGNUP_PROMOTED = _about_shift(
    "signup_promoted",
    _l("You have a place: %(title)s"),
    _l("A place became free and you are now confirmed for %(title)s on %(when)s."),
    sms=True,
)
SHIFT_CHANGED = _about_shift(
    "shift_changed",
    _l("Shift time changed: %(title)s"),
    _l("%(title)s now runs %(when)s."),
    sms=True,
)
SHIFT_CANCELLED = _about_shift(
    "shift_cancelled",
    _l("Shift cancelled: %(title)s"),
    _l("%(title)s on %(when)s is cancelled. Reason: %(reason)s"),
    sms=True,
)
REMINDER_24H = _about_shift(
    "reminder_24h",
    _l("Tomorrow: %(title)s"),
    _l("Your shift %(title)s runs %(when)s at %(place)s."),
    sms=False,
)
REMINDER_1H = _about_shift(
    "reminder_1h",
    _l("In one hour: %(title)s"),
    _l("Your shift %(title)s runs %(when)s at %(place)s."),
    sms=True,
)
SERIES_CHANGED = _about_shift(
    "series_changed",
    _l("Shift times changed: %(title)s"),
    _l("%(n)s shifts of %(title)s have new times, the first now %(when)s."),
    sms=True,
)
SERIES_CANCELLED = _about_shift(
    "series_cancelled",
    _l("Shifts cancelled: %(title)s"),
    _l("%(n)s shifts of %(title)s from %(when)s on are cancelled. Reason: %(reason)s"),
    sms=True,
)
