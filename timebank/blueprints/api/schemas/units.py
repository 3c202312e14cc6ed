from marshmallow import Schema, validate

from ....units.models import LEVEL_ORDER
from . import fields
from .common import InputSchema

LEVELS = [lv.value for lv in LEVEL_ORDER]


class UnitQueryArgs(Schema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer()


class UnitInput(InputSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=120))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(allow_none=True, strict=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class UnitUpdateInput(InputSchema):
    """PATCH: any of these fields; only those sent change (SPEC 3.9). Null `lat` and `lon`
    remove the centre; null `name_en` removes the English name."""

    code = fields.String(validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=120))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=120))
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class UnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema))
