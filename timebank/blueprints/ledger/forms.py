from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...core.clock import LOCAL_TZ
from ..forms_util import BaseForm
from ..members.forms import int_or_none


def local_span(day: date | None, start: time | None, end: time | None):
    """Aware datetimes from a local (Asia/Shanghai) day and two clock times; an end before
    the start is read as the next day (a night shift). (None, None) if a part is missing."""
    if day is None or start is None or end is None:
        return None, None
    begin = datetime.combine(day, start, LOCAL_TZ)
    finish = datetime.combine(day, end, LOCAL_TZ)
    if end < start:
        finish += timedelta(days=1)
    return begin, finish


class CorrectionForm(BaseForm):
    """A member's request about one of their recent shifts (times in local time)."""

    shift_id = SelectField(
        _l("Shift"),
        coerce=int_or_none,
        validators=[DataRequired(message=_l("Choose a shift."))],
        validate_choice=False,
    )
    claimed_in = TimeField(_l("I arrived at"), validators=[InputRequired()])
    claimed_out = TimeField(_l("I left at"), validators=[InputRequired()])
    day = DateField(_l("Date (if not the day the shift started)"), validators=[Optional()])
    reason = TextAreaField(
        _l("What is missing or wrong"),
        validators=[DataRequired(), Length(max=500)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Send to the coordinator"))


class DecideCorrectionForm(BaseForm):
    """Approve (with the minutes to credit) or reject (with a reason) a correction request."""

    minutes = IntegerField(
        _l("Minutes to credit"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    reason = StringField(_l("Why not"), validators=[Optional(), Length(max=255)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class ReviewForm(BaseForm):
    """Confirm an auto-closed attendance, or reverse its credit with a reason."""

    reason = StringField(_l("Reason to reverse"), validators=[Optional(), Length(max=255)])
    confirm = SubmitField(_l("Confirm"))
    reverse = SubmitField(_l("Reverse the credit"))


class AttendanceForm(BaseForm):
    """A coordinator enters an attendance by hand (local times)."""

    day = DateField(_l("Date"), validators=[InputRequired()])
    checked_in = TimeField(_l("Checked in at"), validators=[InputRequired()])
    checked_out = TimeField(_l("Checked out at"), validators=[InputRequired()])
    reason = StringField(
        _l("Reason (for example: the scanner failed)"),
        validators=[DataRequired(), Length(max=255)],
    )
    submit = SubmitField(_l("Record and credit"))


class AdjustmentForm(BaseForm):
    minutes = IntegerField(_l("Minutes (negative to deduct)"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
    submit = SubmitField(_l("Adjust the balance"))


class ReverseForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
    submit = SubmitField(_l("Reverse"))
