"""The Ed25519 signature a certificate's QR code carries, and the published public key.

The signed message is plain text, one `name=value` per line after a version line, made
only of what the public verify answer shows (so anyone holding the public key can check
a certificate offline from that answer and the QR's `sig`):

    NSTB-CERT-1
    serial=NSTB-2026-000123
    name=王*明
    minutes=750
    from=2026-01-01
    to=2026-06-30
    issuer=黄阁镇大山乸村
    issued_at=2026-07-01T02:03:04Z
    entries=<sha256 hex of the entries as issued, canonical JSON>

The key: `CERTIFICATE_SIGNING_KEY` (32 bytes, base64), else derived from SECRET_KEY, so
every worker of one deployment signs with the same key without another secret to keep.
"""

import base64
import binascii
import hashlib
import json
from datetime import UTC

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..core.privacy import mask_name
from ..core.settings import setting

VERSION = "NSTB-CERT-1"
#: How the signed message is built, as the public-key endpoint documents it.
MESSAGE_FORMAT = (
    "UTF-8 lines joined by \\n: NSTB-CERT-1, serial=, name= (masked), minutes=, from=, to=, "
    "issuer=, issued_at= (UTC, YYYY-MM-DDTHH:MM:SSZ), entries= (entries_sha256); "
    "the QR's sig is the Ed25519 signature of it, base64url without padding"
)


def _private_key() -> Ed25519PrivateKey:
    raw = setting("CERTIFICATE_SIGNING_KEY")
    if raw:
        seed = base64.b64decode(raw)
    else:
        seed = hashlib.sha256(
            b"timebank certificate key\0" + setting("SECRET_KEY").encode()
        ).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_raw_b64() -> str:
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url(raw)


def public_key_pem() -> str:
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def entries_digest(entries: list) -> str:
    data = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def signed_message(cert) -> str:
    """The text that is signed (and that a third party rebuilds to check it)."""
    issued = cert.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        VERSION,
        f"serial={cert.serial}",
        f"name={mask_name(cert.member_name)}",
        f"minutes={cert.minutes}",
        f"from={cert.from_on.isoformat()}",
        f"to={cert.to_on.isoformat()}",
        f"issuer={cert.issuer_name}",
        f"issued_at={issued}",
        f"entries={entries_digest(cert.entries)}",
    ]
    return "\n".join(lines)


def sign(cert) -> str:
    return b64url(_private_key().sign(signed_message(cert).encode()))


def signature_valid(cert, sig: str | None) -> bool:
    """Whether `sig` is a valid signature of the certificate's contents as stored now."""
    if not sig or len(sig) > 100:
        return False
    raw = _unb64url(sig)
    if raw is None or len(raw) != 64:
        return False
    try:
        public_key().verify(raw, signed_message(cert).encode())
    except InvalidSignature:
        return False
    return True
