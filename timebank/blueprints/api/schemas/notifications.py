from marshmallow import Schema, validate

from . import fields


class NotificationListArgs(Schema):
    unread = fields.Boolean(
        load_default=False, metadata={"description": "Only notifications not read yet."}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class NotificationSchema(Schema):
    """An inbox entry, rendered in the language of the request (Accept-Language)."""

    id = fields.Integer()
    kind = fields.String(metadata={"example": "shift_cancelled"})
    title = fields.String()
    body = fields.String()
    link = fields.String(
        allow_none=True, metadata={"description": "A path in the web app, e.g. /shifts/12."}
    )
    urgent = fields.Boolean(attribute="is_urgent")
    read_at = fields.AwareDateTime(allow_none=True, metadata={"description": "null: unread."})
    created_at = fields.AwareDateTime()


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer(metadata={"description": "How many match the filter."})
    unread_count = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ReadAllSchema(Schema):
    marked = fields.Integer(metadata={"description": "How many were unread until now."})
    unread_count = fields.Integer()
