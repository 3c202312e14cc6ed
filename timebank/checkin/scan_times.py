"""When a scan was made (SPEC 3.11), so that an old screenshot is no way around the rotation.

A `scanned_at` later than the scan's arrival is taken as its arrival. A scan dated more than
two QR windows before it arrives is an offline scan: accepted only when the scanner says it
was offline (`offline: true`) and since when (`offline_since`, when it lost the network),
with offline_since ≤ scanned_at ≤ arrival; any other back-dated scan is refused as
qr_expired. The QR token is then checked against the scan's time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from ..core.settings import setting


@dataclass(frozen=True)
class ScanTime:
    #: When the scan was made: the scanner's time, never later than its arrival.
    at: datetime
    #: An offline scan, accepted as one: its attendance is flagged and reviewed.
    offline: bool = False
    #: Back-dated without a valid offline claim: refused as qr_expired.
    refused: bool = False
    #: When the scanner said it went offline (only with offline: true), stored with the scan.
    offline_since: datetime | None = None


def _aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


def read_scan_time(scanned_at, offline, offline_since, now: datetime, errors: list) -> ScanTime:
    """The scan's time and whether it is an offline scan; bad fields are added to `errors`."""
    if scanned_at is not None and not _aware(scanned_at):
        errors.append(("scanned_at", _("Give a date and time with its offset.")))
    if offline not in (None, True, False):
        errors.append(("offline", _("Must be true or false.")))
    claimed = offline is True
    if offline_since is not None and not _aware(offline_since):
        errors.append(("offline_since", _("Give a date and time with its offset.")))
    elif claimed and offline_since is None:
        errors.append(("offline_since", _("Say when the scanner lost the network.")))
    if errors:
        return ScanTime(now)
    at = now if scanned_at is None else min(scanned_at, now)
    since = offline_since if claimed else None
    if now - at <= timedelta(seconds=2 * setting("QR_ROTATE_S")):
        return ScanTime(at, offline_since=since)
    accepted = claimed and since <= at
    return ScanTime(at, offline=accepted, refused=not accepted, offline_since=since)
