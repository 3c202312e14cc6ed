"""Member registration, approval, profile changes, transfers and suspension."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_can_edit_member, ensure_can_manage_member, ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, NotAllowed, RuleViolation, check
from ..core.privacy import normalise_phone
from ..core.security import hash_password, password_problem
from ..core.validation import optional_text, required_text
from ..extensions import db
from . import signals
from .models import Member, MemberStatus, Transfer, TransferStatus
from .validation import (
    LOCALES,
    check_community,
    check_email,
    check_grid,
    check_party_flag,
    check_profile_fields,
)

log = logging.getLogger(__name__)


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
    fields = _registration_fields(
        name=name,
        phone=phone,
        password=password,
        community_id=community_id,
        is_party_member=is_party_member,
        skills=skills,
        home_lat=home_lat,
        home_lon=home_lon,
        workplace=workplace,
        grid_id=grid_id,
        locale=locale,
        email=email,
        refused=refused,
    )
    community = fields.pop("community")
    if phone_taken(fields["phone"]):
        raise Conflict("phone_taken", _l("This phone number is already registered."), field="phone")
    member = Member(
        **fields,
        password_hash=hash_password(password),
        status=MemberStatus.PENDING,
        created_at=now or utcnow(),
    )
    _insert_new_member(member)
    log.info("member %s registered in community %s", member.id, community.id)
    return member


def _registration_fields(*, password, community_id, grid_id, refused, **given) -> dict:
    """The new member's checked columns (and their `community`), or ValidationFailed with
    every bad field at once. The home location defaults to the community's centre."""
    errors: list = []
    name, skills, home_lat, home_lon, workplace = check_profile_fields(
        errors,
        name=given["name"],
        skills=given["skills"],
        home_lat=given["home_lat"],
        home_lon=given["home_lon"],
        workplace=given["workplace"],
        locale=given["locale"],
    )
    phone, err = normalise_phone(given["phone"])
    if err:
        errors.append(("phone", err))
    problem = password_problem(password, phone)
    if problem:
        errors.append(("password", problem))
    email = check_email(errors, given["email"])
    community = check_community(errors, community_id)
    grid = check_grid(errors, grid_id, community)
    check_party_flag(errors, given["is_party_member"])
    check(errors, refused)
    if home_lat is None:
        home_lat, home_lon = community.lat, community.lon
    return dict(
        name=name,
        phone=phone,
        is_party_member=given["is_party_member"],
        skills=skills,
        home_lat=home_lat,
        home_lon=home_lon,
        workplace=workplace,
        community=community,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        locale=given["locale"],
        email=email,
    )


def _insert_new_member(member: Member) -> None:
    """Flush the new member; a phone registered meanwhile by another request is a 409."""
    db.session.add(member)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another request registered the same phone between our check and insert.
        raise Conflict(
            "phone_taken", _l("This phone number is already registered."), field="phone"
        ) from None


def approve_member(actor, member: Member, *, now: datetime | None = None) -> Member:
    """A coordinator of the member's community approves them: pending → active."""
    ensure_can_manage_member(actor, member)
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


def reject_member(actor, member: Member, *, reason, now: datetime | None = None) -> Member:
    """A coordinator of the member's community turns a registration down: pending → rejected.

    A reason is required; the applicant is told it (inbox, e-mail and SMS, since they can no
    longer sign in) and sees it again when they try to sign in. Their sessions and tokens end.
    """
    ensure_can_manage_member(actor, member)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    if member.status != MemberStatus.PENDING:
        raise Conflict("not_pending", _l("Only pending members can be rejected."))
    now = now or utcnow()
    member.status = MemberStatus.REJECTED
    member.rejected_at = now
    member.rejected_reason = reason
    member.session_version += 1
    db.session.flush()
    record(
        actor,
        "member.reject",
        member,
        unit_id=member.community_id,
        now=now,
        details={"reason": reason},
    )
    signals.member_rejected.send(member, now=now)
    return member


def suspend_member(actor, member: Member, *, reason, now: datetime | None = None) -> Member:
    """Suspend a member (they can no longer sign in); a reason is required.

    Coordinators in scope whose rank reaches the member (SPEC 3.8).
    """
    ensure_can_manage_member(actor, member)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    if actor.id == member.id:
        raise RuleViolation("cannot_suspend_self", _l("You cannot suspend yourself."))
    if member.status == MemberStatus.SUSPENDED:
        raise Conflict("already_suspended", _l("This member is already suspended."))
    if member.status == MemberStatus.REJECTED:
        raise Conflict("member_rejected", _l("This registration was not approved."))
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
    ensure_can_manage_member(actor, member)
    if member.status != MemberStatus.SUSPENDED:
        raise Conflict("not_suspended", _l("This member is not suspended."))
    member.status = MemberStatus.ACTIVE if member.approved_at else MemberStatus.PENDING
    member.suspended_at = None
    member.suspended_reason = None
    db.session.flush()
    record(actor, "member.reinstate", member, unit_id=member.community_id, now=now)
    return member


#: What update_profile() may change; the API's PATCH sends any subset of these.
PROFILE_FIELDS = (
    "name",
    "email",
    "is_party_member",
    "skills",
    "home_lat",
    "home_lon",
    "workplace",
    "grid_id",
    "locale",
)


def update_profile(actor, member: Member, *, refused=(), **changes) -> Member:
    """Change the profile fields given and only those (SPEC 3.9): the member or a
    coordinator in scope whose rank reaches them.

    Keys are PROFILE_FIELDS; a field left out keeps its value (a form sends them all, a
    PATCH what it names). `home_lat` and `home_lon` are checked as a pair with what is kept:
    both None puts the home back at the community's centre. None or "" clears `workplace`,
    `grid_id` and `email`. `refused`: the edge's own field errors, reported with these.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    ensure_can_edit_member(actor, member)
    given = {f: changes.get(f, getattr(member, f)) for f in PROFILE_FIELDS}
    errors: list = []
    name, skills, home_lat, home_lon, workplace = check_profile_fields(
        errors,
        name=given["name"],
        skills=given["skills"],
        home_lat=given["home_lat"],
        home_lon=given["home_lon"],
        workplace=given["workplace"],
        locale=given["locale"],
    )
    grid = check_grid(errors, given["grid_id"], member.community)
    email = check_email(errors, given["email"])
    party = check_party_flag(errors, given["is_party_member"])
    check(errors, refused)
    if home_lat is None:
        home_lat, home_lon = member.community.lat, member.community.lon
    member.name, member.is_party_member, member.skills = name, party, skills
    member.home_lat, member.home_lon, member.workplace = home_lat, home_lon, workplace
    member.grid_id = grid.id if grid else None
    member.locale, member.email = given["locale"], email
    db.session.flush()
    if actor.id != member.id:
        record(
            actor,
            "member.update",
            member,
            unit_id=member.community_id,
            details={"fields": sorted(changes)},
        )
    return member


def set_locale(member: Member, locale: str) -> None:
    if locale in LOCALES:
        member.locale = locale
        db.session.flush()


def request_transfer(
    member: Member, *, to_community_id, note=None, now: datetime | None = None
) -> Transfer:
    """Ask to report to another community; its coordinator decides. Active members only."""
    if member.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    errors: list = []
    community = check_community(errors, to_community_id, field="to_community_id")
    note, err = optional_text(note, 255)
    if err:
        errors.append(("note", err))
    if community is not None and community.id == member.community_id:
        errors.append(("to_community_id", _l("You already report to this community.")))
    check(errors)
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
