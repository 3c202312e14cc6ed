"""Members' branches (组织关系, SPEC 7): a member names their branch, a secretary decides.

A member names a branch at registration or on their profile: a `pending` request. The
branch's secretary, a secretary above it or an admin confirms it (the member's earlier
confirmed branch is kept as `replaced`) or refuses it with a reason; the member is told
either way (`signals.membership_decided`). A secretary in scope may also put a party
member in a branch directly (confirmed at once). The rows are the history: at most one
`confirmed` and one `pending` row per member, held by partial unique indexes.

Each rule is one function taking the actor and `now`; they flush, the edges commit.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import has_role, is_secretary, secretary_in_scope
from ..core.errors import Conflict, NotAllowed, NotFound, RuleViolation, check
from ..dispatch.validation import text
from ..extensions import db
from ..members.models import Member, MemberStatus
from . import signals
from .models import MembershipStatus, OrgKind, PartyMembership, PartyOrg

REASON_MAX = 255


def _live(member_id: int, status: MembershipStatus) -> PartyMembership | None:
    return db.session.scalar(
        sa.select(PartyMembership)
        .where(PartyMembership.member_id == member_id, PartyMembership.status == status)
        .execution_options(populate_existing=True)
    )


def _lock_member(member_id: int) -> None:
    """Serialise changes of one member's branches: the member's row is locked first (no-op
    on SQLite, whose writers take the write lock at BEGIN), then their rows re-read."""
    db.session.execute(sa.select(Member.id).where(Member.id == member_id).with_for_update())


def confirmed_of(member: Member) -> PartyMembership | None:
    """The member's confirmed branch (their 组织关系), or None."""
    return _live(member.id, MembershipStatus.CONFIRMED)


def pending_of(member: Member) -> PartyMembership | None:
    """The member's request waiting for a secretary, or None."""
    return _live(member.id, MembershipStatus.PENDING)


def history_of(member: Member, limit: int = 10) -> list[PartyMembership]:
    """The member's branches and requests, newest first."""
    return list(
        db.session.scalars(
            sa.select(PartyMembership)
            .where(PartyMembership.member_id == member.id)
            .order_by(PartyMembership.id.desc())
            .limit(limit)
        )
    )


def get_request(ship_id: int) -> PartyMembership:
    ship = db.session.get(PartyMembership, ship_id)
    if ship is None:
        raise NotFound("membership_not_found", _l("No such branch request."))
    return ship


def branch_choices() -> list[tuple[int, str, str]]:
    """Every branch as (id, name, the name of the organisation above it), by path."""
    parent = sa.orm.aliased(PartyOrg)
    rows = db.session.execute(
        sa.select(PartyOrg.id, PartyOrg.name, sa.func.coalesce(parent.name, ""))
        .outerjoin(parent, parent.id == PartyOrg.parent_id)
        .where(PartyOrg.kind == OrgKind.BRANCH)
        .order_by(PartyOrg.path)
    )
    return [tuple(r) for r in rows]


def _ensure_party_member(member: Member) -> None:
    if not member.is_party_member:
        raise RuleViolation(
            "not_party_member",
            _l("Only party members belong to a party branch."),
            field="party_org_id",
        )


def _ensure_branch(org: PartyOrg) -> None:
    if org.kind != OrgKind.BRANCH:
        check([("party_org_id", _l("Members belong to a branch."))])


def _end(ship: PartyMembership, status: MembershipStatus, by_id, now: datetime) -> None:
    """End a live row, only if it is still what it was read as (409 `already_decided`)."""
    matched = db.session.execute(
        sa.update(PartyMembership)
        .where(PartyMembership.id == ship.id, PartyMembership.status == ship.status)
        .values(status=status, ended_at=now, ended_by_id=by_id)
    ).rowcount
    if matched != 1:
        raise Conflict("already_decided", _l("This request is decided already."))
    db.session.refresh(ship)


def name_branch(member: Member, org: PartyOrg, *, now: datetime) -> PartyMembership:
    """A party member names their branch (registration, profile): a pending request until
    a secretary in scope or an admin decides. An earlier pending request is withdrawn;
    naming the confirmed branch again only withdraws it. 422 `not_party_member`."""
    _ensure_branch(org)
    _ensure_party_member(member)
    _lock_member(member.id)
    confirmed, pending = confirmed_of(member), pending_of(member)
    if pending is not None and pending.party_org_id == org.id:
        return pending
    if pending is not None:
        _end(pending, MembershipStatus.WITHDRAWN, member.id, now)
    if confirmed is not None and confirmed.party_org_id == org.id:
        return confirmed
    ship = PartyMembership(
        member_id=member.id, party_org_id=org.id, status=MembershipStatus.PENDING, created_at=now
    )
    db.session.add(ship)
    db.session.flush()
    record(member, "party_org.name_branch", org, now=now, details={"member": member.id})
    signals.branch_named.send(ship, now=now)
    return ship


def can_decide(actor, org: PartyOrg | None = None) -> bool:
    """The branch's secretary, a secretary above it, or an admin (with `org=None`: a
    secretary of any organisation, or an admin)."""
    return is_secretary(actor, org) or has_role(actor, Role.ADMIN)


