"""Scheduled work of the auth domain."""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from .models import ApiToken

#: Expired or revoked tokens are kept this long (to answer "who used which token"), then go.
TOKEN_RETENTION = timedelta(days=30)


def purge_tokens_job(now) -> int:
    """Delete tokens that expired or were revoked more than TOKEN_RETENTION ago."""
    cutoff = now - TOKEN_RETENTION
    result = db.session.execute(
        sa.delete(ApiToken).where(
            sa.or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff)
        )
    )
    return result.rowcount


JOBS = [(purge_tokens_job, 3600)]
