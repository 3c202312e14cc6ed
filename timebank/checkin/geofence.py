"""The checkpoint's geofence for scans (SPEC 3.1): how far outside a scanner is, and the
audit record of a scan that staff recorded anyway, with a reason."""

from datetime import datetime

from ..audit.services import record
from ..integrations.geo import distance_m, within_m
from ..shifts.models import Shift
from .models import Attendance


def outside_geofence(shift: Shift, lat, lon) -> float | None:
    """How far outside its checkpoint's geofence the scanner is, in metres; None when
    inside, or with no position or no checkpoint."""
    cp = shift.checkpoint
    if lat is None or cp is None or within_m((lat, lon), (cp.lat, cp.lon), cp.radius_m):
        return None
    return distance_m((lat, lon), (cp.lat, cp.lon))


def audit_override(
    staff,
    shift: Shift,
    attendance: Attendance,
    reason: str,
    metres: float,
    now: datetime,
    *,
    scan_id: str,
    action: str,
) -> None:
    """Audit a scan accepted outside the geofence with the staff member's reason."""
    record(
        staff,
        "scan.geofence_override",
        attendance,
        unit_id=shift.community_id,
        now=now,
        details={
            "scan_id": scan_id,
            "member_id": attendance.member_id,
            "action": action,
            "reason": reason,
            "distance_m": int(metres),
            "radius_m": shift.checkpoint.radius_m,
        },
    )
