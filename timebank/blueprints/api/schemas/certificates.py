from marshmallow import Schema, validate

from . import fields
from .common import InputSchema


class IssueInput(InputSchema):
    member_id = fields.Integer(
        load_default=None, metadata={"description": "default: the caller (self-service)"}
    )
    from_on = fields.Date(required=True, data_key="from")
    to_on = fields.Date(required=True, data_key="to")


class CertificateEntrySchema(Schema):
    id = fields.Integer(metadata={"description": "the ledger entry"})
    date = fields.String()
    title = fields.String(metadata={"description": "the shift, or the event's number"})
    unit = fields.String(metadata={"description": "the organising unit"})
    minutes = fields.Integer()


class CertificateSummarySchema(Schema):
    serial = fields.String(metadata={"example": "NSTB-2026-000123"})
    member_id = fields.Integer()
    name = fields.String(attribute="member_name")
    phone_masked = fields.String()
    minutes = fields.Integer()
    from_on = fields.Date(data_key="from")
    to_on = fields.Date(data_key="to")
    issuer = fields.String(attribute="issuer_name")
    issuer_unit_id = fields.Integer()
    issued_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    signature = fields.String()
    verify_url = fields.String()
    pdf_url = fields.String()


class CertificateSchema(CertificateSummarySchema):
    entries = fields.List(fields.Nested(CertificateEntrySchema))


class CertificateListSchema(Schema):
    items = fields.List(fields.Nested(CertificateSummarySchema))


class VerifyArgs(Schema):
    sig = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "the signature the QR code's address carries"},
    )


class VerdictSchema(Schema):
    serial = fields.String()
    valid = fields.Boolean(metadata={"description": "the signature matches the contents"})
    revoked = fields.Boolean()
    revoked_at = fields.AwareDateTime(allow_none=True)
    name = fields.String(allow_none=True, metadata={"description": "masked (王*明)"})
    minutes = fields.Integer(allow_none=True)
    from_on = fields.Date(data_key="from", allow_none=True)
    to_on = fields.Date(data_key="to", allow_none=True)
    issuer = fields.String(allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    changed_since_issue = fields.Boolean(
        metadata={"description": "entries in the period were reversed after issue"}
    )
    entries_sha256 = fields.String(allow_none=True)


class RevokeInput(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(max=255))


class PublicKeySchema(Schema):
    algorithm = fields.String(metadata={"example": "Ed25519"})
    public_key = fields.String(metadata={"description": "raw 32 bytes, base64url"})
    pem = fields.String()
    message_format = fields.String()


class RecordsArgs(InputSchema):
    """A records export's period and file format."""

    from_on = fields.Date(required=True, data_key="from", metadata={"example": "2026-06-01"})
    to_on = fields.Date(required=True, data_key="to", metadata={"example": "2026-06-30"})
    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(["csv", "xlsx"]),
        metadata={"description": "csv (UTF-8 with a BOM) or xlsx"},
    )
