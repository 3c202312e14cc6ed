from marshmallow import Schema, validate

from . import fields
from .common import InputSchema


class OfferInput(InputSchema):
    community_id = fields.Integer(required=True, strict=True)
    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default=None, validate=validate.Length(max=2000))
    minutes = fields.Integer(required=True, strict=True, metadata={"description": "the price"})
    stock = fields.Integer(required=True, strict=True)
    until = fields.AwareDateTime(load_default=None, attribute="until_at")


class OfferPatchInput(InputSchema):
    """Only the fields sent change; `until: null` makes the offer open-ended."""

    title = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=2000))
    minutes = fields.Integer(strict=True, metadata={"description": "the price"})
    stock = fields.Integer(strict=True)
    until = fields.AwareDateTime(allow_none=True, attribute="until_at")


class OfferSchema(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    minutes = fields.Integer(attribute="price_minutes")
    stock = fields.Integer()
    until = fields.AwareDateTime(attribute="until_at", allow_none=True)
    created_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)


class OfferListArgs(Schema):
    community_id = fields.Integer(required=True)


class OfferListSchema(Schema):
    items = fields.List(fields.Nested(OfferSchema))


class RedemptionSchema(Schema):
    id = fields.Integer()
    offer_id = fields.Integer()
    member_id = fields.Integer()
    minutes = fields.Integer()
    entry_id = fields.Integer()
    status = fields.String(metadata={"description": "redeemed, handed_over or reversed"})
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    reverse_reason = fields.String(allow_none=True)
    reversal_entry_id = fields.Integer(allow_none=True)


class RedeemedSchema(Schema):
    """The `redemption` ledger entry, with the redemption it belongs to."""

    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    minutes = fields.Integer()
    reason = fields.String()
    created_at = fields.AwareDateTime()
    entry_hash = fields.String()
    redemption_id = fields.Integer()
    stock_left = fields.Integer()


class RedemptionListSchema(Schema):
    items = fields.List(fields.Nested(RedemptionSchema))


class RedemptionReverseInput(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(max=255))


class MinuteTransferInput(InputSchema):
    to_member_id = fields.Integer(required=True, strict=True)
    minutes = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True, validate=validate.Length(max=255))


class MinuteTransferSchema(Schema):
    id = fields.Integer()
    from_member_id = fields.Integer()
    to_member_id = fields.Integer()
    minutes = fields.Integer()
    reason = fields.String()
    out_entry_id = fields.Integer()
    in_entry_id = fields.Integer()
    created_at = fields.AwareDateTime()


class BreakdownSchema(Schema):
    balance_minutes = fields.Integer(attribute="balance")
    earned_minutes = fields.Integer(attribute="earned")
    used_minutes = fields.Integer(attribute="used")
    given_minutes = fields.Integer(attribute="given")
    received_minutes = fields.Integer(attribute="received")
    given_this_year_minutes = fields.Integer()
    transfer_cap_minutes = fields.Integer()
