from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_util import BaseForm


class IssueForm(BaseForm):
    """The period of a certificate (Asia/Shanghai days)."""

    from_on = DateField(_l("From"), validators=[DataRequired(message=_l("Give a date."))])
    to_on = DateField(_l("To"), validators=[DataRequired(message=_l("Give a date."))])
    submit = SubmitField(_l("Issue the certificate"))


class RevokeForm(BaseForm):
    reason = StringField(
        _l("Reason for revoking"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=255)],
    )
    submit = SubmitField(_l("Revoke"))


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    serial = StringField(_l("Serial"), validators=[Optional(), Length(max=20)])


class IssueForMemberForm(BaseForm):
    """A coordinator's certificate for a member found by mobile number."""

    phone = StringField(
        _l("Mobile number"),
        validators=[DataRequired(message=_l("Enter a mobile phone number.")), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "placeholder": "13812345678"},
    )
    from_on = DateField(_l("From"), validators=[DataRequired(message=_l("Give a date."))])
    to_on = DateField(_l("To"), validators=[DataRequired(message=_l("Give a date."))])
    submit = SubmitField(_l("Issue the certificate"))
