"""Raising a call-out, answering it, filling, teams and closing (SPEC 3.4); waves: `waves`.

Answers wait for no lock before they read: a decline is a conditional UPDATE of its
invitation, and an accept claims a place with a conditional UPDATE (`accepted < needed`,
backed by a CHECK) that keeps the call-out's row locked to the commit, so concurrent
accepts never pass the head-count. Filling, standing down and the tick lock the row
(FOR UPDATE on PostgreSQL; SQLite's single writer serialises); top-ups hold the call-out's
top-up lock before its row (`waves`), so a decline's top-up and a tick never over-invite.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..checkin.models import Attendance
from ..core.clock import utcnow
from ..core.errors import Conflict, ValidationFailed, check
from ..core.validation import required_text
from ..extensions import db
from ..shifts.models import Shift, ShiftKind, ShiftStatus
from ..shifts.signups import confirm_from_callout, let_off_absent
from . import signals
from .models import Callout, CalloutStatus, Invitation, InvitationStatus
from .teams import form_teams
from .validation import validate_callout
from .waves import lock, lock_top_up, mark_due, top_up

log = logging.getLogger(__name__)

#: An emergency shift without an end runs this long.
DEFAULT_LENGTH = timedelta(hours=4)
#: The states in which a call-out still takes answers and invites.
ACTIVE = (CalloutStatus.OPEN, CalloutStatus.SHORT)


def raise_callout(actor, *, now: datetime | None = None, refused=(), **fields) -> Callout:
    """Create a call-out and its emergency shift, and send the first wave at once.

    Organisers and coordinators, for a unit in their scope (default: their own community):
    the unit is chosen among those, so validate_callout's choice of it is the one check of
    rights (a unit out of scope is a 422 on `unit_id`, as a form's select would say).
    `refused`: the edge's own field errors, reported together with the call-out's checks.
    """
    now = now or utcnow()
    data, unit = validate_callout(actor, fields, now, refused)
    callout = Callout(**data, unit_id=unit.id, raised_by_id=actor.id, created_at=now)
    db.session.add(callout)
    db.session.flush()
    shift = Shift(
        community_id=unit.id,
        checkpoint_id=callout.checkpoint_id,
        kind=ShiftKind.EMERGENCY,
        title=callout.title,
        description=callout.description,
        starts_at=callout.starts_at,
        ends_at=callout.ends_at or callout.starts_at + DEFAULT_LENGTH,
        capacity=callout.needed,
        skills=callout.skills,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(shift)
    db.session.flush()
    callout.shift_id = shift.id
    top_up(callout, now=now)
    record(
        actor,
        "callout.raise",
        callout,
        unit_id=unit.id,
        now=now,
        details={
            "needed": callout.needed,
            "kind": callout.kind,
            "invited": callout_counts(callout)["invited"],
        },
    )
    return callout


@dataclass(frozen=True)
class Answered:
    """What an answer did: the call-out and the invitation as they now are, and whether the
    answer changed anything (False: accepted already, and accepting again is harmless)."""

    callout: Callout
    invitation: Invitation
    changed: bool


def respond(member, callout: Callout, *, answer: str, now: datetime | None = None) -> Invitation:
    """Accept or decline (see `answer_invitation`); returns the invitation."""
    return answer_invitation(member, callout.id, answer=answer, now=now).invitation


def answer_invitation(member, callout_id: int, *, answer: str, now: datetime | None = None):
    """Accept or decline an invitation. Refusals: callout_closed, not_invited,
    callout_filled, invitation_expired, already_answered (all 409).

    One read, then conditional updates, no lock waited for first: a decline is one UPDATE
    of the invitation (still pending, still in time) and leaves its top-up to
    `waves.top_up_declined`, which the edge calls right after the commit; an accept claims a
    place on the call-out's counter first (its row then stays locked to the commit), then
    the invitation the same way, and gives the place back if the invitation changed
    meanwhile. When an update finds nothing, the state is read again for the refusal.
    """
    now = now or utcnow()
    if answer not in ("accept", "decline"):
        raise ValidationFailed([("answer", _l("Answer accept or decline."))])
    callout, invitation = _read(callout_id, member.id)
    if _refuse(callout, invitation, answer, now):
        return Answered(callout, invitation, False)
    if answer == "decline":
        answered = _decline(callout, invitation, now)
    else:
        answered = _accept(callout, invitation, now)
    if answered.changed:
        signals.invitation_answered.send(answered.callout, invitation=answered.invitation, now=now)
    return answered


def _read(callout_id: int, member_id: int) -> tuple[Callout, Invitation | None]:
    callout, invitation = db.session.execute(
        sa.select(Callout, Invitation)
        .outerjoin(
            Invitation,
            (Invitation.callout_id == Callout.id) & (Invitation.member_id == member_id),
        )
        .where(Callout.id == callout_id)
        .execution_options(populate_existing=True)
    ).one()
    return callout, invitation


def _refuse(callout: Callout, invitation: Invitation | None, answer: str, now) -> bool:
    """Raise the refusal the state calls for; True when it is accepted already (again)."""
    if callout.status == CalloutStatus.CLOSED:
        raise Conflict("callout_closed", _l("This call-out is closed."))
    if invitation is None:
        raise Conflict("not_invited", _l("You are not invited to this call-out."))
    if invitation.status == InvitationStatus.ACCEPTED and answer == "accept":
        return True
    if callout.status == CalloutStatus.FILLED or invitation.status == InvitationStatus.NOT_NEEDED:
        raise Conflict("callout_filled", _l("Thank you — enough people have answered already."))
    if invitation.status == InvitationStatus.EXPIRED or (
        invitation.status == InvitationStatus.PENDING and invitation.expires_at <= now
    ):
        # The next tick marks it expired and invites the next member (a refusal writes
        # nothing: the caller rolls back).
        raise Conflict("invitation_expired", _l("The time to answer has passed."))
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict("already_answered", _l("You have answered already."))
    return False


def _set_invitation(invitation: Invitation, status: str, now) -> Invitation | None:
    """Pending and in time → `status`, in one UPDATE; None when it was not."""
    return db.session.scalars(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now,
        )
        .values(status=status, answered_at=now)
        .returning(Invitation),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).one_or_none()


def _count_place(callout_id: int, change: int, *, claim: bool) -> Callout | None:
    """Add `change` to the accepted head-count (claim: only while places are left and the
    call-out runs) and return the call-out as it now is; None when no place was left."""
    q = sa.update(Callout).where(Callout.id == callout_id)
    if claim:
        q = q.where(Callout.accepted < Callout.needed, Callout.status.in_(ACTIVE))
    return db.session.scalars(
        q.values(accepted=Callout.accepted + change).returning(Callout),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).one_or_none()


def _again(callout: Callout, member_id: int, answer: str, now) -> Answered:
    """A conditional update found nothing: read again and refuse (or: accepted already)."""
    callout, invitation = _read(callout.id, member_id)
    if _refuse(callout, invitation, answer, now):
        return Answered(callout, invitation, False)
    raise Conflict("already_answered", _l("You have answered already."))


def _decline(callout: Callout, invitation: Invitation, now) -> Answered:
    declined = _set_invitation(invitation, InvitationStatus.DECLINED, now)
    if declined is None:
        return _again(callout, invitation.member_id, "decline", now)
    mark_due(callout.id)
    return Answered(callout, declined, True)


def _accept(callout: Callout, invitation: Invitation, now) -> Answered:
    member_id = invitation.member_id
    claimed = _count_place(callout.id, +1, claim=True)
    if claimed is None:
        return _again(callout, member_id, "accept", now)
    accepted = _set_invitation(invitation, InvitationStatus.ACCEPTED, now)
    if accepted is None:
        _count_place(callout.id, -1, claim=False)  # the place goes back
        return _again(callout, member_id, "accept", now)
    callout = claimed
    _add_to_shift(callout, member_id, now)
    db.session.flush()
    if callout.accepted >= callout.needed:
        fill(callout, now=now)
    log.info(
        "call-out %s: member %s accepted (%s/%s)",
        callout.id,
        member_id,
        callout.accepted,
        callout.needed,
    )
    return Answered(callout, accepted, True)


def _add_to_shift(callout: Callout, member_id: int, now) -> None:
    if callout.shift_id is not None:
        confirm_from_callout(callout.shift_id, member_id, now=now)


def fill(callout: Callout, *, now: datetime) -> None:
    """Filled: pending invitations are not needed, teams are formed, everyone is told."""
    claimed = (
        db.session.execute(
            sa.update(Callout)
            .where(
                Callout.id == callout.id,
                Callout.status.in_([CalloutStatus.OPEN, CalloutStatus.SHORT]),
            )
            .values(status=CalloutStatus.FILLED, filled_at=now, short_at=None)
        ).rowcount
        == 1
    )
    if not claimed:
        return
    withdraw_pending(callout)
    db.session.refresh(callout)
    teams = form_teams(callout)
    signals.callout_filled.send(callout, teams=teams, now=now)
    log.info(
        "call-out %s filled in %s s with %s teams",
        callout.id,
        int((now - callout.created_at).total_seconds()),
        len(teams),
    )


def close(actor, callout: Callout, *, reason, now: datetime | None = None, refused=()) -> Callout:
    """Stand a call-out down (organisers in scope), with the reason everyone invited is told.

    Waiting invitations are withdrawn; the emergency shift ends now (or is called off if it
    has not started), and those who accepted but never checked in are let off rather than
    counted as no-shows. Refusals: 403 out of scope, 422 without a reason, 409 closed.
    `refused`: the edge's own field errors (the form's, the API schema's).
    """
    ensure_role(actor, Role.ORGANISER, callout.unit)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [], refused)
    now = now or utcnow()
    callout = lock(callout.id)
    if callout.status == CalloutStatus.CLOSED:
        raise Conflict("callout_closed", _l("This call-out is closed already."))
    callout.status, callout.closed_at, callout.close_reason = CalloutStatus.CLOSED, now, reason
    # Withdraw first, then read: a decline that does not lock the row either committed
    # before the withdrawal (it is read as declined) or finds nothing pending after it.
    withdrawn = _withdraw(callout)
    invited = dict(
        db.session.execute(
            sa.select(Invitation.member_id, Invitation.status).where(
                Invitation.callout_id == callout.id
            )
        ).all()
    )
    _end_shift(callout, reason, now)
    db.session.flush()
    accepted = [m for m, status in invited.items() if status == InvitationStatus.ACCEPTED]
    others = [m for m in invited if m not in set(accepted)]
    signals.callout_closed.send(
        callout, withdrawn_ids=withdrawn, accepted_ids=accepted, other_ids=others, now=now
    )
    record(
        actor,
        "callout.close",
        callout,
        unit_id=callout.unit_id,
        now=now,
        details={**callout_counts(callout), "reason": reason},
    )
    return callout


def withdraw_pending(callout: Callout) -> int:
    """Mark the call-out's waiting invitations not needed (filled, stood down, ended): the
    one place they are withdrawn. Returns how many were."""
    return len(_withdraw(callout))


def _withdraw(callout: Callout) -> list[int]:
    """withdraw_pending, returning the members whose invitation it withdrew."""
    return list(
        db.session.scalars(
            sa.update(Invitation)
            .where(
                Invitation.callout_id == callout.id, Invitation.status == InvitationStatus.PENDING
            )
            .values(status=InvitationStatus.NOT_NEEDED)
            .returning(Invitation.member_id)
        )
    )


def _end_shift(callout: Callout, reason: str, now: datetime) -> None:
    """The emergency shift stops at the stand-down: called off before its start, else it
    ends now (attendances close and are credited as usual). Confirmed sign-ups without a
    check-in are cancelled, never late: nobody is a no-show for a stand-down."""
    shift = callout.shift
    if shift is None or shift.ends_at <= now:
        return
    arrived = sa.select(Attendance.member_id).where(Attendance.shift_id == shift.id)
    let_off_absent(shift, now=now, arrived=arrived)
    if shift.starts_at >= now:
        shift.status, shift.cancelled_at = ShiftStatus.CANCELLED, now
        shift.cancel_reason = reason
    else:
        shift.ends_at = now


def tick(callout_id: int, *, now: datetime) -> int:
    """One scheduler pass over one active call-out: expire due invitations, top up, and
    close it once its end has passed. Returns how many invitations changed."""
    lock_top_up(callout_id)
    callout = lock(callout_id)
    if not callout.is_active and callout.status != CalloutStatus.FILLED:
        return 0
    if callout.ends_at and callout.ends_at <= now:
        callout.status, callout.closed_at = CalloutStatus.CLOSED, now
        withdraw_pending(callout)
        return 1
    if callout.status == CalloutStatus.FILLED:
        return 0
    expired = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.callout_id == callout.id,
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at <= now,
        )
        .values(status=InvitationStatus.EXPIRED)
    ).rowcount
    return expired + top_up(callout, now=now)


def callout_counts(callout: Callout) -> dict:
    rows = dict(
        db.session.execute(
            sa.select(Invitation.status, sa.func.count())
            .where(Invitation.callout_id == callout.id)
            .group_by(Invitation.status)
        ).all()
    )
    counts = {s.value: rows.get(s.value, 0) for s in InvitationStatus}
    counts["invited"] = sum(rows.values())
    return counts
