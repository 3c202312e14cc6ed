"""Member registration, approval, profile changes, transfers and suspension."""

import logging
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_can_edit_member, ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, NotAllowed, RuleViolation, check
from ..core.privacy import normalise_phone
from ..core.security import hash_password, password_problem
from ..core.validation import lat_lon, optional_text, required_text
from ..extensions import db
from ..units.models import Level, Unit
from . import signals
from .models import Member, MemberStatus, Transfer, TransferStatus
from .skills import normalise_skills

log = logging.getLogger(__name__)

LOCALES = ("zh_CN", "en")


def _community(errors, community_id, field="community_id") -> Unit | None:
    unit = _unit(community_id)
    if unit is None or unit.level != Level.COMMUNITY:
        errors.append((field, _l("Choose a community.")))
        return None
    return unit


def _unit(unit_id) -> Unit | None:
    try:
        return db.session.get(Unit, int(unit_id)) if unit_id not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _grid(errors, grid_id, community: Unit | None) -> Unit | None:
    if grid_id in (None, "", 0):
        return None
    unit = _unit(grid_id)
    if (
        unit is None
        or unit.level != Level.GRID
        or (community is not None and unit.parent_id != community.id)
    ):
        errors.append(("grid_id", _l("Choose a grid of your community.")))
        return None
    return unit


def _profile_fields(errors, *, name, skills, home_lat, home_lon, workplace, locale):
    name, err = required_text(name, 60)
    if err:
        errors.append(("name", err))
    skills = normalise_skills(skills, errors)
    home_lat, home_lon = lat_lon(home_lat, home_lon, errors, prefix="home_")
    workplace, err = optional_text(workplace, 120)
    if err:
        errors.append(("workplace", err))
    if locale not in LOCALES:
        errors.append(("locale", _l("Unknown language.")))
    return name, skills, home_lat, home_lon, workplace


def _email(errors, value) -> str | None:
    """An e-mail address in normal form (ASCII, domain lower-cased), or None when empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(("email", _l("Must be text.")))
        return None
    value = value.strip()
    if not value:
        return None
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        errors.append(("email", _l("Enter a valid e-mail address, e.g. name@example.com.")))
        return None
    address = result.ascii_email or result.normalized
    if len(address) > 255:
        errors.append(("email", _l("At most %(n)s characters.", n=255)))
        return None
    return address


def phone_taken(phone: str) -> bool:
    return db.session.scalar(sa.select(Member.id).where(Member.phone == phone)) is not None


def register_member(
    *,
    name,
    phone,
    password,
    community_id,
    is_party_member=True,
    skills=None,
    home_lat=None,
    home_lon=None,
    workplace=None,
    grid_id=None,
    locale="zh_CN",
    email=None,
    now: datetime | None = None,
    refused=(),
) -> Member:
    """Register a member reporting to a community; they wait for a coordinator's approval.

    The home location defaults to the community's centre; `email` is optional (notices are
    then also sent by e-mail). Raises ValidationFailed for bad fields (with the edge's own
    `refused` pairs: every bad field in one answer) and Conflict("phone_taken") when the
    phone number is registered already.
    """
    errors: list = []
    name, skills, home_lat, home_lon, workplace = _profile_fields(
        errors,
        name=name,
        skills=skills,
        home_lat=home_lat,
        home_lon=home_lon,
        workplace=workplace,
        locale=locale,
    )
    phone, err = normalise_phone(phone)
    if err:
        errors.append(("phone", err))
    problem = password_problem(password, phone)
    if problem:
        errors.append(("password", problem))
    email = _email(errors, email)
    community = _community(errors, community_id)
    grid = _grid(errors, grid_id, community)
    if not isinstance(is_party_member, bool):
        errors.append(("is_party_member", _l("Must be true or false.")))
    check(errors, refused)
    if phone_taken(phone):
        raise Conflict("phone_taken", _l("This phone number is already registered."), field="phone")
    if home_lat is None:
        home_lat, home_lon = community.lat, community.lon
    member = Member(
        name=name,
        phone=phone,
        password_hash=hash_password(password),
        is_party_member=is_party_member,
        skills=skills,
        home_lat=home_lat,
        home_lon=home_lon,
        workplace=workplace,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        status=MemberStatus.PENDING,
        locale=locale,
        email=email,
        created_at=now or utcnow(),
    )
    db.session.add(member)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another request registered the same phone between our check and insert.
        raise Conflict(
            "phone_taken", _l("This phone number is already registered."), field="phone"
        ) from None
    log.info("member %s registered in community %s", member.id, community.id)
    return member


def approve_member(actor, member: Member, *, now: datetime | None = None) -> Member:
    """A coordinator of the member's community approves them: pending → active."""
    ensure_role(actor, Role.COORDINATOR, member.community)
    if member.status != MemberStatus.PENDING:
        raise Conflict("not_pending", _l("Only pending members can be approved."))
    now = now or utcnow()
    member.status = MemberStatus.ACTIVE
    member.approved_at = now
    member.approved_by_id = actor.id
    db.session.flush()
    record(actor, "member.approve", member, unit_id=member.community_id, now=now)
    signals.member_approved.send(member, now=now)
    return member


