"""API: checkpoints, shifts, sign-ups and rosters."""

from flask import g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...checkin.queries import roster_rows
from ...core.clock import utcnow
from ...extensions import db
from ...shifts import board, edits, queries, series, services, signups
from ...units.queries import get_unit
from .access import auth_required
from .schemas.shifts import (
    CancelInput,
    CancelResultSchema,
    CheckpointInput,
    CheckpointListArgs,
    CheckpointListSchema,
    CheckpointSchema,
    MySignupArgs,
    MySignupListSchema,
    RosterSchema,
    SeriesCancelInput,
    SeriesInput,
    SeriesResultSchema,
    SeriesUpdateInput,
    ShiftInput,
    ShiftListArgs,
    ShiftListSchema,
    ShiftSchema,
    ShiftUpdateInput,
    SignupResultSchema,
)

bp = Blueprint(
    "api_shifts",
    __name__,
    url_prefix="/api/v1",
    description="Checkpoints, shifts, sign-ups with a waitlist, rosters.",
)


def shift_out(shift, waitlist_count=None) -> dict:
    if waitlist_count is None:
        waitlist_count = queries.waitlist_counts([shift.id]).get(shift.id, 0)
    return {
        **{
            c: getattr(shift, c)
            for c in (
                "id",
                "title",
                "kind",
                "community_id",
                "checkpoint_id",
                "starts_at",
                "ends_at",
                "capacity",
                "taken",
                "skills",
                "description",
                "walk_ins",
                "counts_as_service",
                "status",
                "cancel_reason",
                "series_key",
                "community",
            )
        },
        "waitlist_count": waitlist_count,
    }


@bp.route("/checkpoints", methods=["POST"])
@auth_required(bp, 400, 403, 422, role=Role.COORDINATOR)
@bp.arguments(CheckpointInput)
@bp.response(201, CheckpointSchema)
def create_checkpoint(data):
    """Add a checkpoint (coordinators in scope)."""
    cp = services.create_checkpoint(g.actor, **data)
    db.session.commit()
    return cp


@bp.route("/checkpoints", methods=["GET"])
@auth_required(bp, 404, 422)
@bp.arguments(CheckpointListArgs, location="query")
@bp.response(200, CheckpointListSchema)
def list_checkpoints(args):
    """The checkpoints of a community."""
    unit = get_unit(args["community_id"])
    return {"items": queries.list_checkpoints(unit.id)}


@bp.route("/shifts", methods=["POST"])
@auth_required(bp, 400, 403, 422, role=Role.COORDINATOR)
@bp.arguments(ShiftInput)
@bp.response(201, ShiftSchema)
def create_shift(data):
    """Publish a shift (coordinators in scope)."""
    shift = services.create_shift(g.actor, **data)
    db.session.commit()
    return shift_out(shift, 0)


@bp.route("/shifts/series", methods=["POST"])
@auth_required(bp, 400, 403, 422, role=Role.COORDINATOR)
@bp.arguments(SeriesInput)
@bp.response(201, ShiftListSchema)
def create_series(data):
    """Publish a series of shifts in one step (local times, Asia/Shanghai)."""
    shifts = services.create_series(g.actor, **data)
    db.session.commit()
    return {"items": [shift_out(s, 0) for s in shifts]}


@bp.route("/shifts/series/<string:series_key>", methods=["GET"])
@auth_required(bp, 404)
@bp.response(200, ShiftListSchema)
def get_series(series_key):
    """Every shift of a series, first first."""
    return {"items": [shift_out(s) for s in series.series_shifts(series_key)]}


