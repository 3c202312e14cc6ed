"""Signing in, API tokens, passwords and roles."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..core.clock import utcnow
from ..core.errors import Conflict, NotAllowed, check
from ..core.privacy import normalise_phone
from ..core.security import (
    dummy_hash,
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from ..core.validation import required_text
from ..extensions import db
from ..members.models import LOCKED_OUT, Member, MemberStatus
from ..members.queries import find_member_by_phone
from ..units.models import Level, Unit
from ..units.services import create_unit
from .models import ApiToken, Role, RoleAssignment
from .permissions import ensure_rank_allows, has_role
from .sessions import end_all_sessions

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@dataclass
class SignIn:
    member: Member | None
    error: str | None = None  # "invalid_credentials", "account_locked", "suspended", "rejected"
    #: Why the registration was not approved (error "rejected").
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def counts_against_limits(self) -> bool:
        """A guess at a password (SPEC 3.10): wrong, or tried on a locked account."""
        return self.error in ("invalid_credentials", "account_locked")

    @property
    def message(self):
        return {
            "invalid_credentials": _l("Wrong phone number or password."),
            "account_locked": _l(
                "Too many failed attempts: this account is locked for 15 minutes."
            ),
            "suspended": _l("This account is suspended. Ask your community coordinator."),
            "rejected": _l("Your registration was not approved: %(reason)s", reason=self.reason),
        }.get(self.error)


def authenticate(phone, password, *, now: datetime | None = None) -> SignIn:
    """Check a phone and password. Counts failures and locks the account after five.

    Returns a SignIn; the caller commits (so failures are counted) and then responds.
    """
    now = now or utcnow()
    number, _err = normalise_phone(phone or "")
    member = find_member_by_phone(number) if number else None
    if member is None:
        verify_password(dummy_hash(), password or "")  # as long as a real check
        return SignIn(None, "invalid_credentials")
    if member.locked_until and member.locked_until > now:
        return SignIn(None, "account_locked")
    if not verify_password(member.password_hash, password or ""):
        member.failed_logins += 1
        if member.failed_logins >= MAX_FAILED_LOGINS:
            member.failed_logins = 0
            member.locked_until = now + LOCKOUT
            log.warning("member %s locked after repeated failed sign-ins", member.id)
            db.session.flush()
            return SignIn(None, "account_locked")
        db.session.flush()
        return SignIn(None, "invalid_credentials")
    if member.status == MemberStatus.SUSPENDED:
        return SignIn(None, "suspended")
    if member.status == MemberStatus.REJECTED:
        return SignIn(None, "rejected", reason=member.rejected_reason)
    member.failed_logins = 0
    member.locked_until = None
    db.session.flush()
    return SignIn(member)


def issue_token(member: Member, *, ttl_days: int, now: datetime | None = None):
    """A new bearer token for `member`: returns (raw token, ApiToken). Only the hash is kept."""
    now = now or utcnow()
    raw = new_token()
    token = ApiToken(
        member_id=member.id,
        token_hash=token_digest(raw),
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
        session_version=member.session_version,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def member_for_token(raw: str, *, now: datetime | None = None):
    """(member, token) for a valid, unexpired, unrevoked bearer token, else (None, None)."""
    now = now or utcnow()
    # The token with its member (one join) and the member's roles with their units (one
    # more statement): all that an API request needs to know who is asking.
    token = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == token_digest(raw))
        .options(
            joinedload(ApiToken.member).selectinload(Member.roles).joinedload(RoleAssignment.unit)
        )
    )
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None, None
    member = token.member
    if member.status in LOCKED_OUT or token.session_version != member.session_version:
        return None, None
    return member, token


def revoke_token(token: ApiToken, *, now: datetime | None = None) -> None:
    token.revoked_at = now or utcnow()
    db.session.flush()


def change_password(member: Member, *, current, new, now: datetime | None = None) -> None:
    """Change a password. Every other session and API token of the member stops working."""
    errors = []
    if not verify_password(member.password_hash, current or ""):
        errors.append(("current", _l("The current password is wrong.")))
    problem = password_problem(new, member.phone)
    if problem:
        errors.append(("new", problem))
    check(errors)
    set_password(member, new, now=now or utcnow())
    log.info("member %s changed their password", member.id)


def set_password(member: Member, password: str, *, now: datetime) -> None:
    """Store a new password (already checked against the policy) and end every session and
    API token of the member."""
    member.password_hash = hash_password(password)
    member.password_changed_at = now
    member.failed_logins = 0
    member.locked_until = None
    end_all_sessions(member, now=now)
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.flush()


def sign_out_everywhere(member: Member, *, now: datetime | None = None) -> None:
    """End every session (and, through the session version, every API token) of `member`."""
    end_all_sessions(member, now=now or utcnow())


def grant_role(
    actor, *, member: Member, role, unit: Unit, now: datetime | None = None
) -> RoleAssignment:
    """Give `member` a role on `unit`.

    Admins may grant any role anywhere in scope; organisers may grant roles up to their own
    (never admin) on units in their scope; nobody changes the roles of a member their rank
    does not reach (SPEC 3.8).
    """
    try:
        role = Role(role)
    except ValueError:
        check([("role", _l("Unknown role."))])
    needed = Role.ADMIN if role == Role.ADMIN else Role.ORGANISER
    if not has_role(actor, needed, unit) or not has_role(actor, role, unit):
        raise NotAllowed()
    ensure_rank_allows(actor, member)
    if member.status == MemberStatus.SUSPENDED:
        raise Conflict("member_suspended", _l("A suspended member cannot be given a role."))
    exists = db.session.scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.member_id == member.id,
            RoleAssignment.role == role,
            RoleAssignment.unit_id == unit.id,
        )
    )
    if exists is not None:
        raise Conflict("role_exists", _l("This member already has this role here."))
    ra = RoleAssignment(
        member_id=member.id,
        role=role,
        unit_id=unit.id,
        granted_by_id=actor.id,
        created_at=now or utcnow(),
    )
    db.session.add(ra)
    db.session.flush()
    record(
        actor,
        "role.grant",
        member,
        unit_id=unit.id,
        now=now,
        details={"role": str(role), "unit": unit.code},
    )
    return ra


def revoke_role(actor, ra: RoleAssignment, *, now: datetime | None = None) -> None:
    """Take a role away; the same rights are needed as to grant it (rank included)."""
    role = ra.role_enum
    needed = Role.ADMIN if role == Role.ADMIN else Role.ORGANISER
    if not has_role(actor, needed, ra.unit) or not has_role(actor, role, ra.unit):
        raise NotAllowed()
    ensure_rank_allows(actor, ra.member)
    if ra.member_id == actor.id and role == Role.ADMIN:
        raise Conflict("own_admin_role", _l("You cannot remove your own admin role."))
    record(
        actor,
        "role.revoke",
        ra.member,
        unit_id=ra.unit_id,
        now=now,
        details={"role": ra.role, "unit": ra.unit.code},
    )
    db.session.delete(ra)
    db.session.flush()


def create_admin(*, phone, password, name, now: datetime | None = None) -> tuple[Member, bool]:
    """The `create-admin` command: an active admin on the district.

    Creates a district unit `NS` when the tree is empty. When the phone exists already,
    nothing is created and (member, False) is returned.
    """
    errors = []
    number, err = normalise_phone(phone)
    if err:
        errors.append(("phone", err))
    name, err = required_text(name, 60)
    if err:
        errors.append(("name", err))
    check(errors)
    existing = find_member_by_phone(number)
    if existing is not None:
        return existing, False
    problem = password_problem(password, number)
    check([("password", problem)] if problem else [])
    now = now or utcnow()
    district = db.session.scalar(
        sa.select(Unit).where(Unit.level == Level.DISTRICT).order_by(Unit.id)
    )
    if district is None:
        district = create_unit(
            None,
            code="NS",
            name="南沙区",
            name_en="Nansha District",
            level=Level.DISTRICT,
            lat=22.801,
            lon=113.525,
        )
    community = db.session.scalar(
        sa.select(Unit).where(Unit.level == Level.COMMUNITY).order_by(Unit.id)
    )
    member = Member(
        name=name,
        phone=number,
        password_hash=hash_password(password),
        is_party_member=True,
        skills=[],
        status=MemberStatus.ACTIVE,
        community_id=(community or district).id,
        approved_at=now,
        created_at=now,
        home_lat=district.lat,
        home_lon=district.lon,
    )
    db.session.add(member)
    db.session.flush()
    db.session.add(
        RoleAssignment(member_id=member.id, role=Role.ADMIN, unit_id=district.id, created_at=now)
    )
    db.session.flush()
    record(None, "admin.create", member, unit_id=district.id, now=now)
    return member, True
