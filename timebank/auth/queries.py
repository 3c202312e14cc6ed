"""Reading role assignments within the viewer's scope, and signed-in sessions."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..core.errors import NotFound
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from .models import MemberSession, Role, RoleAssignment
from .permissions import in_scope
from .sessions import is_live, session_digest


def get_assignment(assignment_id: int) -> RoleAssignment:
    ra = db.session.get(RoleAssignment, assignment_id)
    if ra is None:
        raise NotFound("role_not_found")
    return ra


def list_assignments(actor) -> list[RoleAssignment]:
    """Role assignments on units in the actor's organiser scope."""
    return list(
        db.session.scalars(
            sa.select(RoleAssignment)
            .join(Unit, Unit.id == RoleAssignment.unit_id)
            .where(in_scope(Unit.path, actor, Role.ORGANISER))
            .options(joinedload(RoleAssignment.member), joinedload(RoleAssignment.unit))
            .order_by(Unit.path, RoleAssignment.role)
        )
    )


def find_live_session(raw: str, *, now: datetime, max_idle: timedelta) -> MemberSession | None:
    """The live session with this cookie id, its member, roles and their units loaded (all a
    request needs to know who is asking), or None."""
    if not raw or len(raw) > 100:
        return None
    # One statement on every signed-in request: the roles joined too (a member holds few),
    # not read by a second SELECT … IN.
    record = (
        db.session.execute(
            sa.select(MemberSession)
            .where(MemberSession.token_hash == session_digest(raw))
            .options(
                joinedload(MemberSession.member)
                .joinedload(Member.roles)
                .joinedload(RoleAssignment.unit)
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if record is None or not is_live(record, now=now, max_idle=max_idle):
        return None
    return record


def list_live_sessions(member: Member, *, now: datetime, max_idle: timedelta) -> list:
    """The member's sessions that can still sign in, most recently seen first."""
    rows = db.session.scalars(
        sa.select(MemberSession)
        .where(
            MemberSession.member_id == member.id,
            MemberSession.ended_at.is_(None),
            MemberSession.session_version == member.session_version,
            MemberSession.last_seen_at > now - max_idle,
        )
        .options(selectinload(MemberSession.member))
        .order_by(MemberSession.last_seen_at.desc(), MemberSession.id.desc())
    )
    return list(rows)
