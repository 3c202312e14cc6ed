"""Putting service errors onto forms (the flaskbb idea)."""

from flask import flash
from wtforms import SelectChoice

from ..core.errors import Conflict, DomainError, RuleViolation, ValidationFailed
from ..extensions import db


def options(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """`(value, label)` pairs as select options, optionally inside one <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def apply_errors(form, exc: DomainError) -> None:
    """Attach `(field, reason)` pairs to the form's fields; anything else is flashed."""
    pairs = exc.errors if isinstance(exc, ValidationFailed) else [(exc.field, exc.message)]
    for field_name, reason in pairs:
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
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
