"""Deciding a scan: pure functions of the scan and of what the one read found.

No database, no request, no clock: `refusal()` says why a scan is refused (or None), and
`action()` what an accepted scan does to the member's attendance. The service
(timebank.checkin.services) reads, asks these, then applies; the unit tests call them
with plain values (tests/checkin/test_decide.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: Offline scans are accepted this late.
MAX_LATE = timedelta(hours=24)
#: A device clock this far ahead is tolerated.
CLOCK_SKEW = timedelta(minutes=5)
#: Scans further than this from the shift's times are refused.
SHIFT_MARGIN = timedelta(hours=12)


@dataclass(frozen=True)
class ScanInput:
    """One scan as the device sent it, checked for shape: every value the decision and the
    scan's own row need, and nothing the database holds."""

    scan_id: str
    shift_id: int
    staff_id: int
    #: The member the QR token names (None when the token is unreadable).
    member_id: int | None
    #: "qr_invalid", "qr_expired" or None: the token checked at the scan's time.
    qr_error: str | None
    #: When the scan was made (timebank.checkin.scan_times), and when it arrived.
    at: datetime
    received_at: datetime
    #: An offline scan, accepted as one; or back-dated without a valid offline claim.
    offline: bool
    time_refused: bool
    offline_since: datetime | None
    lat: float | None
    lon: float | None
    #: Staff's reason to record a scan outside the geofence ("" for none).
    override_reason: str


@dataclass(frozen=True)
class ScanFacts:
    """What the one read found about the shift, the member and their attendance."""

    shift_cancelled: bool
    shift_starts_at: datetime
    shift_ends_at: datetime
    #: None: no such member; else whether they are active.
    member_active: bool | None
    #: Metres outside the checkpoint's geofence; None when inside or not known.
    outside_m: float | None
    #: The member's attendance at the shift: None when there is none.
    checked_in_at: datetime | None = None
    attendance_open: bool = False


class Action(StrEnum):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    DUPLICATE = "duplicate"
    #: An earlier scan arriving late (offline, out of order): it was the check-in, and
    #: the scan recorded first was the check-out.
    EARLIER_CHECK_IN = "earlier_check_in"


def refusal(scan: ScanInput, facts: ScanFacts, now: datetime) -> str | None:
    """The code of the first rule the scan breaks, in the order SPEC 3.1 lists them, or
    None. (`not_signed_up` is decided when a place is claimed: it is a write.)"""
    if scan.at < now - MAX_LATE:
        return "scan_too_old"
    if scan.qr_error == "qr_invalid":
        return "qr_invalid"
    if scan.qr_error == "qr_expired" or scan.time_refused:
        return "qr_expired"
    if not facts.member_active:
        return "member_not_active"
    if facts.shift_cancelled:
        return "shift_cancelled"
    if not (facts.shift_starts_at - SHIFT_MARGIN <= scan.at <= facts.shift_ends_at + SHIFT_MARGIN):
        return "scan_outside_shift"
    if facts.outside_m is not None and not scan.override_reason:
        return "outside_geofence"
    return None


def action(scan: ScanInput, facts: ScanFacts, duplicate_within: timedelta) -> Action:
    """What an accepted scan does: check in without an attendance; a duplicate of a closed
    one or within `duplicate_within` of the check-in; else close it (a scan before the
    check-in it follows was the check-in)."""
    if facts.checked_in_at is None:
        return Action.CHECK_IN
    if not facts.attendance_open or abs(scan.at - facts.checked_in_at) < duplicate_within:
        return Action.DUPLICATE
    if scan.at > facts.checked_in_at:
        return Action.CHECK_OUT
    return Action.EARLIER_CHECK_IN
