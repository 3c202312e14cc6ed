"""Domain errors raised by services and mapped onto HTTP by blueprints/errors.

A service raises one of these with a machine code and a human message. `ValidationFailed`
carries `(field, reason)` pairs that views put on form fields and the API returns as
`fields`.
"""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base class: `code` is snake_case and stable, `message` is for people."""

    status = 422
    code = "rule_violation"
    default_message = _l("The request could not be carried out.")

    def __init__(self, code: str | None = None, message=None, *, field: str | None = None):
        self.code = code or self.code
        self.message = message or self.default_message
        #: The form field the error belongs to, if any (shown there rather than flashed).
        self.field = field
        super().__init__(code or self.code)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")


class RuleViolation(DomainError):
    status = 422
    code = "rule_violation"


class ValidationFailed(DomainError):
    """Invalid input: `errors` is a list of `(field, reason)` pairs."""

    status = 422
    code = "validation_failed"
    default_message = _l("Some fields are not valid.")

    def __init__(self, errors, code: str | None = None, message=None):
        self.errors = list(errors)
        super().__init__(code, message)

    @property
    def fields(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for field, reason in self.errors:
            out.setdefault(field, []).append(str(reason))
        return out


def check(errors: list, refused=()) -> None:
    """Raise ValidationFailed if any `(field, reason)` pairs were collected or refused.

    `refused` are the pairs the edge (a form's or an API schema's shape checks) refused
    already: the service still checks every field, so that one answer names every bad field
    (SPEC 3.7), and a field refused at the edge keeps only the edge's reasons.
    """
    refused = list(refused)
    seen = {field for field, _reason in refused}
    errors = refused + [(field, reason) for field, reason in errors if field not in seen]
    if errors:
        raise ValidationFailed(errors)
