"""API: party organisations, members' branches and the negative lists (SPEC 7)."""

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...auth.permissions import may_do_party_work
from ...core.clock import local, utcnow
from ...core.errors import check
from ...extensions import db
from ...members.queries import get_member
from ...party import checklist, learning, memberships, services
from .access import auth_required
from .schemas.party import (
    ChecklistArgs,
    ChecklistItemInput,
    ChecklistItemSchema,
    ChecklistListSchema,
    LearningArgs,
    LearningSchema,
    MembershipSchema,
    PartyMemberInput,
    PartyOrgInput,
    PartyOrgSchema,
)

bp = Blueprint(
    "api_party",
    __name__,
    url_prefix="/api/v1",
    description="Party organisations (党组织), members' branches and negative lists.",
)


@bp.route("/party-orgs", methods=["POST"])
@auth_required(bp, 400, 403, 409, 422, role=Role.ORGANISER)
@bp.arguments(PartyOrgInput)
@bp.response(201, PartyOrgSchema)
def create_org(data):
    """Add a party organisation (admins and district organisers). 409 `code_taken`."""
    refused = data.pop("refused")
    org = services.create_org(g.actor, now=utcnow(), refused=refused, **data)
    db.session.commit()
    return org


@bp.route("/party-orgs/<int:org_id>/members", methods=["POST"])
@auth_required(bp, 400, 403, 404, 422, may=may_do_party_work)
@bp.arguments(PartyMemberInput)
@bp.response(201, MembershipSchema)
def add_member(data, org_id):
    """Put a party member in a branch (secretaries in scope, admins). 422
    `not_party_member`."""
    refused = data.pop("refused")
    memberships.ensure_can_add_member(g.actor)  # rights before the organisation and fields
    org = services.get_org(org_id)
    memberships.ensure_can_add_member(g.actor, org)
    check(refused)
    member = get_member(data["member_id"])
    ship = memberships.add_member(g.actor, org, member, now=utcnow())
    db.session.commit()
    return ship


@bp.route("/checklist-items", methods=["POST"])
@auth_required(bp, 400, 403, 409, 422, role=Role.ORGANISER)
@bp.arguments(ChecklistItemInput)
@bp.response(201, ChecklistItemSchema)
def create_item(data):
    """Add an item to a negative list (admins, organisers). 409 `code_taken`."""
    refused = data.pop("refused")
    item = checklist.create_item(g.actor, now=utcnow(), refused=refused, **data)
    db.session.commit()
    return item


@bp.route("/checklist-items", methods=["GET"])
@auth_required(bp, 400)
@bp.arguments(ChecklistArgs, location="query")
@bp.response(200, ChecklistListSchema)
def list_items(args):
    """The negative lists, by field and target."""
    return {"items": checklist.list_items(**args)}


@bp.route("/members/me/learning", methods=["GET"])
@auth_required(bp, 400, 422)
@bp.arguments(LearningArgs, location="query")
@bp.response(200, LearningSchema)
def my_learning(args):
    """The member's learning record: lectures attended in the year and the study minutes
    (never part of the service balance)."""
    year = args.get("year") or local(utcnow()).year
    return learning.learning_record(g.actor.id, year)
