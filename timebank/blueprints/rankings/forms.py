from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ...rankings.queries import MAX_LIMIT
from ..forms_util import SEARCHABLE, BaseForm, options
from ..members.forms import int_or_none

BY_CHOICES = [
    ("member", _l("Members")),
    ("community", _l("Communities")),
    ("town", _l("Towns")),
]
PERIOD_CHOICES = [
    ("week", _l("Week")),
    ("month", _l("Month")),
    ("quarter", _l("Quarter")),
    ("year", _l("Year")),
    ("all", _l("All time")),
]
#: "all" shows the first MAX_LIMIT rows on the page and every row in the exports.
LIMIT_CHOICES = [(str(n), str(n)) for n in (10, 20, 50, 100, 200, MAX_LIMIT)] + [("all", _l("All"))]


class RankingFilterForm(BaseForm):
    """The filters of a ranking (page and exports alike); read from the query string."""

    class Meta:
        csrf = False

    by = SelectField(_l("Rank by"), choices=options(BY_CHOICES), default="member")
    period = SelectField(_l("Period"), choices=options(PERIOD_CHOICES), default="month")
    unit_id = SelectField(
        _l("Within"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
    limit = SelectField(_l("Rows"), choices=options(LIMIT_CHOICES), default="50")
    on = DateField(_l("Period containing"), validators=[Optional()])

    @property
    def row_limit(self) -> int | None:
        """The number of rows asked for; None for all."""
        return None if self.limit.data == "all" else int(self.limit.data)
