"""API: the organisation tree."""

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...extensions import db
from ...units import queries, services
from .access import auth_required
from .schemas.units import (
    UnitInput,
    UnitListSchema,
    UnitQueryArgs,
    UnitSchema,
    UnitUpdateInput,
)

bp = Blueprint(
    "api_units",
    __name__,
    url_prefix="/api/v1/units",
    description="The organisation tree: district > town > community > grid.",
)


@bp.route("", methods=["GET"])
@auth_required(bp, 422, pending_ok=True)
@bp.arguments(UnitQueryArgs, location="query")
@bp.response(200, UnitListSchema)
def list_units(args):
    """List units, by level and parent."""
    return {"items": queries.list_units(level=args.get("level"), parent_id=args.get("parent_id"))}


@bp.route("", methods=["POST"])
@auth_required(bp, 400, 403, 409, 422, role=Role.ADMIN)
@bp.arguments(UnitInput)
@bp.response(201, UnitSchema)
def create_unit(data):
    """Add a unit (admins, under a unit in their scope)."""
    unit = services.create_unit(g.actor, **data)
    db.session.commit()
    return unit


@bp.route("/<int:unit_id>", methods=["GET"])
@auth_required(bp, 404, pending_ok=True)
@bp.response(200, UnitSchema)
def get_unit(unit_id):
    """One unit."""
    return queries.get_unit(unit_id)


@bp.route("/<int:unit_id>", methods=["PATCH"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.ADMIN)
@bp.arguments(UnitUpdateInput)
@bp.response(200, UnitSchema)
def update_unit(data, unit_id):
    """Rename, recode or move the centre of a unit (admins in scope)."""
    unit = queries.get_unit(unit_id)
    services.update_unit(g.actor, unit, **data)
    db.session.commit()
    return unit
