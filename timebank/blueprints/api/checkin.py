"""API: the member's QR code, scans, and attendance corrections by coordinators."""

from flask import g, jsonify
from flask_smorest import Blueprint

from ...auth.models import Role
from ...checkin import attendance as attendance_services
from ...checkin import queries, services
from ...core.settings import setting
from ...extensions import db, limiter
from ...members.queries import get_member
from ...shifts.queries import get_shift
from .access import auth_required
from .schemas.checkin import (
    SCAN_STATUS,
    AttendanceInput,
    AttendanceListSchema,
    AttendanceSchema,
    QrSchema,
    ReviewInput,
    ScanInput,
    ScanResultSchema,
)

bp = Blueprint(
    "api_checkin",
    __name__,
    url_prefix="/api/v1",
    description="QR check-in: the member's rotating code and the scanner's scans.",
)


@bp.route("/members/me/qr", methods=["GET"])
@auth_required(bp)
@bp.response(200, QrSchema)
def my_qr():
    """The member's current QR payload (rotates every QR_ROTATE_S seconds)."""
    payload, expires_at = services.member_qr(g.actor)
    return {"payload": payload, "expires_at": expires_at, "rotate_s": setting("QR_ROTATE_S")}


@bp.route("/scans", methods=["POST"])
@limiter.limit("600 per minute")
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.STAFF)
@bp.arguments(ScanInput)
@bp.response(201, ScanResultSchema)
@bp.alt_response(200, schema=ScanResultSchema, description="The same scan_id again")
def scan(data):
    """Apply a scan: check-in, check-out or duplicate. The same scan_id is applied once."""
    outcome = services.record_scan(g.actor, data.pop("shift_id"), **data)
    db.session.commit()
    if not outcome.ok:  # a refusal, in the API's error shape (stored for replays)
        response = jsonify(outcome.body)
        response.status_code = SCAN_STATUS[outcome.result]
        return response
    return outcome.body, SCAN_STATUS[outcome.result]


@bp.route("/attendances", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(AttendanceInput)
@bp.response(201, AttendanceSchema)
def enter_attendance(data):
    """Enter an attendance by hand, with a reason (coordinators in scope)."""
    shift, member = get_shift(data["shift_id"]), get_member(data["member_id"])
    attendance = attendance_services.enter_attendance(
        g.actor,
        shift,
        member,
        checked_in_at=data["checked_in_at"],
        checked_out_at=data["checked_out_at"],
        reason=data["reason"],
    )
    db.session.commit()
    return attendance


@bp.route("/attendances/review", methods=["GET"])
@auth_required(bp, 403, role=Role.COORDINATOR)
@bp.response(200, AttendanceListSchema)
def review_queue():
    """Auto-closed attendances waiting for a coordinator's review."""
    return {"items": queries.list_to_review(g.actor)}


@bp.route("/attendances/<int:attendance_id>/review", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(ReviewInput)
@bp.response(200, AttendanceSchema)
def review(data, attendance_id):
    """Confirm an auto-closed attendance, or reverse its credit with a reason."""
    attendance = queries.get_attendance(attendance_id)
    attendance_services.review_attendance(g.actor, attendance, **data)
    db.session.commit()
    return attendance
