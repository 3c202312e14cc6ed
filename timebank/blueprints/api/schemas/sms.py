"""Schemas of the SMS gateway's posts (SPEC 9)."""

from marshmallow import Schema, validate

from ....sms.models import TEXT_MAX
from . import fields


class InboundInput(Schema):
    """A text a member or resident sent, as the gateway posts it."""

    phone = fields.String(data_key="from", required=True, validate=validate.Length(min=1, max=32))
    text = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))
    received_at = fields.AwareDateTime(allow_none=True, load_default=None)


class AppliedSchema(Schema):
    code = fields.String(metadata={"description": "The answer as read, e.g. A1."})
    subject_type = fields.String(metadata={"description": "callout or event"})
    subject_id = fields.Integer()
    action = fields.String(metadata={"description": "accepted, declined, rated_1 … rated_5"})


class InboundSchema(Schema):
    id = fields.Integer(metadata={"description": "The stored inbound text."})
    outcome = fields.String()
    applied = fields.List(
        fields.Nested(AppliedSchema),
        allow_none=True,
        metadata={"description": "What the text did; null when it changed nothing."},
    )
    reply = fields.String(metadata={"description": "The text to send back to the sender."})


class DeliveryReportInput(Schema):
    """What the gateway says became of one text it sent (`message_id`: its reference)."""

    message_id = fields.Integer(required=True, strict=True)
    status = fields.String(required=True, validate=validate.OneOf(["delivered", "failed"]))
    error = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