@bp.route("/shifts/series/<string:series_key>", methods=["PATCH"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(SeriesUpdateInput)
@bp.response(200, SeriesResultSchema)
def update_series(data, series_key):
    """Change a series' shifts still to come (or from a date): only the fields sent change;
    members signed up to a shift whose time changed are told once."""
    from_day = data.pop("from_", None)
    result = series.update_series(g.actor, series_key, from_day=from_day, **data)
    db.session.commit()
    return {"items": [shift_out(s) for s in result.shifts], "told": result.told}


@bp.route("/shifts/series/<string:series_key>/cancel", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(SeriesCancelInput)
@bp.response(200, SeriesResultSchema)
def cancel_series(data, series_key):
    """Cancel a series' shifts still to come (or from a date) with a reason; every member
    signed up to any of them is told once."""
    result = series.cancel_series(
        g.actor, series_key, reason=data["reason"], from_day=data.get("from_")
    )
    db.session.commit()
    return {"items": [shift_out(s, 0) for s in result.shifts], "told": result.told}


@bp.route("/shifts", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(ShiftListArgs, location="query")
@bp.response(200, ShiftListSchema)
def list_shifts(args):
    """Shifts by community, kind, start time and text, soonest first, a page at a time
    (`after` = the previous page's `next_cursor`), with confirmed and waitlist counts."""
    wanted = board.BoardFilter(
        starts_from=args.get("from_"),
        starts_before=args.get("to"),
        community_id=args.get("community_id"),
        kind=args.get("kind"),
        text=args.get("q", ""),
    )
    after = board.Cursor.decode(args["after"]) if args.get("after") else None
    page = board.board_page(wanted, after=after, size=args["limit"])
    return {
        "items": [shift_out(r.shift, r.waitlist_count) for r in page.rows],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


@bp.route("/shifts/<int:shift_id>", methods=["GET"])
@auth_required(bp, 404)
@bp.response(200, ShiftSchema)
def get_shift(shift_id):
    """One shift."""
    return shift_out(queries.get_shift(shift_id))


@bp.route("/shifts/<int:shift_id>", methods=["PATCH"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(ShiftUpdateInput(partial=True))
@bp.response(200, ShiftSchema)
def update_shift(data, shift_id):
    """Edit a shift: only the fields sent change; members are told of a time change."""
    shift = queries.get_shift(shift_id)
    edits.update_shift(g.actor, shift, **data)
    db.session.commit()
    return shift_out(shift)


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(CancelInput)
@bp.response(200, ShiftSchema)
def cancel_shift(data, shift_id):
    """Cancel a shift with a reason; every signed-up member is told."""
    shift = queries.get_shift(shift_id)
    services.cancel_shift(g.actor, shift, reason=data["reason"])
    db.session.commit()
    return shift_out(shift, 0)


@bp.route("/shifts/<int:shift_id>/signups", methods=["POST"])
@auth_required(bp, 403, 404, 409, 422)
@bp.response(201, SignupResultSchema)
def sign_up(shift_id):
    """Sign up: confirmed while places are free, else on the waitlist."""
    shift = queries.get_shift(shift_id)
    result = signups.sign_up(g.actor, shift)
    db.session.commit()
    return {
        "id": result.signup.id,
        "shift_id": shift.id,
        "status": result.status,
        "position": result.position,
    }


@bp.route("/shifts/<int:shift_id>/signups/me", methods=["DELETE"])
@auth_required(bp, 404, 422)
@bp.response(200, CancelResultSchema)
def cancel_signup(shift_id):
    """Cancel one's sign-up; the first waitlisted member is promoted."""
    shift = queries.get_shift(shift_id)
    result = signups.cancel_signup(g.actor, shift)
    db.session.commit()
    return {
        "status": result.signup.status,
        "late": result.late,
        "promoted_member_id": result.promoted.member_id if result.promoted else None,
    }


@bp.route("/shifts/<int:shift_id>/roster", methods=["GET"])
@auth_required(bp, 403, 404, role=Role.STAFF)
@bp.response(200, RosterSchema)
def roster(shift_id):
    """Who is on the shift: confirmed first, then the waitlist (staff in scope)."""
    shift = queries.get_shift(shift_id)
    ensure_role(g.actor, Role.STAFF, shift.community)
    return {"items": roster_rows(shift, g.actor)}


@bp.route("/members/me/signups", methods=["GET"])
@auth_required(bp, 422)
@bp.arguments(MySignupArgs, location="query")
@bp.response(200, MySignupListSchema)
def my_signups(args):
    """The signed-in member's shifts, upcoming (or past with past=true)."""
    rows = queries.list_member_signups(g.actor.id, upcoming=not args["past"], now=utcnow())
    return {
        "items": [
            {
                "id": s.id,
                "status": s.status,
                "is_late_cancel": s.is_late_cancel,
                "shift": shift_out(s.shift, 0),
            }
            for s in rows
        ]
    }
