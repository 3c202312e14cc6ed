"""API: the audit log."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from ...audit.queries import numbered_page
from ...auth.models import Role
from .access import auth_required
from .schemas import fields

bp = Blueprint(
    "api_audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Who did what privileged thing, when, to what.",
)


class AuditArgs(Schema):
    action = fields.String(validate=validate.Length(max=40))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    created_at = fields.AwareDateTime()


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()


@bp.route("", methods=["GET"])
@auth_required(bp, 403, 422, role=Role.ORGANISER)
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditListSchema)
def list_audit(args):
    """The audit log of the organiser's scope, newest first."""
    entries, total = numbered_page(g.actor, action=args.get("action"), page=args["page"])
    return {"items": entries, "total": total}
