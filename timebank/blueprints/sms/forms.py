from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..forms_util import BaseForm


class ResolveForm(BaseForm):
    """Mark an unclear text dealt with, saying what was done (optional)."""

    note = StringField(_l("What you did"), validators=[Optional(), Length(max=255)])
