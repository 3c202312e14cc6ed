from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms_util import BaseForm


class OfferForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    minutes = IntegerField(_l("Price in minutes"), validators=[InputRequired()])
    stock = IntegerField(_l("Stock"), validators=[InputRequired()])
    submit = SubmitField(_l("Publish the offer"))


class TransferForm(BaseForm):
    to_member_id = IntegerField(
        _l("Member number of the family member"), validators=[InputRequired()]
    )
    minutes = IntegerField(_l("Minutes"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
    #: Set by the confirmation page: the first post only shows what will happen.
    confirmed = HiddenField()
    submit = SubmitField(_l("Continue"))


class ReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])


class EmptyForm(BaseForm):
    """A button that posts (CSRF only)."""
