"""Reading call-outs, invitations and members' response records."""

import statistics
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..auth.models import Role
from ..auth.permissions import has_role, in_scope
from ..core.errors import NotAllowed, NotFound
from ..extensions import db
from ..units.models import Unit
from .models import Callout, CalloutStatus, Invitation, InvitationStatus


def get_callout(callout_id: int) -> Callout:
    callout = db.session.get(Callout, callout_id)
    if callout is None:
        raise NotFound("callout_not_found")
    return callout


def find_invitation(callout_id: int, member_id: int) -> Invitation | None:
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.callout_id == callout_id, Invitation.member_id == member_id
        )
    )


def ensure_can_view_callout(actor, callout: Callout) -> None:
    """Organisers and coordinators in scope, and the members invited to it."""
    if has_role(actor, Role.COORDINATOR, callout.unit):
        return
    if actor is not None and find_invitation(callout.id, actor.id) is not None:
        return
    raise NotAllowed()


def list_callouts(actor, *, active_only: bool = False, limit: int = 100) -> list[Callout]:
    """Call-outs of units in the actor's coordinator scope, newest first."""
    q = (
        sa.select(Callout)
        .join(Unit, Unit.id == Callout.unit_id)
        .where(in_scope(Unit.path, actor, Role.COORDINATOR))
    )
    if active_only:
        q = q.where(Callout.status != "closed")
    return list(db.session.scalars(q.order_by(Callout.id.desc()).limit(limit)))


def list_invitations(
    member_id: int, *, status: str | None = None, limit: int = 100
) -> list[Invitation]:
    q = (
        sa.select(Invitation)
        .where(Invitation.member_id == member_id)
        .options(joinedload(Invitation.callout))
        .order_by(Invitation.id.desc())
    )
    if status:
        q = q.where(Invitation.status == status)
    return list(db.session.scalars(q.limit(limit)))


def list_invitations_of(callout: Callout) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.callout_id == callout.id)
            .options(joinedload(Invitation.member))
            .order_by(Invitation.team_number.nulls_last(), Invitation.distance_m)
        )
    )


@dataclass
class ResponseRecord:
    invited: int
    accepted: int
    declined: int
    expired: int
    median_answer_s: int | None

    @property
    def response_rate(self) -> float | None:
        asked = self.accepted + self.declined + self.expired
        return (self.accepted + self.declined) / asked if asked else None


def response_record(member_id: int) -> ResponseRecord:
    rows = db.session.execute(
        sa.select(Invitation.status, Invitation.sent_at, Invitation.answered_at).where(
            Invitation.member_id == member_id
        )
    ).all()
    counts = {s.value: 0 for s in InvitationStatus}
    waits = []
    for status, sent_at, answered_at in rows:
        counts[status] += 1
        if answered_at is not None:
            waits.append((answered_at - sent_at).total_seconds())
    return ResponseRecord(
        len(rows),
        counts["accepted"],
        counts["declined"],
        counts["expired"],
        int(statistics.median(waits)) if waits else None,
    )


def list_open_invitations(member_id: int, *, now: datetime, limit: int = 5) -> list[Invitation]:
    """The member's invitations still waiting for an answer (not expired, the call-out still
    calling), soonest deadline first, with their call-outs."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Callout, Callout.id == Invitation.callout_id)
            .where(
                Invitation.member_id == member_id,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > now,
                Callout.status.in_([CalloutStatus.OPEN, CalloutStatus.SHORT]),
            )
            .options(joinedload(Invitation.callout))
            .order_by(Invitation.expires_at, Invitation.id)
            .limit(limit)
        )
    )


def list_active_callouts(actor, *, limit: int = 5) -> list[Callout]:
    """Call-outs in the actor's coordinator scope that are not closed, newest first, with
    their units (the organiser's home page)."""
    return list(
        db.session.scalars(
            sa.select(Callout)
            .join(Unit, Unit.id == Callout.unit_id)
            .where(
                in_scope(Unit.path, actor, Role.COORDINATOR),
                Callout.status != CalloutStatus.CLOSED,
            )
            .options(contains_eager(Callout.unit))
            .order_by(Callout.id.desc())
            .limit(limit)
        )
    )