def ensure_can_decide(actor, org: PartyOrg | None = None) -> None:
    if not can_decide(actor, org):
        raise NotAllowed()


def _claim(ship: PartyMembership, values: dict) -> None:
    """Move the request out of `pending`, once: the row is locked and re-read, then changed
    by a conditional UPDATE; the loser of two deciders gets 409 `already_decided`."""
    status = db.session.scalar(
        sa.select(PartyMembership.status)
        .where(PartyMembership.id == ship.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if status != MembershipStatus.PENDING:
        raise Conflict("already_decided", _l("This request is decided already."))
    replaced = values.get("status") == MembershipStatus.CONFIRMED
    if replaced:
        db.session.execute(
            sa.update(PartyMembership)
            .where(
                PartyMembership.member_id == ship.member_id,
                PartyMembership.status == MembershipStatus.CONFIRMED,
            )
            .values(
                status=MembershipStatus.REPLACED,
                ended_at=values["confirmed_at"],
                ended_by_id=values["confirmed_by_id"],
            )
        )
    matched = db.session.execute(
        sa.update(PartyMembership)
        .where(PartyMembership.id == ship.id, PartyMembership.status == MembershipStatus.PENDING)
        .values(**values)
    ).rowcount
    if matched != 1:
        raise Conflict("already_decided", _l("This request is decided already."))
    db.session.refresh(ship)


def decide(actor, ship: PartyMembership, *, confirm: bool, reason=None, now: datetime):
    """Confirm a member's pending branch (the earlier confirmed one is kept as `replaced`)
    or refuse it with a reason; the member is told either way. 403 out of scope, 422 a
    refusal without a reason or (on confirming) `not_party_member`, 409 `already_decided`."""
    ensure_can_decide(actor, ship.party_org)
    reason, err = text(reason, REASON_MAX, required=not confirm)
    check([("reason", err)] if err else [])
    member = db.session.get(Member, ship.member_id)
    _lock_member(member.id)
    if confirm:
        _ensure_party_member(member)
        values = {
            "status": MembershipStatus.CONFIRMED,
            "confirmed_at": now,
            "confirmed_by_id": actor.id,
            "reason": reason,
        }
    else:
        values = {
            "status": MembershipStatus.REFUSED,
            "ended_at": now,
            "ended_by_id": actor.id,
            "reason": reason,
        }
    _claim(ship, values)
    action = "party_org.confirm_member" if confirm else "party_org.refuse_member"
    record(actor, action, ship.party_org, now=now, details={"member": ship.member_id})
    signals.membership_decided.send(ship, confirmed=confirm, now=now)
    return ship


def ensure_can_add_member(actor, org: PartyOrg | None = None) -> None:
    """Secretaries in scope and admins put members in a branch (NotAllowed otherwise;
    with `org=None`, secretaries of any organisation)."""
    if not can_decide(actor, org):
        raise NotAllowed()


def add_member(actor, org: PartyOrg, member: Member, *, now: datetime) -> PartyMembership:
    """A secretary in scope (or an admin) puts a party member in a branch, confirmed at
    once; the member's earlier branch is kept as `replaced`, a pending request for this
    branch is confirmed. 422 `not_party_member`."""
    ensure_can_add_member(actor, org)
    _ensure_branch(org)
    _ensure_party_member(member)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.PENDING):
        check([("member_id", _l("No such active member."))])
    _lock_member(member.id)
    confirmed, pending = confirmed_of(member), pending_of(member)
    if confirmed is not None and confirmed.party_org_id == org.id:
        return confirmed
    if pending is not None and pending.party_org_id == org.id:
        return decide(actor, pending, confirm=True, now=now)
    if confirmed is not None:
        _end(confirmed, MembershipStatus.REPLACED, actor.id, now)
    ship = PartyMembership(
        member_id=member.id,
        party_org_id=org.id,
        status=MembershipStatus.CONFIRMED,
        created_at=now,
        confirmed_at=now,
        confirmed_by_id=actor.id,
    )
    db.session.add(ship)
    db.session.flush()
    record(actor, "party_org.add_member", org, now=now, details={"member": member.id})
    return ship


def requests_in_scope(actor, limit: int = 200) -> list[PartyMembership]:
    """Pending requests the actor may decide, oldest first: in the secretary's subtree, or
    all of them for an admin."""
    query = (
        sa.select(PartyMembership)
        .join(PartyOrg, PartyOrg.id == PartyMembership.party_org_id)
        .where(PartyMembership.status == MembershipStatus.PENDING)
        .options(
            sa.orm.joinedload(PartyMembership.member).joinedload(Member.community),
            sa.orm.joinedload(PartyMembership.party_org),
        )
        .order_by(PartyMembership.created_at, PartyMembership.id)
        .limit(limit)
    )
    if not has_role(actor, Role.ADMIN):
        query = query.where(secretary_in_scope(PartyOrg.path, actor))
    return list(db.session.scalars(query))