def suspend_member(actor, member: Member, *, reason, now: datetime | None = None) -> Member:
    """Suspend a member (they can no longer sign in); a reason is required."""
    ensure_role(actor, Role.COORDINATOR, member.community)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    if actor.id == member.id:
        raise RuleViolation("cannot_suspend_self", _l("You cannot suspend yourself."))
    if member.status == MemberStatus.SUSPENDED:
        raise Conflict("already_suspended", _l("This member is already suspended."))
    now = now or utcnow()
    before = member.status
    member.status = MemberStatus.SUSPENDED
    member.suspended_at = now
    member.suspended_reason = reason
    member.session_version += 1
    db.session.flush()
    record(
        actor,
        "member.suspend",
        member,
        unit_id=member.community_id,
        now=now,
        details={"reason": reason, "before": before},
    )
    return member


def reinstate_member(actor, member: Member, *, now: datetime | None = None) -> Member:
    """Lift a suspension; a member who had never been approved becomes pending again."""
    ensure_role(actor, Role.COORDINATOR, member.community)
    if member.status != MemberStatus.SUSPENDED:
        raise Conflict("not_suspended", _l("This member is not suspended."))
    member.status = MemberStatus.ACTIVE if member.approved_at else MemberStatus.PENDING
    member.suspended_at = None
    member.suspended_reason = None
    db.session.flush()
    record(actor, "member.reinstate", member, unit_id=member.community_id, now=now)
    return member


def update_profile(
    actor,
    member: Member,
    *,
    name,
    is_party_member,
    skills,
    home_lat,
    home_lon,
    workplace,
    grid_id=None,
    locale=None,
    email=None,
    refused=(),
) -> Member:
    """The member (or a coordinator in scope) edits name, skills, home location and more.

    `locale` and `email` stay as they are when None; an empty `email` removes the address.
    `refused`: the edge's own field errors, reported together with these checks.
    """
    ensure_can_edit_member(actor, member)
    locale = locale or member.locale
    errors: list = []
    name, skills, home_lat, home_lon, workplace = _profile_fields(
        errors,
        name=name,
        skills=skills,
        home_lat=home_lat,
        home_lon=home_lon,
        workplace=workplace,
        locale=locale,
    )
    grid = _grid(errors, grid_id, member.community)
    new_email = _email(errors, email) if email is not None else member.email
    if not isinstance(is_party_member, bool):
        errors.append(("is_party_member", _l("Must be true or false.")))
    check(errors, refused)
    if home_lat is None:
        home_lat, home_lon = member.community.lat, member.community.lon
    member.name, member.is_party_member, member.skills = name, is_party_member, skills
    member.home_lat, member.home_lon, member.workplace = home_lat, home_lon, workplace
    member.grid_id = grid.id if grid else None
    member.locale = locale
    member.email = new_email
    db.session.flush()
    if actor.id != member.id:
        record(actor, "member.update", member, unit_id=member.community_id)
    return member


def set_locale(member: Member, locale: str) -> None:
    if locale in LOCALES:
        member.locale = locale
        db.session.flush()


def request_transfer(
    member: Member, *, to_community_id, note=None, now: datetime | None = None
) -> Transfer:
    """Ask to report to another community; its coordinator decides."""
    errors: list = []
    community = _community(errors, to_community_id, field="to_community_id")
    note, err = optional_text(note, 255)
    if err:
        errors.append(("note", err))
    if community is not None and community.id == member.community_id:
        errors.append(("to_community_id", _l("You already report to this community.")))
    check(errors)
    if member.status == MemberStatus.SUSPENDED:
        raise NotAllowed()
    transfer = Transfer(
        member_id=member.id,
        from_community_id=member.community_id,
        to_community_id=community.id,
        note=note,
        created_at=now or utcnow(),
    )
    db.session.add(transfer)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(
            "transfer_pending",
            _l("You already have a transfer request waiting."),
            field="to_community_id",
        ) from None
    return transfer


def withdraw_transfer(member: Member, transfer: Transfer) -> Transfer:
    if transfer.member_id != member.id:
        raise NotAllowed()
    if transfer.status != TransferStatus.PENDING:
        raise Conflict("transfer_decided", _l("This request has been decided already."))
    transfer.status = TransferStatus.WITHDRAWN
    db.session.flush()
    return transfer


def decide_transfer(
    actor, transfer: Transfer, *, approve: bool, reason=None, now: datetime | None = None
) -> Transfer:
    """A coordinator of the receiving community approves (the member moves) or rejects."""
    ensure_role(actor, Role.COORDINATOR, transfer.to_community)
    reason, err = optional_text(reason, 255)
    if not approve and not reason:
        err = err or _l("Give a reason when you reject.")
    check([("reason", err)] if err else [])
    if transfer.status != TransferStatus.PENDING:
        raise Conflict("transfer_decided", _l("This request has been decided already."))
    now = now or utcnow()
    transfer.status = TransferStatus.APPROVED if approve else TransferStatus.REJECTED
    transfer.decided_at, transfer.decided_by_id = now, actor.id
    transfer.decision_reason = reason
    member = transfer.member
    if approve:
        old = member.community
        member.community_id = transfer.to_community_id
        member.grid_id = None
        if member.home_lat == old.lat and member.home_lon == old.lon:
            member.home_lat, member.home_lon = transfer.to_community.lat, transfer.to_community.lon
    db.session.flush()
    db.session.expire(member, ["community"])
    record(
        actor,
        "transfer.approve" if approve else "transfer.reject",
        transfer,
        unit_id=transfer.to_community_id,
        now=now,
        details={
            "member_id": member.id,
            "from": transfer.from_community_id,
            "to": transfer.to_community_id,
            "reason": reason,
        },
    )
    signals.transfer_decided.send(transfer, now=now)
    return transfer
