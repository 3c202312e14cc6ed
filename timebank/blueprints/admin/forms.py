from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...auth.models import ROLE_ORDER
from ..forms_util import SEARCHABLE, BaseForm, options
from ..members.forms import int_or_none


class GrantRoleForm(BaseForm):
    phone = StringField(
        _l("Member's mobile number"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "tel"},
    )
    role = SelectField(_l("Role"), choices=options((r.value, r.label) for r in ROLE_ORDER))
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=False, render_kw=SEARCHABLE)
    submit = SubmitField(_l("Grant role"))


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    day_from = DateField(_l("From"), validators=[Optional()])
    day_to = DateField(_l("To"), validators=[Optional()])
    person = StringField(
        _l("Person (name or mobile number)"), validators=[Optional(), Length(max=40)]
    )
    unit_id = SelectField(
        _l("Unit"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
    action = SelectField(_l("What happened"), validate_choice=False)

    def validate_day_to(self, field):
        if field.data and self.day_from.data and field.data < self.day_from.data:
            raise ValidationError(_l("The end comes before the start."))
