"""Shapes shared by every API schema."""

from collections.abc import Mapping

from marshmallow import Schema, ValidationError

from ...errors import flatten_messages
from . import fields


class InputSchema(Schema):
    """The body of a call whose service checks its fields: one answer names every bad field.

    A field this schema refuses (its type, length, choices) does not stop the call: `load`
    returns the fields that passed, None for each refused one, and the refusals as
    `(field, reason)` pairs under `refused`, which the handler passes to the service. The
    service checks every field too and raises ValidationFailed with both kinds at once,
    before it changes anything (`core.errors.check(errors, refused)`), so a shape error and
    a rule error on two fields come back in the same 422 (SPEC 3.7).
    """

    def load(self, data, *, many=None, partial=None, unknown=None):
        try:
            result = super().load(data, many=many, partial=partial, unknown=unknown)
        except ValidationError as exc:
            if many or not isinstance(data, Mapping) or not isinstance(exc.messages, dict):
                raise
            result = dict(exc.valid_data or {})
            names = {field.data_key or name: name for name, field in self.load_fields.items()}
            for key in exc.messages:
                if key in names:
                    field = self.load_fields[names[key]]
                    result.setdefault(field.attribute or names[key], None)
            result["refused"] = [
                (field, reason)
                for field, reasons in flatten_messages(exc.messages).items()
                for reason in reasons
            ]
            return result
        return {**result, "refused": []}


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    """The one error body of the API (SPEC section 4)."""

    error = fields.Nested(ErrorDetail, required=True)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=lambda n: n >= 1)
    per_page = fields.Integer(load_default=50, validate=lambda n: 1 <= n <= 500)
