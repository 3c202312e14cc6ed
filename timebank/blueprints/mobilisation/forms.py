"""Forms of the call-out pages: raise a call-out, answer an invitation, stand down."""

import math

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ...core.clock import LOCAL_TZ
from ...core.settings import setting
from ...members.skills import SKILLS
from ...mobilisation.models import KIND_LABELS
from ..forms_util import BaseForm, options
from ..members.forms import MultiCheckboxField, int_or_none

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
PLACES = [
    ("checkpoint", _l("Checkpoint")),
    ("community", _l("Community")),
    ("coords", _l("Coordinates")),
]


def min_response_minutes() -> int:
    """The shortest answer time the form offers, in whole minutes."""
    return max(1, math.ceil(setting("CALLOUT_MIN_RESPONSE_S") / 60))


def _number(value):
    return float(value) if value is not None else None


def _seconds(minutes):
    return minutes * 60 if minutes is not None else None


def _aware(value):
    """A local date/time from the form, in Asia/Shanghai."""
    return value.replace(tzinfo=LOCAL_TZ) if value is not None else None


class CalloutForm(BaseForm):
    """Raise a call-out. The place is a checkpoint, a community's centre or coordinates."""

    kind = SelectField(
        _l("Kind"), choices=options((k.value, label) for k, label in KIND_LABELS.items())
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(
        _l("What is to be done (optional)"), validators=[Optional(), Length(max=2000)]
    )
    unit_id = SelectField(_l("Whose members are called"), coerce=int_or_none, validate_choice=False)
    place = RadioField(_l("Place"), choices=options(PLACES), default="checkpoint")
    checkpoint_id = SelectField(_l("Checkpoint"), coerce=int_or_none, validate_choice=False)
    community_id = SelectField(
        _l("Community (its centre)"), coerce=int_or_none, validate_choice=False
    )
    lat = DecimalField(
        _l("Latitude"),
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "any", "placeholder": "22.8"},
    )
    lon = DecimalField(
        _l("Longitude"),
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "any", "placeholder": "113.5"},
    )
    radius_km = DecimalField(
        _l("Radius (km)"),
        places=None,
        default=3,
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "step": "any", "min": "0.1"},
    )
    needed = IntegerField(
        _l("Head-count needed"),
        default=6,
        validators=[InputRequired()],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    team_size = IntegerField(
        _l("Team size"),
        default=3,
        validators=[InputRequired()],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    skills = MultiCheckboxField(_l("Required skills"), choices=options(SKILLS.items()))
    party_only = BooleanField(_l("Party members only"))
    respond_within_min = IntegerField(
        _l("Answer within (minutes)"), default=5, validators=[InputRequired()]
    )
    starts_at = DateTimeLocalField(
        _l("Start (empty: now)"), format=LOCAL_MINUTE, validators=[Optional()]
    )
    ends_at = DateTimeLocalField(_l("End (optional)"), format=LOCAL_MINUTE, validators=[Optional()])
    submit = SubmitField(_l("Raise the call-out"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.respond_within_min.render_kw = {
            "min": min_response_minutes(),
            "inputmode": "numeric",
        }

    def validate_checkpoint_id(self, field):
        if self.place.data == "checkpoint" and field.data is None:
            raise ValidationError(_l("Choose a checkpoint."))

    def validate_community_id(self, field):
        if self.place.data == "community" and field.data is None:
            raise ValidationError(_l("Choose a community."))

    def validate_lat(self, field):
        if self.place.data == "coords" and (field.data is None or self.lon.data is None):
            raise ValidationError(_l("Give both latitude and longitude."))

    def service_fields(self) -> dict:
        """The keyword arguments of services.raise_callout (the place as chosen)."""
        place = {
            "checkpoint": {"checkpoint_id": self.checkpoint_id.data},
            "community": {"community_id": self.community_id.data},
            "coords": {"lat": _number(self.lat.data), "lon": _number(self.lon.data)},
        }.get(self.place.data, {})  # a refused choice: no place, the service says so
        return dict(
            unit_id=self.unit_id.data,
            kind=self.kind.data,
            title=self.title.data,
            description=self.description.data or None,
            radius_km=_number(self.radius_km.data),
            needed=self.needed.data,
            team_size=self.team_size.data,
            skills=self.skills.data,
            party_only=self.party_only.data,
            respond_within_s=_seconds(self.respond_within_min.data),
            starts_at=_aware(self.starts_at.data),
            ends_at=_aware(self.ends_at.data),
            **place,
        )


class AnswerForm(BaseForm):
    """One tap: accept or decline."""

    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class CloseForm(BaseForm):
    """Stand a call-out down: why (everyone invited is told)."""

    reason = TextAreaField(
        _l("Why is it stood down?"),
        validators=[DataRequired(), Length(max=255)],
        render_kw={"rows": 3, "maxlength": 255},
    )
    submit = SubmitField(_l("Stand down and tell everyone"))
