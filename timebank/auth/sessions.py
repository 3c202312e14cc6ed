"""Server-side sign-in sessions: signing out ends a session for good (SPEC 3.10).

Flask's own session is a signed cookie: anyone holding a copy of it stays signed in, and
"sign out" only asks the browser to forget it. So each sign-in also makes a row in the
`sessions` table, and the cookie carries only that row's random id:

- Signing in makes a 256-bit random id (`secrets.token_urlsafe(32)`). Flask-Login keeps it
  as the user id in the session cookie (`_user_id`) and writes the same value into the
  remember-me cookie, so both cookies are bound to one row. Only its SHA-256 is stored,
  as for API tokens: a copy of the database or a backup signs nobody in.
- The user loader accepts an id only while its row is live: not ended, its
  `session_version` equal to the member's, and seen within REMEMBER_COOKIE_DURATION.
- Signing out ends this row only; other devices keep theirs. "Sign out everywhere", a
  password change and a password reset end every row of the member and bump the member's
  `session_version`; anything else that bumps the version (suspension) ends them too,
  through the version check, without having to know about this table.
- `last_seen_at` is written at most every TOUCH_EVERY, so a page view costs one indexed
  read, not a write (SQLite has one writer at a time).

Why a table rather than a server-side session store (Flask-Session on Redis or the
database): the database is already shared by every worker and host and backed up, while
Redis is optional (the one-machine default has none); the cookie stays a plain signed
Flask session for the language, CSRF token and flashed messages; and the rows are what a
member needs to see their signed-in devices and end one of them.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..core.errors import NotFound
from ..extensions import db
from ..members.models import Member
from .models import MemberSession

log = logging.getLogger(__name__)

#: last_seen_at is moved forward at most this often.
TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_MAX = 255


def session_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(member: Member, *, user_agent: str = "", now: datetime) -> str:
    """Record a new signed-in session for `member`; returns its random id (keep it only in
    the cookie). Flushes; the caller commits."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        MemberSession(
            token_hash=session_digest(raw),
            member_id=member.id,
            session_version=member.session_version,
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:USER_AGENT_MAX],
        )
    )
    db.session.flush()
    log.info("member %s signed in (new session)", member.id)
    return raw


def is_live(record: MemberSession, *, now: datetime, max_idle: timedelta) -> bool:
    """Whether a session row may still sign its member in."""
    member = record.member
    return (
        record.ended_at is None
        and record.session_version == member.session_version
        and member.is_active
        and record.last_seen_at > now - max_idle
    )


def touch_session(session_id: int, *, now: datetime) -> bool:
    """Move last_seen_at forward if it is older than TOUCH_EVERY (one conditional UPDATE,
    so two requests at once write it once). Returns whether it was moved."""
    result = db.session.execute(
        sa.update(MemberSession)
        .where(
            MemberSession.id == session_id,
            MemberSession.ended_at.is_(None),
            MemberSession.last_seen_at < now - TOUCH_EVERY,
        )
        .values(last_seen_at=now)
    )
    return result.rowcount == 1


def needs_touch(record: MemberSession, *, now: datetime) -> bool:
    return record.last_seen_at < now - TOUCH_EVERY


def end_session(raw: str, *, now: datetime) -> bool:
    """End the session with this id (signing out on this device). Returns whether a live
    session was ended; ending an ended or unknown one is harmless."""
    result = db.session.execute(
        sa.update(MemberSession)
        .where(MemberSession.token_hash == session_digest(raw), MemberSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return result.rowcount == 1


def end_own_session(actor: Member, session_id: int, *, now: datetime) -> None:
    """The member ends one of their own sessions (from the account page). Another member's
    session is NotFound, so its existence does not leak."""
    record = db.session.get(MemberSession, session_id)
    if record is None or record.member_id != actor.id:
        raise NotFound("session_not_found")
    if record.ended_at is None:
        record.ended_at = now
        db.session.flush()
        log.info("member %s ended session %s", actor.id, record.id)


def end_all_sessions(member: Member, *, now: datetime) -> int:
    """End every session of `member` and bump the member's session_version (which also
    stops API tokens issued before). Returns how many live sessions were ended."""
    member.session_version += 1
    result = db.session.execute(
        sa.update(MemberSession)
        .where(MemberSession.member_id == member.id, MemberSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    db.session.flush()
    log.info("member %s: every session ended (%s live)", member.id, result.rowcount)
    return result.rowcount
