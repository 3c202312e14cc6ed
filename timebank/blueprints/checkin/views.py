"""QR check-in on the web: the member's rotating code, and the scanner page for staff.

The scanner page posts JSON to `record` with the session cookie and the CSRF token in the
X-CSRFToken header; `record` hands the scan to the same service as the API.
"""

from flask import abort, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import ValidationError

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...checkin import queries, services
from ...core.clock import local, utcnow
from ...core.privacy import mask_phone
from ...core.settings import setting
from ...extensions import db, limiter
from ...integrations.qr import qr_svg
from ...shifts.queries import get_shift
from ..api.schemas.checkin import SCAN_STATUS, ScanInput
from ..errors import error_response
from . import bp

#: How often the scanner page retries scans kept while offline, in milliseconds.
RETRY_MS = 20_000


def _no_store(response):
    """Codes and scan answers must never come from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _current_code(member) -> dict:
    now = utcnow()
    payload, expires_at = services.member_qr(member, now=now)
    return {
        "payload": payload,
        "svg": qr_svg(payload),
        "expires_at": expires_at.isoformat(),
        "server_time": now.isoformat(),
        "rotate_s": setting("QR_ROTATE_S"),
    }


@bp.route("/me/qr")
@login_required
def my_qr():
    """The member's rotating check-in code, to show at a checkpoint."""
    code = _current_code(current_user) if current_user.is_approved else None
    return _no_store(
        make_response(
            render_template(
                "checkin/my_qr.html",
                code=code,
                # The SVG is drawn by qrcode from our own token: markup we made.
                svg=Markup(code["svg"]) if code else None,  # noqa: S704  # nosec B704
                phone=mask_phone(current_user.phone),
            )
        )
    )


@bp.route("/me/qr.json")
@login_required
def my_qr_json():
    """The member's current code as JSON, for the page to refresh itself."""
    if not current_user.is_approved:
        message = _("Only approved members have a check-in code.")
        return jsonify({"error": {"code": "member_not_active", "message": message}}), 403
    return _no_store(jsonify(_current_code(current_user)))


@bp.route("/scanner")
@login_required
def scanner():
    """Pick the shift being staffed: today's shifts in the staff member's scope."""
    ensure_role(current_user, Role.STAFF)
    now = utcnow()
    return render_template(
        "checkin/scanner_pick.html",
        shifts=queries.list_shifts_for_staff(current_user, local(now).date()),
        now=now,
    )


@bp.route("/scanner/<int:shift_id>")
@login_required
def scan_shift(shift_id: int):
    """The scanning screen for one shift: camera, typed codes and USB scanners."""
    shift = get_shift(shift_id)
    ensure_role(current_user, Role.STAFF, shift.community)
    on_site, checked_out = queries.attendance_counts(shift.id)
    return _no_store(
        make_response(
            render_template(
                "checkin/scanner.html",
                shift=shift,
                on_site=on_site,
                checked_out=checked_out,
                server_time=utcnow().isoformat(),
                retry_ms=RETRY_MS,
                texts=_scanner_texts(),
            )
        )
    )


@bp.route("/scanner/<int:shift_id>/scans", methods=["POST"])
@login_required
@limiter.limit("600 per minute")
def record(shift_id: int):
    """Apply one scan (JSON); the same scan_id again answers 200 and the first answer."""
    shift = get_shift(shift_id)
    ensure_role(current_user, Role.STAFF, shift.community)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    try:
        data = ScanInput(exclude=("shift_id",)).load(body)
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.normalized_messages().items()}
        return error_response(422, "validation_failed", _("Some fields are not valid."), fields)
    outcome = services.record_scan(current_user, shift.id, **data)
    db.session.commit()
    response = jsonify(outcome.body)
    response.status_code = SCAN_STATUS[outcome.result]
    return _no_store(response)


def _scanner_texts() -> dict:
    """The scanner script's words, translated here (the script has no catalogue)."""
    return {
        "ready": _("Ready: scan a member's code"),
        "sending": _("Sending…"),
        "check_in": _("Checked in"),
        "check_out": _("Checked out"),
        "duplicate": _("Already scanned"),
        "duplicate_hint": _("Scanned again right after checking in: nothing changed."),
        "refused": _("Refused"),
        "minutes": _("%(n)s minutes credited", n="{n}"),
        "replayed": _("(sent before; answer repeated)"),
        "waiting": _("Waiting to send"),
        "waiting_hint": _("No network: the scan is kept on this device and sent later."),
        "unknown_member": _("Unknown member"),
        "error": _("Something went wrong."),
        "override": _("Record anyway"),
        "override_reason": _("Reason (e.g. the member is at the side entrance)"),
        "override_needed": _("Give a reason to record this scan."),
        "signed_out": _("You are signed out: sign in again to send the waiting scans."),
        "page_expired": _("This page has expired: reload it to send the waiting scans."),
        "server_busy": _("The server is busy: the scans will be sent again shortly."),
        "online": _("Online"),
        "offline": _("Offline"),
        "position": _("Position ±%(m)s m", m="{m}"),
        "position_rough": _("Position too rough (±%(m)s m): not sent", m="{m}"),
        "position_none": _("No position"),
        "camera_start": _("Use camera"),
        "camera_stop": _("Stop camera"),
        "camera_insecure": _(
            "The camera needs a secure (https) connection: type the code or use a USB scanner."
        ),
        "camera_unavailable": _(
            "The camera could not be started: type the code or use a USB scanner."
        ),
    }
