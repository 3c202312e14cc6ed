"""Putting service errors onto forms (the flaskbb idea)."""

from flask import flash

from ..core.errors import DomainError, ValidationFailed


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


def error_text(exc: DomainError) -> str:
    """One line for a flash message."""
    if isinstance(exc, ValidationFailed):
        return " ".join(str(reason) for _field, reason in exc.errors)
    return str(exc.message)
