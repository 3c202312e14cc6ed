"""The inbound webhook's signature: hex HMAC-SHA256 of the raw body (SPEC 9).

A gateway adapter signs what it posts with `sign(secret, body)`; the webhook checks it
with `verify`, in constant time. An empty secret verifies nothing: an unconfigured
deployment refuses every post rather than trusting anyone.
"""

import hashlib
import hmac
import re

HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sign(secret: str, body: bytes) -> str:
    """The signature of `body` under `secret`, as 64 lower-case hex digits."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the X-Signature header) signs `body` under `secret`."""
    if not secret or not signature:
        return False
    signature = signature.strip().lower()
    if not HEX_SHA256.match(signature):
        return False
    return hmac.compare_digest(sign(secret, body), signature)
