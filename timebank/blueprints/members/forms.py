from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from ...members.skills import SKILLS
from ..forms_util import SEARCHABLE, BaseForm, options


def int_or_none(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


def id_or_none(value):
    """A row id from a select: None for the empty choice and for anything no id can be."""
    number = int_or_none(value)
    return number if number is not None and 0 < number < 2**31 else None


def _branch_field():
    return SelectField(
        _l("Party branch"),
        coerce=id_or_none,
        validate_choice=False,
        render_kw=SEARCHABLE,
        description=_l("The branch you belong to; its secretary confirms it."),
    )


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _skills_field():
    return MultiCheckboxField(_l("Skills"), choices=options(SKILLS.items()), validate_choice=True)


class _ProfileFields(BaseForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=60)], render_kw={"autocomplete": "name"}
    )
    is_party_member = BooleanField(_l("I am a Communist Party member"), default=True)
    skills = _skills_field()
    workplace = StringField(_l("Workplace"), validators=[Optional(), Length(max=120)])
    email = StringField(
        _l("E-mail (optional)"),
        validators=[Optional(), Length(max=255)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    home_lat = DecimalField(
        _l("Home latitude"),
        places=None,
        validators=[Optional(), NumberRange(-90, 90)],
        render_kw={"inputmode": "decimal", "step": "any"},
    )
    home_lon = DecimalField(
        _l("Home longitude"),
        places=None,
        validators=[Optional(), NumberRange(-180, 180)],
        render_kw={"inputmode": "decimal", "step": "any"},
    )


class RegisterForm(_ProfileFields):
    phone = StringField(
        _l("Mobile number"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    community_id = SelectField(
        _l("Community you report to"),
        coerce=int_or_none,
        validators=[DataRequired()],
        render_kw=SEARCHABLE,
        validate_choice=False,
    )
    party_org_id = _branch_field()
    submit = SubmitField(_l("Register"))


class ProfileForm(_ProfileFields):
    grid_id = SelectField(_l("Grid"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Save"))


class BranchForm(BaseForm):
    """A party member names their branch on their profile."""

    party_org_id = _branch_field()
    submit = SubmitField(_l("Ask the secretary to confirm"))


class TransferForm(BaseForm):
    to_community_id = SelectField(
        _l("New community"),
        coerce=int_or_none,
        validators=[DataRequired()],
        validate_choice=False,
        render_kw=SEARCHABLE,
    )
    note = TextAreaField(_l("Note for the coordinator"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Ask to transfer"))


class ReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
    submit = SubmitField(_l("Confirm"))


class DecisionForm(BaseForm):
    reason = StringField(
        _l("Reason (required to reject)"), validators=[Optional(), Length(max=255)]
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for one-button actions."""

    submit = SubmitField(_l("Confirm"))


class MemberFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or phone"), validators=[Optional(), Length(max=40)])
    status = SelectField(_l("Status"), validate_choice=False)
    community_id = SelectField(
        _l("Community"), coerce=int_or_none, validate_choice=False, render_kw=SEARCHABLE
    )
