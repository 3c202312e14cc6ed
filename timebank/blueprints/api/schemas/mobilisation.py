from marshmallow import Schema, validate

from ....mobilisation.models import CalloutKind
from . import fields
from .common import InputSchema

KINDS = [k.value for k in CalloutKind]


class CalloutInput(InputSchema):
    unit_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(max=120))
    description = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=2000)
    )
    lat = fields.Float(allow_none=True, load_default=None)
    lon = fields.Float(allow_none=True, load_default=None)
    checkpoint_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    community_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    radius_km = fields.Float(required=True)
    needed = fields.Integer(required=True, strict=True)
    team_size = fields.Integer(load_default=1, strict=True)
    skills = fields.List(fields.String(), load_default=list)
    party_only = fields.Boolean(load_default=False)
    respond_within_s = fields.Integer(load_default=300, strict=True)
    starts_at = fields.AwareDateTime(allow_none=True, load_default=None)
    ends_at = fields.AwareDateTime(allow_none=True, load_default=None)


class TeamSchema(Schema):
    number = fields.Integer()
    leader_id = fields.Integer()
    member_ids = fields.List(fields.Integer())


class CalloutSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    radius_km = fields.Float()
    needed = fields.Integer()
    team_size = fields.Integer()
    skills = fields.List(fields.String())
    party_only = fields.Boolean()
    respond_within_s = fields.Integer()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    filled_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    close_reason = fields.String(allow_none=True)
    checkpoint_id = fields.Integer(allow_none=True)
    place_unit_id = fields.Integer(allow_none=True)
    shift_id = fields.Integer(allow_none=True)
    waves = fields.Integer()
    invited = fields.Integer()
    accepted = fields.Integer()
    declined = fields.Integer()
    pending = fields.Integer()
    expired = fields.Integer()
    not_needed = fields.Integer()
    shortfall = fields.Integer()
    seconds_to_fill = fields.Integer(allow_none=True)
    teams = fields.List(fields.Nested(TeamSchema))


class InvitationSchema(Schema):
    id = fields.Integer()
    callout_id = fields.Integer()
    title = fields.String(attribute="callout.title")
    kind = fields.String(attribute="callout.kind")
    status = fields.String()
    wave = fields.Integer()
    distance_m = fields.Integer()
    sent_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)
    team_number = fields.Integer(allow_none=True)
    is_leader = fields.Boolean()


class InvitationListArgs(Schema):
    status = fields.String(
        validate=validate.OneOf(["pending", "accepted", "declined", "expired", "not_needed"])
    )


class InvitationListSchema(Schema):
    items = fields.List(fields.Nested(InvitationSchema))


class ResponseInput(Schema):
    answer = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))


class StandDownInput(InputSchema):
    """Why the call-out is stood down (the service says it is required: 422 without)."""

    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))
