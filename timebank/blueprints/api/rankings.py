"""API: volunteer-hour rankings."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from ...core.clock import utcnow
from ...rankings.models import PERIODS
from ...rankings.queries import MAX_LIMIT, ranking
from ...units.queries import get_unit
from .access import auth_required
from .schemas import fields

bp = Blueprint(
    "api_rankings",
    __name__,
    url_prefix="/api/v1",
    description="Volunteer-hour rankings by member, community and town.",
)


class RankingArgs(Schema):
    by = fields.String(
        load_default="member", validate=validate.OneOf(["member", "community", "town"])
    )
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS))
    unit_id = fields.Integer()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT))


class RankingRowSchema(Schema):
    rank = fields.Integer()
    id = fields.Integer()
    name = fields.String()
    minutes = fields.Integer()
    shifts = fields.Integer()
    response_rate = fields.Float(allow_none=True)


class RankingSchema(Schema):
    by = fields.String()
    period = fields.String()
    period_key = fields.String()
    unit_id = fields.Integer(attribute="unit.id")
    items = fields.List(fields.Nested(RankingRowSchema), attribute="rows")
    me = fields.Nested(RankingRowSchema, allow_none=True)


@bp.route("/rankings", methods=["GET"])
@auth_required(bp, 403, 404, 422)
@bp.arguments(RankingArgs, location="query")
@bp.response(200, RankingSchema)
def get_rankings(args):
    """Minutes credited in the period (Asia/Shanghai), best first; ties share a rank."""
    unit = get_unit(args["unit_id"]) if args.get("unit_id") else None
    return ranking(
        g.actor, by=args["by"], period=args["period"], unit=unit, limit=args["limit"], now=utcnow()
    )
