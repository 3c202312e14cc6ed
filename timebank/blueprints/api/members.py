"""API: members, approval, profiles, suspension and transfers."""

from functools import wraps

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...auth.permissions import (
    can_see_phone,
    ensure_can_edit_member,
    ensure_can_manage_member,
    ensure_can_view_member,
)
from ...core.errors import Conflict
from ...core.privacy import mask_phone
from ...extensions import db
from ...ledger.queries import balance_minutes
from ...members import queries, services
from ..limits import count_refusal_of, register_limits
from .access import auth_required, documents_errors
from .schemas.members import (
    DecisionInput,
    MemberCreatedSchema,
    MemberInput,
    MemberListArgs,
    MemberListSchema,
    MemberSchema,
    ProfileInput,
    ReasonInput,
    TransferInput,
    TransferListSchema,
    TransferSchema,
)

bp = Blueprint(
    "api_members", __name__, url_prefix="/api/v1", description="Members reporting to communities."
)


def profile(member, viewer) -> dict:
    """A member as `viewer` may see them (SPEC 3.6: phone masked unless allowed)."""
    return {
        "id": member.id,
        "name": member.name,
        "phone": member.phone if can_see_phone(viewer, member) else mask_phone(member.phone),
        "is_party_member": member.is_party_member,
        "skills": member.skills,
        "home_lat": member.home_lat,
        "home_lon": member.home_lon,
        "workplace": member.workplace,
        "community_id": member.community_id,
        "email": member.email if can_see_phone(viewer, member) else None,
        "community_name": member.community.name,
        "grid_id": member.grid_id,
        "status": member.status,
        "locale": member.locale,
        "created_at": member.created_at,
        "approved_at": member.approved_at,
        "roles": member.roles,
        "balance_minutes": balance_minutes(member.id),
    }


@bp.route("/members", methods=["POST"])
@register_limits
@documents_errors(bp, 400, 409, 422, 429)
@bp.arguments(MemberInput)
@bp.response(201, MemberCreatedSchema)
def register(data):
    """Register a member; they are pending until a coordinator approves them."""
    try:
        member = services.register_member(**data)
    except Conflict as exc:
        count_refusal_of(exc)
        raise
    db.session.commit()
    return member


@bp.route("/members", methods=["GET"])
@auth_required(bp, 403, 422, role=Role.COORDINATOR)
@bp.arguments(MemberListArgs, location="query")
@bp.response(200, MemberListSchema)
def list_members(args):
    """Members in the coordinator's scope, newest first."""
    members, total = queries.list_members(
        g.actor,
        status=args.get("status"),
        community_id=args.get("community_id"),
        search=args.get("q"),
        page=args["page"],
        per_page=args["per_page"],
    )
    return {"items": [profile(m, g.actor) for m in members], "total": total, "page": args["page"]}


@bp.route("/members/me", methods=["GET"])
@auth_required(bp, pending_ok=True)
@bp.response(200, MemberSchema)
def me():
    """The signed-in member's profile, with balance and roles."""
    return profile(g.actor, g.actor)


@bp.route("/members/<int:member_id>", methods=["GET"])
@auth_required(bp, 403, 404, pending_ok=True)
@bp.response(200, MemberSchema)
def get_member(member_id):
    """A member's profile (self, or a coordinator in scope)."""
    member = queries.get_member(member_id)
    ensure_can_view_member(g.actor, member)
    return profile(member, g.actor)


def _member_in_reach(ensure):
    """Decorator: load the URL's member and check `ensure(actor, member)` before the body is
    parsed (rights before fields: 404/403 come before 422); the handler gets `member`."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, member_id, **kwargs):
            member = queries.get_member(member_id)
            ensure(g.actor, member)
            return fn(*args, member=member, **kwargs)

        return wrapper

    return decorator


@bp.route("/members/<int:member_id>", methods=["PATCH"])
@auth_required(bp, 400, 403, 404, 422, pending_ok=True)
@_member_in_reach(ensure_can_edit_member)
@bp.arguments(ProfileInput)
@bp.response(200, MemberSchema)
def update_member(data, member):
    """Edit a profile (self, or a coordinator in scope): only the fields sent change."""
    services.update_profile(g.actor, member, **data)
    db.session.commit()
    return profile(member, g.actor)


@bp.route("/members/<int:member_id>/approve", methods=["POST"])
@auth_required(bp, 403, 404, 409, role=Role.COORDINATOR)
@_member_in_reach(ensure_can_manage_member)
@bp.response(200, MemberSchema)
def approve(member):
    """Approve a pending member (coordinator of their community)."""
    services.approve_member(g.actor, member)
    db.session.commit()
    return profile(member, g.actor)


@bp.route("/members/<int:member_id>/reject", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_member_in_reach(ensure_can_manage_member)
@bp.arguments(ReasonInput)
@bp.response(200, MemberSchema)
def reject(data, member):
    """Turn a pending registration down with a reason the applicant is told."""
    services.reject_member(g.actor, member, reason=data["reason"])
    db.session.commit()
    return profile(member, g.actor)


@bp.route("/members/<int:member_id>/suspend", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@_member_in_reach(ensure_can_manage_member)
@bp.arguments(ReasonInput)
@bp.response(200, MemberSchema)
def suspend(data, member):
    """Suspend a member with a reason (coordinator in scope, rank permitting)."""
    services.suspend_member(g.actor, member, reason=data["reason"])
    db.session.commit()
    return profile(member, g.actor)


@bp.route("/members/<int:member_id>/reinstate", methods=["POST"])
@auth_required(bp, 403, 404, 409, role=Role.COORDINATOR)
@_member_in_reach(ensure_can_manage_member)
@bp.response(200, MemberSchema)
def reinstate(member):
    """Lift a suspension (coordinator in scope, rank permitting)."""
    services.reinstate_member(g.actor, member)
    db.session.commit()
    return profile(member, g.actor)


@bp.route("/members/me/transfers", methods=["POST"])
@auth_required(bp, 400, 409, 422)
@bp.arguments(TransferInput)
@bp.response(201, TransferSchema)
def request_transfer(data):
    """Ask to report to another community."""
    transfer = services.request_transfer(g.actor, **data)
    db.session.commit()
    return transfer


@bp.route("/transfers", methods=["GET"])
@auth_required(bp, 403, role=Role.COORDINATOR)
@bp.response(200, TransferListSchema)
def list_transfers():
    """Transfer requests waiting for the coordinator's decision."""
    return {"items": queries.list_pending_transfers(g.actor)}


@bp.route("/transfers/<int:transfer_id>/decide", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(DecisionInput)
@bp.response(200, TransferSchema)
def decide_transfer(data, transfer_id):
    """Approve or reject a transfer (coordinator of the receiving community)."""
    transfer = queries.get_transfer(transfer_id)
    services.decide_transfer(g.actor, transfer, **data)
    db.session.commit()
    return transfer
