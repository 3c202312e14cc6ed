from marshmallow import Schema, ValidationError, validate

from ....shifts.board import Cursor
from ....shifts.models import ShiftKind
from . import fields
from .common import InputSchema

KINDS = [k.value for k in ShiftKind]


class CheckpointInput(InputSchema):
    name = fields.String(required=True, validate=validate.Length(max=120))
    community_id = fields.Integer(required=True, strict=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    radius_m = fields.Integer(load_default=200, strict=True)


class CheckpointSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()
    lat = fields.Float()
    lon = fields.Float()
    radius_m = fields.Integer()
    is_active = fields.Boolean()


class CheckpointListArgs(Schema):
    community_id = fields.Integer(required=True)


class CheckpointListSchema(Schema):
    items = fields.List(fields.Nested(CheckpointSchema))


class _ShiftCommon(InputSchema):
    title = fields.String(required=True, validate=validate.Length(max=120))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    community_id = fields.Integer(required=True, strict=True)
    checkpoint_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    capacity = fields.Integer(required=True, strict=True)
    skills = fields.List(fields.String(), load_default=list)
    description = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=2000)
    )
    walk_ins = fields.Boolean(load_default=None)
    counts_as_service = fields.Boolean(load_default=None)


class ShiftInput(_ShiftCommon):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class SeriesInput(_ShiftCommon):
    first_day = fields.Date(required=True)
    start_time = fields.Time(required=True, metadata={"description": "local time, Asia/Shanghai"})
    end_time = fields.Time(required=True)
    days = fields.Integer(required=True, strict=True)
    weekdays = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        metadata={"description": "0 = Monday … 6 = Sunday; empty = every day"},
    )


class ShiftUpdateInput(Schema):
    """PATCH loads it with partial=True: only the fields sent are loaded (and change)."""

    title = fields.String(required=True, validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(KINDS))
    counts_as_service = fields.Boolean()
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True, strict=True)
    checkpoint_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    skills = fields.List(fields.String(), load_default=list)
    description = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=2000)
    )
    walk_ins = fields.Boolean(load_default=None)


class ShiftSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    community_id = fields.Integer()
    community_name = fields.String(attribute="community.name")
    checkpoint_id = fields.Integer(allow_none=True)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer()
    confirmed_count = fields.Integer(attribute="taken")
    waitlist_count = fields.Integer()
    skills = fields.List(fields.String())
    description = fields.String(allow_none=True)
    walk_ins = fields.Boolean()
    counts_as_service = fields.Boolean()
    status = fields.String()
    cancel_reason = fields.String(allow_none=True)
    series_key = fields.String(allow_none=True)


def _is_cursor(text: str) -> None:
    try:
        Cursor.decode(text)
    except ValueError as exc:
        raise ValidationError("Not a cursor from next_cursor.") from exc


class ShiftListArgs(Schema):
    community_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()
    q = fields.String(
        validate=validate.Length(max=60),
        metadata={"description": "Text in the title, checkpoint or community name."},
    )
    after = fields.String(
        validate=_is_cursor,
        metadata={"description": "The next_cursor of the previous page."},
    )
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class ShiftListSchema(Schema):
    items = fields.List(fields.Nested(ShiftSchema))
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Pass as `after` for the next page; null on the last."},
    )


class CancelInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=255))


class SignupResultSchema(Schema):
    id = fields.Integer()
    shift_id = fields.Integer()
    status = fields.String()
    position = fields.Integer(allow_none=True)


class CancelResultSchema(Schema):
    status = fields.String()
    late = fields.Boolean()
    promoted_member_id = fields.Integer(allow_none=True)


class RosterRowSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    phone = fields.String(
        metadata={"description": "masked (138****1234) unless the viewer may see it (SPEC 3.6)"}
    )
    phone_visible = fields.Boolean()
    status = fields.String()
    queued_at = fields.AwareDateTime()
    is_walk_in = fields.Boolean()
    checked_in_at = fields.AwareDateTime(allow_none=True)
    checked_out_at = fields.AwareDateTime(allow_none=True)
    credited_minutes = fields.Integer(allow_none=True)
    check_in_method = fields.String(allow_none=True)
    check_out_method = fields.String(allow_none=True)
    offline = fields.Boolean(metadata={"description": "checked in or out by an offline scan"})
    outside_geofence_override = fields.Boolean()
    override_reason = fields.String(allow_none=True)


class RosterSchema(Schema):
    items = fields.List(fields.Nested(RosterRowSchema))


class MySignupSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    is_late_cancel = fields.Boolean()
    shift = fields.Nested(ShiftSchema)


class MySignupListSchema(Schema):
    items = fields.List(fields.Nested(MySignupSchema))


class MySignupArgs(Schema):
    past = fields.Boolean(load_default=False)


class SeriesUpdateInput(Schema):
    """PATCH of a series: only the fields sent change, on every shift still to come (from
    `from`, a local date, when sent). `start_time`/`end_time` are local daily times."""

    from_ = fields.Date(data_key="from", metadata={"description": "local date; default: all"})
    title = fields.String(validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(KINDS))
    counts_as_service = fields.Boolean()
    start_time = fields.Time(metadata={"description": "local time, Asia/Shanghai"})
    end_time = fields.Time(metadata={"description": "local; earlier than start: next day"})
    capacity = fields.Integer(strict=True)
    checkpoint_id = fields.Integer(allow_none=True, strict=True)
    skills = fields.List(fields.String())
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    walk_ins = fields.Boolean()


class SeriesCancelInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=255))
    from_ = fields.Date(data_key="from", metadata={"description": "local date; default: all"})


class SeriesResultSchema(Schema):
    items = fields.List(fields.Nested(ShiftSchema), metadata={"description": "shifts touched"})
    told = fields.Integer(metadata={"description": "members told (each once)"})
