from marshmallow import Schema, post_load, validate

from ....members.models import MemberStatus
from ....members.skills import SKILLS
from . import fields
from .auth import RoleSchema
from .common import InputSchema

SKILL_TAGS = list(SKILLS)


class _ProfileInput(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    is_party_member = fields.Boolean(load_default=True)
    skills = fields.List(fields.String(validate=validate.OneOf(SKILL_TAGS)), load_default=list)
    home_lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-90, 90))
    home_lon = fields.Float(allow_none=True, load_default=None, validate=validate.Range(-180, 180))
    workplace = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))
    email = fields.String(
        allow_none=True,
        validate=validate.Length(max=255),
        metadata={
            "description": "Optional; notices are then also e-mailed. "
            "Left out: unchanged; empty or null: removed."
        },
    )

    @post_load
    def _null_email_removes_it(self, data, **kwargs):
        if "email" in data and data["email"] is None:
            data["email"] = ""
        return data


class MemberInput(_ProfileInput):
    phone = fields.String(required=True, validate=validate.Length(max=20))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    community_id = fields.Integer(required=True, strict=True)
    grid_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    locale = fields.String(load_default="zh_CN", validate=validate.OneOf(["zh_CN", "en"]))


class ProfileInput(InputSchema):
    """PATCH: any of these fields; only those sent change (SPEC 3.9). Null clears
    `workplace`, `grid_id` and `email`; null `home_lat` and `home_lon` put the home back at
    the community's centre."""

    name = fields.String(validate=validate.Length(min=1, max=60))
    email = fields.String(allow_none=True, validate=validate.Length(max=255))
    is_party_member = fields.Boolean()
    skills = fields.List(fields.String(validate=validate.OneOf(SKILL_TAGS)))
    home_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    home_lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    workplace = fields.String(allow_none=True, validate=validate.Length(max=120))
    grid_id = fields.Integer(allow_none=True, strict=True)
    locale = fields.String(validate=validate.OneOf(["zh_CN", "en"]))


class MemberCreatedSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    community_id = fields.Integer()


class MemberSchema(Schema):
    """A profile. `phone` is masked unless the viewer is the member or a coordinator in
    scope."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    is_party_member = fields.Boolean()
    skills = fields.List(fields.String())
    home_lat = fields.Float(allow_none=True)
    home_lon = fields.Float(allow_none=True)
    workplace = fields.String(allow_none=True)
    email = fields.String(
        allow_none=True,
        metadata={"description": "Shown to the member and coordinators in scope only."},
    )
    community_id = fields.Integer()
    community_name = fields.String()
    grid_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf([s.value for s in MemberStatus]))
    locale = fields.String()
    created_at = fields.AwareDateTime()
    approved_at = fields.AwareDateTime(allow_none=True)
    roles = fields.List(fields.Nested(RoleSchema))
    balance_minutes = fields.Integer()


class MemberListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in MemberStatus]))
    community_id = fields.Integer()
    q = fields.String(validate=validate.Length(max=40))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class MemberListSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema))
    total = fields.Integer()
    page = fields.Integer()


class ReasonInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=255))


class TransferInput(Schema):
    to_community_id = fields.Integer(required=True, strict=True)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))


class DecisionInput(Schema):
    approve = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))


class TransferSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    from_community_id = fields.Integer()
    to_community_id = fields.Integer()
    status = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class TransferListSchema(Schema):
    items = fields.List(fields.Nested(TransferSchema))
