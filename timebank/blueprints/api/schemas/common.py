"""Shapes shared by every API schema."""

from marshmallow import Schema

from . import fields


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
