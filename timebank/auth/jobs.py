"""Scheduled work of the auth domain."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from .models import ApiToken, MemberSession, ResetCode

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


#: Ended sessions are kept this long (the account page and "who was signed in"), then go;
#: sessions not seen for this long after REMEMBER_COOKIE_DURATION go too.
SESSION_RETENTION = timedelta(days=30)
#: Used or expired reset codes are kept this long, then go.
RESET_CODE_RETENTION = timedelta(days=7)


def purge_sessions_job(now) -> int:
    """Delete sessions ended (or unseen) more than SESSION_RETENTION ago, and reset codes
    spent or expired more than RESET_CODE_RETENTION ago."""
    idle_cutoff = now - timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])
    cutoff = now - SESSION_RETENTION
    sessions = db.session.execute(
        sa.delete(MemberSession).where(
            sa.or_(
                MemberSession.ended_at < cutoff,
                MemberSession.last_seen_at < idle_cutoff - SESSION_RETENTION,
            )
        )
    )
    code_cutoff = now - RESET_CODE_RETENTION
    codes = db.session.execute(
        sa.delete(ResetCode).where(
            sa.or_(ResetCode.spent_at < code_cutoff, ResetCode.expires_at < code_cutoff)
        )
    )
    return sessions.rowcount + codes.rowcount


JOBS = [(purge_tokens_job, 3600), (purge_sessions_job, 3600)]
