"""Scheduled work of the SMS domain: forgetting signatures once a replay is harmless."""

from .services import forget_signatures


def forget_signatures_job(now) -> int:
    """Delete the inbound signatures older than the replay window (every 10 minutes)."""
    return forget_signatures(now=now)


JOBS = [(forget_signatures_job, 600)]
