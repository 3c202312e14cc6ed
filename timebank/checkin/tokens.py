"""The rotating QR token: HMAC-SHA256 of the member id and a time window.

Payload: "TB1.<member id>.<window>.<signature>", where window = floor(unix time / QR_ROTATE_S)
and the signature is the first 16 bytes of HMAC-SHA256 (url-safe base64) under a key derived
from SECRET_KEY. A token is accepted for the window of the scan time and the one before, so
a screenshot passed around stops working within two rotations. Verification also accepts
keys derived from SECRET_KEY_FALLBACKS (key rotation).
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

PREFIX = "TB1"
_PAYLOAD = re.compile(r"^TB1\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"timebank.qr.v1|" + secret.encode()).digest()


def window_of(moment: datetime, rotate_s: int) -> int:
    return int(moment.timestamp()) // rotate_s


def _signature(key: bytes, member_id: int, window: int) -> str:
    mac = hmac.new(key, f"{member_id}.{window}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def make_token(
    member_id: int, *, secret: str, rotate_s: int, now: datetime
) -> tuple[str, datetime]:
    """(payload, expires_at): the token for `now`, and when it stops being accepted."""
    window = window_of(now, rotate_s)
    payload = f"{PREFIX}.{member_id}.{window}.{_signature(_key(secret), member_id, window)}"
    expires_at = datetime.fromtimestamp((window + 2) * rotate_s, UTC)
    return payload, expires_at


@dataclass(frozen=True)
class Checked:
    member_id: int | None
    error: str | None  # None, "qr_invalid" or "qr_expired"


def check_token(payload, *, secrets: list[str], rotate_s: int, at: datetime) -> Checked:
    """Who the token names, if its signature is good and it was valid at `at`."""
    match = _PAYLOAD.match(payload.strip()) if isinstance(payload, str) else None
    if not match:
        return Checked(None, "qr_invalid")
    member_id, window, signature = int(match[1]), int(match[2]), match[3]
    if not any(
        hmac.compare_digest(_signature(_key(s), member_id, window), signature) for s in secrets if s
    ):
        return Checked(None, "qr_invalid")
    current = window_of(at, rotate_s)
    if window not in (current, current - 1):
        return Checked(member_id, "qr_expired")
    return Checked(member_id, None)
