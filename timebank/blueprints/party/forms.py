"""Forms of the party pages: the member's self-assessment and acknowledgement, the
secretary's review and finalising."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import Length, Optional

from ..forms_util import BaseForm, options


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


class FinaliseForm(BaseForm):
    """A one-button form (CSRF only)."""


DECISIONS = [("", "—"), ("confirm", _l("Confirm")), ("drop", _l("Drop"))]


def review_form(sheet):
    """The secretary's review form of one sheet: a decision and a reason per item
    (fields `d_<code>` and `r_<code>`)."""

    class ReviewForm(BaseForm):
        pass

    for item in sheet.items:
        setattr(ReviewForm, f"d_{item.code}", SelectField(choices=options(DECISIONS), default=""))
        setattr(
            ReviewForm,
            f"r_{item.code}",
            StringField(validators=[Optional(), Length(max=500)]),
        )
    return ReviewForm()


class BranchDecisionForm(BaseForm):
    """A secretary confirms a branch request, or refuses it with a reason."""

    reason = StringField(
        _l("Reason (required to refuse)"), validators=[Optional(), Length(max=255)]
    )


class CommentForm(BaseForm):
    """The organisation's comment on an annual sheet."""

    comment = TextAreaField(
        _l("The organisation's comment"), validators=[Optional(), Length(max=1000)]
    )
