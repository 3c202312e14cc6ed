"""Password reset: a 6-digit code by SMS, or a one-time code from a coordinator (SPEC 3.10).

- Asking for a code never tells whether the phone is registered: the caller answers the
  same (202) whatever happens here, and the same work is done up to the database writes
  (normalise, look up, make and hash a code). Nothing is stored for an unknown or
  suspended phone.
- Codes are stored as an HMAC-SHA256 under the app's secret key, so a copy of the
  database does not reveal them (a plain hash of six digits is undone in a second). The
  SMS text itself waits in the outbox until it is sent.
- An SMS code lives SMS_CODE_TTL, a coordinator's CODE_TTL_COORDINATOR; a new code of the
  same kind replaces the old one (one live code of each kind per member, also a unique
  index). Every wrong code counts a try against each live code of the member; at
  MAX_TRIES a code is spent. Tries are counted by conditional UPDATEs, so requests at the
  same time never get more than MAX_TRIES guesses between them.
- Wrong, expired, spent code and unknown phone are one and the same answer: invalid_code.
- A reset stores the new password and ends every session and API token of the member.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..core.errors import Conflict, NotAllowed, RuleViolation, check
from ..core.privacy import normalise_phone
from ..core.security import password_problem
from ..core.settings import setting
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..members.queries import find_member_by_phone
from . import signals
from .models import ResetCode
from .permissions import can_manage_member
from .services import set_password

log = logging.getLogger(__name__)

SMS_CODE_TTL = timedelta(minutes=10)
CODE_TTL_COORDINATOR = timedelta(hours=24)
MAX_TRIES = 5
SMS_DIGITS = 6
COORDINATOR_DIGITS = 8
CODE_MAX_LENGTH = 12


class InvalidCode(RuleViolation):
    code = "invalid_code"
    default_message = _l("This code is wrong, has expired or has been used. Ask for a new one.")

    def __init__(self):
        super().__init__(field="code")


def _new_code(digits: int) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _digest(code: str) -> str:
    key = setting("SECRET_KEY").encode()
    return hmac.new(key, b"password-reset:" + code.encode(), hashlib.sha256).hexdigest()


def _replace_code(member: Member, kind: str, code: str, *, ttl, issuer, now) -> ResetCode:
    """Spend the member's live code of this kind and store a new one. The member's row is
    locked first (PostgreSQL; SQLite has one writer), so two requests at once do not both
    find the old code and collide on the one-live-code index."""
    db.session.execute(sa.select(Member.id).where(Member.id == member.id).with_for_update())
    db.session.execute(
        sa.update(ResetCode)
        .where(
            ResetCode.member_id == member.id,
            ResetCode.kind == kind,
            ResetCode.spent_at.is_(None),
        )
        .values(spent_at=now)
    )
    row = ResetCode(
        member_id=member.id,
        kind=kind,
        code_hash=_digest(code),
        expires_at=now + ttl,
        issued_by_id=issuer.id if issuer is not None else None,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def request_reset_code(phone, *, now: datetime) -> None:
    """Send a 6-digit reset code by SMS to the member with this phone, if there is one.

    Returns nothing either way (the caller answers 202 whatever the phone). The code is
    queued in the outbox's SMS channel in the member's language. Flushes; the caller
    commits.
    """
    number, _err = normalise_phone(phone)
    member = find_member_by_phone(number) if number else None
    code = _new_code(SMS_DIGITS)
    _digest(code)  # the same work for every phone, up to the writes
    if member is None or member.status == MemberStatus.SUSPENDED:
        return
    _replace_code(member, "sms", code, ttl=SMS_CODE_TTL, issuer=None, now=now)
    signals.reset_code_issued.send(member, code=code, now=now)
    log.info("member %s: password reset code sent by SMS", member.id)


def issue_reset_code(actor, member: Member, *, now: datetime) -> str:
    """A coordinator in scope gives `member` a one-time reset code (8 digits, 24 hours).

    Returns the code, to be shown once to the coordinator; only its HMAC is kept. It is
    used on the same reset page as an SMS code. Audited. Flushes; the caller commits.
    """
    if not can_manage_member(actor, member):
        raise NotAllowed()
    if member.status == MemberStatus.SUSPENDED:
        raise Conflict("member_suspended", _l("A suspended member cannot be given a reset code."))
    code = _new_code(COORDINATOR_DIGITS)
    row = _replace_code(
        member, "coordinator", code, ttl=CODE_TTL_COORDINATOR, issuer=actor, now=now
    )
    record(
        actor,
        "password.reset_code",
        member,
        unit_id=member.community_id,
        now=now,
        details={"expires_at": row.expires_at.isoformat()},
    )
    log.info("member %s: reset code issued by member %s", member.id, actor.id)
    return code


def reset_password(phone, code, password, *, now: datetime) -> Member:
    """Set a new password with a reset code; every session and API token of the member ends.

    The password is checked first (its errors at the field; no try is spent on them), then
    the code: InvalidCode (422 invalid_code) for a wrong, expired or spent code and for a
    phone nobody has. Flushes; the caller commits (also after InvalidCode, so that the try
    is counted).
    """
    number, _err = normalise_phone(phone)
    problem = password_problem(password, number)
    check([("password", problem)] if problem else [])
    member = find_member_by_phone(number) if number else None
    if not isinstance(code, str) or not code.strip() or len(code) > CODE_MAX_LENGTH:
        raise InvalidCode()
    if member is None or not _use_code(member, code.strip(), now=now):
        raise InvalidCode()
    set_password(member, password, now=now)
    record(member, "password.reset", member, unit_id=member.community_id, now=now)
    log.info("member %s set a new password with a reset code", member.id)
    return member


def _live_codes(member: Member, now: datetime) -> list[ResetCode]:
    return list(
        db.session.scalars(
            sa.select(ResetCode).where(
                ResetCode.member_id == member.id,
                ResetCode.spent_at.is_(None),
                ResetCode.expires_at > now,
                ResetCode.tries < MAX_TRIES,
            )
        )
    )


def _use_code(member: Member, code: str, *, now: datetime) -> bool:
    """Spend the live code that matches and every other one; or count a wrong try."""
    digest = _digest(code)
    live = _live_codes(member, now)
    usable = sa.and_(
        ResetCode.spent_at.is_(None), ResetCode.expires_at > now, ResetCode.tries < MAX_TRIES
    )
    for row in live:
        if hmac.compare_digest(row.code_hash, digest):
            claimed = db.session.execute(
                sa.update(ResetCode).where(ResetCode.id == row.id, usable).values(spent_at=now)
            )
            if claimed.rowcount != 1:
                return False  # spent in the meantime (tried too often, or used)
            _spend_all(member, now)
            return True
    ids = [row.id for row in live]
    if ids:
        db.session.execute(
            sa.update(ResetCode)
            .where(ResetCode.id.in_(ids), usable)
            .values(tries=ResetCode.tries + 1)
        )
        db.session.execute(
            sa.update(ResetCode)
            .where(
                ResetCode.id.in_(ids),
                ResetCode.spent_at.is_(None),
                ResetCode.tries >= MAX_TRIES,
            )
            .values(spent_at=now)
        )
    return False


def _spend_all(member: Member, now: datetime) -> None:
    db.session.execute(
        sa.update(ResetCode)
        .where(ResetCode.member_id == member.id, ResetCode.spent_at.is_(None))
        .values(spent_at=now)
    )
