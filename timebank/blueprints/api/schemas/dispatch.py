"""Shapes of the dispatch platform's API (SPEC 6). The services check every rule; these
schemas check types and bounds (the project field types refuse what cannot be stored)."""

from marshmallow import Schema, validate

from ....dispatch.models import SOURCES, Status
from ....dispatch.stats import BYS
from . import fields

STATUSES = [s.value for s in Status]


def text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


def identifier(*, strict: bool = True, **kw) -> fields.Integer:
    """A database id; query strings (`strict=False`) carry it as text."""
    return fields.Integer(strict=strict, validate=validate.Range(1, None), **kw)


class DepartmentInput(Schema):
    code = text(20, required=True)
    name = text(120, required=True)
    name_en = text(120, allow_none=True)


class DepartmentSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class HandlerInput(Schema):
    member_id = identifier(required=True)


class HandlerSchema(Schema):
    id = fields.Integer()
    department_code = fields.String(attribute="department.code")
    member_id = fields.Integer()


class CategoryInput(Schema):
    code = text(40, required=True)
    name = text(120, required=True)
    name_en = text(120, allow_none=True)
    class_name = text(40, allow_none=True)
    department_code = text(20, allow_none=True)
    accept_within_min = fields.Integer(strict=True, validate=validate.Range(1, 10080))
    handle_within_h = fields.Integer(strict=True, validate=validate.Range(1, 8760))
    volunteer_ok = fields.Boolean()


class CategorySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    class_name = fields.String(allow_none=True)
    department_code = fields.Function(
        lambda c: c.department.code if c.department else None, allow_none=True
    )
    accept_within_min = fields.Integer()
    handle_within_h = fields.Integer()
    volunteer_ok = fields.Boolean()


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema))


class EventInput(Schema):
    category_code = text(40, required=True)
    description = text(2000, required=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    grid_id = identifier(allow_none=True)
    address = text(255, allow_none=True)
    priority = fields.String(validate=validate.OneOf(["normal", "urgent"]))
    source = fields.String(validate=validate.OneOf(SOURCES))
    reporter_name = text(60, allow_none=True, metadata={"description": "hotline and resident"})
    reporter_phone = text(20, allow_none=True)


class EventCreatedSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    grid_id = fields.Integer(attribute="unit_id")


class EventListArgs(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    category_code = text(40)
    unit_id = identifier(strict=False)
    overdue = fields.Boolean()
    assigned_to_me = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    before_id = identifier(strict=False)


class EventItemSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    category_code = fields.String(attribute="category.code")
    grid_id = fields.Integer(attribute="unit_id")
    priority = fields.String()
    reported_at = fields.AwareDateTime()
    handle_due_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean()


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventItemSchema))


class AssigneeSchema(Schema):
    kind = fields.String()
    id = fields.Integer()


class ReporterSchema(Schema):
    member_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked unless allowed"})


class UnitRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class StepSchema(Schema):
    at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class EventSchema(EventItemSchema):
    source = fields.String()
    description = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String(allow_none=True)
    community_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    reporter = fields.Nested(ReporterSchema)
    assignee = fields.Nested(AssigneeSchema, allow_none=True)
    dispatched_at = fields.AwareDateTime(allow_none=True)
    accept_due_at = fields.AwareDateTime(allow_none=True)
    handled_at = fields.AwareDateTime(allow_none=True)
    feedback_due_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    escalated_to = fields.Nested(UnitRefSchema, allow_none=True)
    result = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    reopened = fields.Boolean()
    credit_minutes = fields.Integer(allow_none=True)
    credit_entry_id = fields.Integer(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    duplicate_of = fields.Integer(attribute="duplicate_of_id", allow_none=True)
    timeline = fields.List(fields.Nested(StepSchema))


class RegisterInput(Schema):
    category_code = text(40)
    priority = fields.String(validate=validate.OneOf(["normal", "urgent"]))


class RejectInput(Schema):
    reason = text(255)
    duplicate_of = identifier(allow_none=True)


class DispatchInput(Schema):
    assignee_id = identifier(allow_none=True)
    department_code = text(20, allow_none=True)
    handle_due_at = fields.AwareDateTime(allow_none=True)


class ReturnInput(Schema):
    reason = text(255)


class HandleInput(Schema):
    result = text(2000)
    minutes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, None))


class FeedbackInput(Schema):
    rating = fields.Integer(strict=True, required=True, validate=validate.Range(1, 5))
    comment = text(500, allow_none=True)


class CloseInput(Schema):
    note = text(500)
    credit_minutes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, None))


class StatsArgs(Schema):
    unit_id = identifier(strict=False)
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    by = fields.String(validate=validate.OneOf(BYS))


class FiguresSchema(Schema):
    reported = fields.Integer()
    rejected = fields.Integer()
    closed = fields.Integer()
    closure_rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    median_handle_min = fields.Integer(allow_none=True)
    overdue_open = fields.Integer()


class FiguresItemSchema(FiguresSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class StatsSchema(Schema):
    totals = fields.Nested(FiguresSchema)
    items = fields.List(fields.Nested(FiguresItemSchema))
