"""Putting service errors onto forms (the flaskbb idea)."""

from datetime import date

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ..core.errors import Conflict, DomainError, RuleViolation, ValidationFailed
from ..core.validation import (
    DAY_OUT_OF_RANGE,
    FORBIDDEN_TEXT,
    day_in_range,
    has_forbidden_text,
    without_forbidden_text,
)
from ..extensions import db


class BaseForm(FlaskForm):
    """The base of every form: hostile input is refused at its field, once for all forms.

    Text with NUL (a form post can carry %00) or a lone surrogate, and a date outside the
    app's calendar, get an error at the field (SPEC 3.7). The value is also taken out of the
    field as soon as the form reads the request, so a form that is only read (a filter)
    never passes it on, and the page shown again cannot fail to encode it.
    """

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        self.hostile = {}
        for field in self:
            reason = _neutralise(field)
            if reason is not None:
                self.hostile[field.name] = reason

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, reason in self.hostile.items():
            self[name].errors = [*self[name].errors, str(reason)]
        return valid and not self.hostile


def _neutralise(field):
    """Clean a field of hostile input; the reason to show at the field, or None."""
    if isinstance(field.data, date) and not day_in_range(field.data):
        field.data = None
        return DAY_OUT_OF_RANGE
    data = field.data if isinstance(field.data, list) else [field.data]
    if not any(_hostile(v) for v in [*data, *(field.raw_data or [])]):
        return None
    field.raw_data = [_clean(v) for v in field.raw_data or []]
    field.data = (
        [_clean(v) for v in field.data] if isinstance(field.data, list) else _clean(field.data)
    )
    return FORBIDDEN_TEXT


def _hostile(value) -> bool:
    return isinstance(value, str) and has_forbidden_text(value)


def _clean(value):
    return without_forbidden_text(value) if isinstance(value, str) else value


def options(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """`(value, label)` pairs as select options, optionally inside one <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def submitted(form):
    """Validate a posted form: its own `(field, reason)` refusals, or None when not posted.

    The view passes them to the service as `refused` and calls it even when the form refused
    fields: the service checks every field and answers with both kinds at once, before it
    changes anything, so the page shows every field's error in one round (SPEC 3.7).
    """
    if not form.is_submitted():
        return None
    form.validate()
    return [
        (name, str(reason))
        for name, reasons in form.errors.items()
        for reason in reasons
        if not isinstance(reason, (dict, list))
    ]


def apply_errors(form, exc: DomainError) -> None:
    """Attach `(field, reason)` pairs to the form's fields; anything else is flashed."""
    pairs = exc.errors if isinstance(exc, ValidationFailed) else [(exc.field, exc.message)]
    for field_name, reason in pairs:
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            if str(reason) not in field.errors:  # the form's own, passed to the service
                field.errors.append(str(reason))
        else:
            flash(str(reason), "danger")


def perform(action, success_message) -> bool:
    """Run a one-button action: commit and flash success, or roll back and flash why not.

    Refusals of rules (conflicts, validation) are shown to the user; NotAllowed and NotFound
    propagate to the error pages.
    """
    try:
        action()
    except (Conflict, RuleViolation, ValidationFailed) as exc:
        db.session.rollback()
        flash(error_text(exc), "danger")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


def error_text(exc: DomainError) -> str:
    """One line for a flash message."""
    if isinstance(exc, ValidationFailed):
        return " ".join(str(reason) for _field, reason in exc.errors)
    return str(exc.message)


#: render_kw of a long select (communities, units): js/app.js puts a search box above it.
SEARCHABLE = {"data-searchable": _l("Type to narrow the list")}
