"""Forms of the party pages: the member's self-assessment and acknowledgement."""

from wtforms import SelectMultipleField, TextAreaField, widgets
from wtforms.validators import Length, Optional

from ..forms_util import BaseForm


class SelfAssessmentForm(BaseForm):
    items = SelectMultipleField(
        choices=[],
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    note = TextAreaField(validators=[Optional(), Length(max=1000)])


class AcknowledgeForm(BaseForm):
    rectification = TextAreaField(validators=[Optional(), Length(max=1000)])
