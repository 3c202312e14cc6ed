"""API: role assignments."""

from flask import g
from flask_smorest import Blueprint

from ...auth import queries, services
from ...auth.models import Role
from ...core.clock import utcnow
from ...extensions import db
from ...members.queries import get_member
from ...party import services as party_services
from ...units.queries import get_unit
from .access import auth_required
from .schemas.auth import RoleInput, RoleListSchema, RoleSchema

bp = Blueprint(
    "api_roles",
    __name__,
    url_prefix="/api/v1/roles",
    description="Roles on units: a role covers its unit's whole subtree.",
)


@bp.route("", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.ORGANISER)
@bp.arguments(RoleInput)
@bp.response(201, RoleSchema)
def grant(data):
    """Grant a role on a unit (admins; organisers in scope, up to their own role), or the
    `secretary` role on a party organisation (admins; `party_org_id` instead of `unit_id`)."""
    member = get_member(data["member_id"])
    if data["role"] == "secretary":
        org = party_services.get_org(data["party_org_id"])
        role = party_services.grant_secretary(g.actor, member, org, now=utcnow())
        db.session.commit()
        return role
    unit = get_unit(data["unit_id"])
    ra = services.grant_role(g.actor, member=member, role=data["role"], unit=unit)
    db.session.commit()
    return ra


@bp.route("", methods=["GET"])
@auth_required(bp, 403, role=Role.ORGANISER)
@bp.response(200, RoleListSchema)
def list_roles():
    """Role assignments in the organiser's scope."""
    return {"items": queries.list_assignments(g.actor)}


@bp.route("/<int:assignment_id>", methods=["DELETE"])
@auth_required(bp, 403, 404, 409, role=Role.ORGANISER)
@bp.response(204)
def revoke(assignment_id):
    """Take a role away."""
    ra = queries.get_assignment(assignment_id)
    services.revoke_role(g.actor, ra)
    db.session.commit()
