from marshmallow import Schema, ValidationError, validate, validates_schema

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
    role = fields.String(
        required=True, validate=validate.OneOf([r.value for r in ROLE_ORDER] + ["secretary"])
    )
    #: Required for the unit roles; the `secretary` role takes `party_org_id` instead.
    unit_id = fields.Integer(strict=True)
    party_org_id = fields.Integer(strict=True)

    @validates_schema
    def _scope_given(self, data, **kwargs):
        wanted = "party_org_id" if data.get("role") == "secretary" else "unit_id"
        if data.get(wanted) is None:
            raise ValidationError("Missing data for required field.", wanted)


class RoleSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    role = fields.String()
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.Function(lambda ra: ra.unit.name if ra.unit else None, allow_none=True)
    party_org_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class RoleListSchema(Schema):
    items = fields.List(fields.Nested(RoleSchema))
