from marshmallow import Schema, validate

from ....auth.models import ROLE_ORDER
from . import fields


class TokenInput(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=20))
    password = fields.String(required=True, validate=validate.Length(max=128), load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    member_id = fields.Integer(required=True)
    expires_at = fields.AwareDateTime(required=True)


class ResetCodeInput(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=40))


class ResetInput(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=40))
    code = fields.String(required=True, validate=validate.Length(max=32), load_only=True)
    password = fields.String(required=True, validate=validate.Length(max=128), load_only=True)


class PasswordInput(Schema):
    current = fields.String(required=True, validate=validate.Length(max=128))
    new = fields.String(required=True, validate=validate.Length(max=128))


class RoleInput(Schema):
    member_id = fields.Integer(required=True, strict=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in ROLE_ORDER]))
    unit_id = fields.Integer(required=True, strict=True)


class RoleSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    role = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String(attribute="unit.name")
    created_at = fields.AwareDateTime()


class RoleListSchema(Schema):
    items = fields.List(fields.Nested(RoleSchema))
