"""API: call-outs (raise, watch, close) and invitations (list, answer)."""

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...core.clock import utcnow
from ...extensions import db
from ...mobilisation import queries, services, waves
from ...mobilisation.teams import teams_of
from .access import auth_required
from .schemas.mobilisation import (
    CalloutInput,
    CalloutSchema,
    InvitationListArgs,
    InvitationListSchema,
    InvitationSchema,
    ResponseInput,
    StandDownInput,
)

bp = Blueprint(
    "api_mobilisation",
    __name__,
    url_prefix="/api/v1",
    description="Emergency call-outs: vanguard teams and sharp-knife squads.",
)


def callout_out(callout) -> dict:
    counts = services.callout_counts(callout)
    end = callout.filled_at
    return {
        **{
            c: getattr(callout, c)
            for c in (
                "id",
                "unit_id",
                "kind",
                "title",
                "status",
                "lat",
                "lon",
                "radius_km",
                "needed",
                "team_size",
                "skills",
                "party_only",
                "respond_within_s",
                "starts_at",
                "ends_at",
                "created_at",
                "filled_at",
                "shift_id",
                "waves",
                "accepted",
                "closed_at",
                "close_reason",
                "checkpoint_id",
                "place_unit_id",
            )
        },
        **{k: counts[k] for k in ("invited", "declined", "pending", "expired", "not_needed")},
        "shortfall": callout.needed - callout.accepted,
        "seconds_to_fill": int((end - callout.created_at).total_seconds()) if end else None,
        "teams": [vars(t) for t in teams_of(callout)],
    }


@bp.route("/callouts", methods=["POST"])
@auth_required(bp, 400, 403, 422, role=Role.COORDINATOR)
@bp.arguments(CalloutInput)
@bp.response(201, CalloutSchema)
def raise_callout(data):
    """Raise a call-out; its first wave of invitations goes out at once."""
    callout = services.raise_callout(g.actor, **data)
    db.session.commit()
    return callout_out(callout)


@bp.route("/callouts/<int:callout_id>", methods=["GET"])
@auth_required(bp, 403, 404)
@bp.response(200, CalloutSchema)
def get_callout(callout_id):
    """A call-out's counts, time to fill and teams (organisers in scope, invited members)."""
    callout = queries.get_callout(callout_id)
    queries.ensure_can_view_callout(g.actor, callout)
    return callout_out(callout)


@bp.route("/callouts/<int:callout_id>/response", methods=["POST"])
@auth_required(bp, 400, 404, 409, 422)
@bp.arguments(ResponseInput)
@bp.response(200, InvitationSchema)
def respond(data, callout_id):
    """Accept or decline an invitation."""
    callout = queries.get_callout(callout_id)
    now = utcnow()
    invitation = services.respond(g.actor, callout, answer=data["answer"], now=now)
    db.session.commit()
    waves.top_up_declined(now=now)
    return invitation


@bp.route("/callouts/<int:callout_id>/close", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.ORGANISER)
@bp.arguments(StandDownInput)
@bp.response(200, CalloutSchema)
def close(data, callout_id):
    """Stand a call-out down with a reason (organisers in scope); everyone invited is told."""
    callout = queries.get_callout(callout_id)
    services.close(g.actor, callout, reason=data.get("reason"), refused=data.get("refused", ()))
    db.session.commit()
    return callout_out(callout)


@bp.route("/invitations", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(InvitationListArgs, location="query")
@bp.response(200, InvitationListSchema)
def list_invitations(args):
    """The signed-in member's invitations, newest first."""
    return {"items": queries.list_invitations(g.actor.id, status=args.get("status"))}
