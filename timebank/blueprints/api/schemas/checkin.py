from marshmallow import Schema, validate

from ....checkin.services import Result
from . import fields
from .common import InputSchema

#: A scan's outcome as an HTTP status: the API and the scanner page answer the same.
SCAN_STATUS = {Result.APPLIED: 201, Result.REPLAYED: 200, Result.REFUSED: 422}


class QrSchema(Schema):
    payload = fields.String()
    expires_at = fields.AwareDateTime()
    rotate_s = fields.Integer()


class ScanInput(Schema):
    shift_id = fields.Integer(required=True, strict=True)
    qr_payload = fields.String(required=True, validate=validate.Length(max=200))
    scan_id = fields.String(
        required=True,
        validate=validate.Length(max=36),
        metadata={"description": "a UUID made by the scanner per scan"},
    )
    scanned_at = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "when the code was scanned (default: on arrival). A time later "
            "than the arrival is taken as the arrival. A scan dated more than two QR "
            "windows (2 × QR_ROTATE_S) before it arrives is accepted only as an offline "
            "scan (`offline`, `offline_since`), up to 24 hours late; otherwise qr_expired"
        },
    )
    lat = fields.Float(allow_none=True, load_default=None)
    lon = fields.Float(allow_none=True, load_default=None)
    override_reason = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=255),
        metadata={"description": "why a scan outside the checkpoint's geofence is recorded"},
    )
    offline = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true only for a scan the scanner kept while it had no network "
            "and sends late (its offline queue); scans sent live leave it out"
        },
    )
    offline_since = fields.AwareDateTime(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "with `offline`: when the scanner lost the network; the scan "
            "is accepted only with offline_since ≤ scanned_at ≤ its arrival, and its "
            "attendance is flagged `offline` for the coordinator's review"
        },
    )


class ScanMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ScanResultSchema(Schema):
    action = fields.String(validate=validate.OneOf(["check_in", "check_out", "duplicate"]))
    member = fields.Nested(ScanMemberSchema)
    attendance_id = fields.Integer()
    checked_in_at = fields.String()
    checked_out_at = fields.String(allow_none=True)
    credited_minutes = fields.Integer(allow_none=True)


class EntrySchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    minutes = fields.Integer()
    reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    shift_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    reversed = fields.Boolean()
    entry_hash = fields.String()


class LedgerSchema(Schema):
    member_id = fields.Integer()
    balance_minutes = fields.Integer()
    entries = fields.List(fields.Nested(EntrySchema))


class AdjustmentInput(Schema):
    member_id = fields.Integer(required=True, strict=True)
    minutes = fields.Integer(required=True, strict=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=255))
    shift_id = fields.Integer(allow_none=True, load_default=None, strict=True)


class ReverseInput(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=255))


class VerifySchema(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    first_bad_entry_id = fields.Integer(allow_none=True)
    head_hash = fields.String()
    problem = fields.String(allow_none=True)


class CorrectionInput(InputSchema):
    shift_id = fields.Integer(required=True, strict=True)
    claimed_in = fields.AwareDateTime(required=True)
    claimed_out = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(max=500))


class DecideInput(InputSchema):
    approve = fields.Boolean(required=True)
    minutes = fields.Integer(allow_none=True, load_default=None, strict=True)
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))


class CorrectionSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    shift_id = fields.Integer()
    claimed_in = fields.AwareDateTime()
    claimed_out = fields.AwareDateTime()
    reason = fields.String()
    status = fields.String()
    decision_reason = fields.String(allow_none=True)
    entry_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class CorrectionListSchema(Schema):
    items = fields.List(fields.Nested(CorrectionSchema))


class AttendanceInput(Schema):
    shift_id = fields.Integer(required=True, strict=True)
    member_id = fields.Integer(required=True, strict=True)
    checked_in_at = fields.AwareDateTime(required=True)
    checked_out_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(max=255))


class ReviewInput(Schema):
    confirm = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=255))


class AttendanceSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    shift_id = fields.Integer()
    checked_in_at = fields.AwareDateTime()
    checked_out_at = fields.AwareDateTime(allow_none=True)
    check_in_method = fields.String()
    check_out_method = fields.String(allow_none=True)
    checked_in_by = fields.Nested(ScanMemberSchema, allow_none=True)
    checked_out_by = fields.Nested(ScanMemberSchema, allow_none=True)
    auto_closed = fields.Boolean()
    offline = fields.Boolean(
        metadata={"description": "checked in or out by an offline scan (see the methods)"}
    )
    outside_geofence_override = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    credited_minutes = fields.Integer(allow_none=True)
    review = fields.String(allow_none=True)


class AttendanceListSchema(Schema):
    items = fields.List(fields.Nested(AttendanceSchema))
