"""Forms of the dispatch pages. They only carry the fields: every rule is checked by the
dispatch services, which answer every field's refusal at once."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from ...dispatch.photos import BYTES_MAX, PHOTOS_MAX
from ..forms_util import BaseForm
from ..members.forms import int_or_none

PRIORITIES = [SelectChoice("normal", _l("Normal")), SelectChoice("urgent", _l("Urgent"))]


def blank_none(value):
    return value if value not in (None, "") else None


def photo_bytes(field) -> list[bytes]:
    """The uploaded files' bytes (each read to one byte past the cap, so that an oversized
    photo is refused by its size without being read whole)."""
    files = [f for f in (field.data or []) if getattr(f, "filename", "")]
    return [f.stream.read(BYTES_MAX + 1) for f in files[: PHOTOS_MAX + 1]]


class ReportForm(BaseForm):
    """A resident's report (SPEC 6, rule 7)."""

    name = StringField(_l("Your name"))
    phone = StringField(_l("Your mobile phone"))
    category_code = SelectField(_l("What is it about?"))
    description = TextAreaField(_l("What happened, and where exactly?"))
    grid_id = SelectField(_l("Choose the grid"), coerce=int_or_none, validate_choice=False)
    lat = HiddenField(filters=[blank_none])
    lon = HiddenField(filters=[blank_none])
    address = StringField(_l("Address or landmark (optional)"), filters=[blank_none])
    photos = MultipleFileField(_l("Photos (up to 6)"))
    submit = SubmitField(_l("Send the report"))

    def service_fields(self) -> dict:
        return {
            "reporter_name": self.name.data,
            "reporter_phone": self.phone.data,
            "category_code": self.category_code.data or None,
            "description": self.description.data,
            "grid_id": self.grid_id.data,
            "lat": self.lat.data,
            "lon": self.lon.data,
            "address": self.address.data,
            "photos": photo_bytes(self.photos),
        }


class FollowForm(BaseForm):
    digits = StringField(_l("Last four digits of your phone"))
    submit = SubmitField(_l("Show the progress"))


class ActionForm(BaseForm):
    """A one-button step (accept)."""

    submit = SubmitField(_l("Accept"))


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Give it back"))


class HandleForm(BaseForm):
    result = TextAreaField(_l("What was done"))
    minutes = IntegerField(_l("Minutes spent (volunteers)"), validators=[Optional()])
    photos = MultipleFileField(_l("Photos of the result"))
    submit = SubmitField(_l("Report the result"))


class RegisterForm(BaseForm):
    category_code = SelectField(_l("Category"))
    priority = SelectField(_l("Priority"), choices=PRIORITIES)
    submit = SubmitField(_l("Register the case"))


class RejectForm(BaseForm):
    reason = TextAreaField(_l("Reason"))
    duplicate_of = StringField(_l("Duplicate of (tracking number, optional)"))
    submit = SubmitField(_l("Reject the report"))


class DispatchForm(BaseForm):
    assignee = SelectField(_l("Give it to"), validate_choice=False)
    submit = SubmitField(_l("Dispatch"))

    def service_fields(self) -> dict:
        """`m:<id>` is a member, `d:<code>` a department, empty the category's own."""
        kind, _sep, value = (self.assignee.data or "").partition(":")
        if kind == "m":
            return {"assignee_id": int_or_none(value) or 0}
        if kind == "d":
            return {"department_code": value}
        return {}


class CloseForm(BaseForm):
    note = TextAreaField(_l("Note from the check on site"))
    credit_minutes = IntegerField(_l("Minutes to credit (volunteers)"), validators=[Optional()])
    submit = SubmitField(_l("Close the case"))


class FeedbackForm(BaseForm):
    rating = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Comment (optional)"), filters=[blank_none])
    submit = SubmitField(_l("Send the rating"))
