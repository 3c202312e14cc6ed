"""API: the time bank — a member's ledger, adjustments, reversals, verification, corrections."""

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...extensions import db
from ...ledger import chain, corrections, queries, services
from ...members.queries import get_member
from .access import auth_required
from .schemas.checkin import (
    AdjustmentInput,
    CorrectionInput,
    CorrectionListSchema,
    CorrectionSchema,
    DecideInput,
    EntrySchema,
    LedgerSchema,
    ReverseInput,
    VerifySchema,
)

bp = Blueprint(
    "api_ledger",
    __name__,
    url_prefix="/api/v1",
    description="The time bank: an append-only, hash-chained ledger of minutes.",
)


def entry_out(entry, reversed_ids=frozenset()) -> dict:
    return {
        **{
            c: getattr(entry, c)
            for c in (
                "id",
                "member_id",
                "kind",
                "minutes",
                "reason",
                "created_at",
                "shift_id",
                "reverses_id",
                "entry_hash",
            )
        },
        "reversed": entry.id in reversed_ids,
    }


@bp.route("/members/<int:member_id>/ledger", methods=["GET"])
@auth_required(bp, 403, 404)
@bp.response(200, LedgerSchema)
def member_ledger(member_id):
    """A member's balance and entries, newest first (the member, or coordinators in scope)."""
    member = get_member(member_id)
    if member.id != g.actor.id:
        ensure_role(g.actor, Role.COORDINATOR, member.community)
    entries = queries.list_entries(member.id)
    reversed_ids = queries.reversed_ids([e.id for e in entries])
    return {
        "member_id": member.id,
        "balance_minutes": queries.balance_minutes(member.id),
        "entries": [entry_out(e, reversed_ids) for e in entries],
    }


@bp.route("/ledger/adjustments", methods=["POST"])
@auth_required(bp, 400, 403, 404, 422, role=Role.COORDINATOR)
@bp.arguments(AdjustmentInput)
@bp.response(201, EntrySchema)
def adjust(data):
    """Adjust a member's balance, with a reason (coordinators in scope). Audited."""
    member = get_member(data["member_id"])
    entry = services.adjust(
        g.actor, member, minutes=data["minutes"], reason=data["reason"], shift_id=data["shift_id"]
    )
    db.session.commit()
    return entry_out(entry)


@bp.route("/ledger/entries/<int:entry_id>/reverse", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(ReverseInput)
@bp.response(201, EntrySchema)
def reverse(data, entry_id):
    """Reverse an entry with a reason; an entry is reversed at most once. Audited."""
    entry = services.get_entry(entry_id)
    reversal = services.reverse(g.actor, entry, reason=data["reason"])
    db.session.commit()
    return entry_out(reversal)


@bp.route("/ledger/verify", methods=["GET"])
@auth_required(bp, 403, role=Role.ORGANISER)
@bp.response(200, VerifySchema)
def verify():
    """Recompute the hash chain (organisers); names the first bad entry."""
    return chain.verify()


@bp.route("/corrections", methods=["POST"])
@auth_required(bp, 400, 409, 422)
@bp.arguments(CorrectionInput)
@bp.response(201, CorrectionSchema)
def request_correction(data):
    """Report a missing or wrong record of a shift."""
    correction = corrections.request_correction(g.actor, **data)
    db.session.commit()
    return correction


@bp.route("/corrections", methods=["GET"])
@auth_required(bp, 403, role=Role.COORDINATOR)
@bp.response(200, CorrectionListSchema)
def list_corrections():
    """Open correction requests in the coordinator's scope."""
    return {"items": queries.list_open_corrections(g.actor)}


@bp.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(DecideInput)
@bp.response(200, CorrectionSchema)
def decide(data, correction_id):
    """Approve (an adjustment, capped at the shift's length) or reject with a reason."""
    correction = queries.get_correction(correction_id)
    corrections.decide_correction(g.actor, correction, **data)
    db.session.commit()
    return correction
