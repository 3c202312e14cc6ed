from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ...auth.models import ROLE_ORDER
from ..forms_util import BaseForm, options


class GrantRoleForm(BaseForm):
    phone = StringField(
        _l("Member's mobile number"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "tel"},
    )
    role = SelectField(_l("Role"), choices=options((r.value, r.label) for r in ROLE_ORDER))
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Grant role"))


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
