"""Certificates of service (SPEC 8): issued, signed, verified by anyone, revoked."""
