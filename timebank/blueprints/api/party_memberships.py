"""API: members' branches (组织关系): a member names their branch, a secretary in scope or
an admin confirms or refuses it (SPEC 7; the endpoints are this app's, SPEC lists none)."""

from flask import g
from flask_smorest import Blueprint

from ...core.clock import utcnow
from ...core.errors import check
from ...extensions import db
from ...party import memberships
from ...party.services import get_org
from .access import auth_required
from .schemas.party import (
    BranchRequestInput,
    MembershipDetailSchema,
    MembershipListSchema,
    RefusalInput,
)

bp = Blueprint(
    "api_party_memberships",
    __name__,
    url_prefix="/api/v1",
    description="Members' party branches (组织关系): requests and the secretary's decision.",
)


@bp.route("/members/me/branch", methods=["POST"])
@auth_required(bp, 400, 404, 422, pending_ok=True)
@bp.arguments(BranchRequestInput)
@bp.response(201, MembershipDetailSchema)
def name_branch(data):
    """Name one's branch: a pending request for its secretary (an earlier pending request
    is withdrawn). 422 `not_party_member`."""
    check(data.pop("refused"))
    org = get_org(data["party_org_id"])
    ship = memberships.name_branch(g.actor, org, now=utcnow())
    db.session.commit()
    return ship


@bp.route("/members/me/branches", methods=["GET"])
@auth_required(bp, pending_ok=True)
@bp.response(200, MembershipListSchema)
def my_branches():
    """One's branches and requests, newest first: `confirmed`, `pending`, and the history
    (`replaced`, `refused` with its reason, `withdrawn`)."""
    return {"items": memberships.history_of(g.actor)}


@bp.route("/party-memberships", methods=["GET"])
@auth_required(bp, may=memberships.can_decide)
@bp.response(200, MembershipListSchema)
def pending_requests():
    """Pending requests the actor may decide (secretaries: their subtree; admins: all)."""
    return {"items": memberships.requests_in_scope(g.actor)}


@bp.route("/party-memberships/<int:ship_id>/confirm", methods=["POST"])
@auth_required(bp, 404, 409, 422, may=memberships.can_decide)
@bp.response(200, MembershipDetailSchema)
def confirm(ship_id):
    """Confirm a request (the member's earlier branch is kept as `replaced`; the member is
    told). 409 `already_decided`; 422 `not_party_member`."""
    ship = memberships.get_request(ship_id)
    memberships.decide(g.actor, ship, confirm=True, now=utcnow())
    db.session.commit()
    return ship


@bp.route("/party-memberships/<int:ship_id>/refuse", methods=["POST"])
@auth_required(bp, 400, 404, 409, 422, may=memberships.can_decide)
@bp.arguments(RefusalInput)
@bp.response(200, MembershipDetailSchema)
def refuse(data, ship_id):
    """Refuse a request with a `reason` (required; the member is told). 409
    `already_decided`."""
    ship = memberships.get_request(ship_id)
    memberships.ensure_can_decide(g.actor, ship.party_org)  # rights before fields
    check(data.pop("refused"))
    memberships.decide(g.actor, ship, confirm=False, reason=data.get("reason"), now=utcnow())
    db.session.commit()
    return ship
