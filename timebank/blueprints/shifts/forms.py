from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...shifts.models import KIND_LABELS
from ..forms_util import SEARCHABLE, BaseForm, options
from ..members.forms import MultiCheckboxField, int_or_none

WEEKDAYS = [
    (0, _l("Mon")),
    (1, _l("Tue")),
    (2, _l("Wed")),
    (3, _l("Thu")),
    (4, _l("Fri")),
    (5, _l("Sat")),
    (6, _l("Sun")),
]


def kind_options():
    return options((k.value, label) for k, label in KIND_LABELS.items())


class ShiftForm(BaseForm):
    """Publish one shift, or a series when `days` is more than 1."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=kind_options(), default="checkpoint")
    community_id = SelectField(
        _l("Community"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
    checkpoint_id = SelectField(_l("Checkpoint"), coerce=int_or_none, validate_choice=False)
    first_day = DateField(_l("Date (first day)"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends"), validators=[DataRequired()])
    days = IntegerField(_l("Repeat for how many days"), default=1, validators=[InputRequired()])
    weekdays = MultiCheckboxField(
        _l("Only on these weekdays (none = every day)"), choices=options(WEEKDAYS), coerce=int
    )
    capacity = IntegerField(_l("Places"), default=4, validators=[InputRequired()])
    skills = MultiCheckboxField(_l("Required skills"))
    walk_ins = BooleanField(
        _l("Walk-ins welcome (members without a sign-up, while places are free)")
    )
    counts_as_service = BooleanField(_l("Hours count as volunteer service"), default=True)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Publish"))


class EditShiftForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=kind_options())
    checkpoint_id = SelectField(_l("Checkpoint"), coerce=int_or_none, validate_choice=False)
    day = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends"), validators=[DataRequired()])
    capacity = IntegerField(_l("Places"), validators=[InputRequired()])
    skills = MultiCheckboxField(_l("Required skills"))
    walk_ins = BooleanField(_l("Walk-ins welcome"))
    counts_as_service = BooleanField(_l("Hours count as volunteer service"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class CancelShiftForm(BaseForm):
    reason = StringField(
        _l("Reason (members are told)"), validators=[DataRequired(), Length(max=255)]
    )
    submit = SubmitField(_l("Cancel this shift"))


class BoardFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=60)])
    kind = SelectField(_l("Kind"), validate_choice=False)
    community_id = SelectField(
        _l("Community"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
    day = DateField(_l("From"), validators=[Optional()])
    mine = BooleanField(_l("Only shifts I have the skills for"))


class CheckpointForm(BaseForm):
    community_id = SelectField(
        _l("Community"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
    name = StringField(_l("Checkpoint name"), validators=[DataRequired(), Length(max=120)])
    lat = DecimalField(
        _l("Latitude"),
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "any"},
    )
    lon = DecimalField(
        _l("Longitude"),
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "any"},
    )
    radius_m = IntegerField(_l("Geofence radius (metres)"), default=200, validators=[Optional()])
    is_active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class SeriesEditForm(BaseForm):
    """Change a series' shifts still to come from a date: what is changed here is set on
    every one of them; what is left as shown stays as each shift has it."""

    from_day = DateField(_l("From (the shifts of this day on)"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    start_time = TimeField(_l("Starts"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends"), validators=[DataRequired()])
    capacity = IntegerField(_l("Places"), validators=[InputRequired()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Change these shifts"))


class SeriesCancelForm(BaseForm):
    from_day = DateField(_l("From (the shifts of this day on)"), validators=[DataRequired()])
    reason = StringField(
        _l("Reason (members are told)"), validators=[DataRequired(), Length(max=255)]
    )
    submit = SubmitField(_l("Cancel these shifts"))
