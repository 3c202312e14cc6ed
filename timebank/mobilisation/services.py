"""Raising a call-out, answering it, waves, filling, teams and closing (SPEC 3.4).

Every change to a call-out first locks its row (FOR UPDATE on PostgreSQL; SQLite's single
writer serialises), so a decline's top-up and a scheduler tick never invite the same member
twice. Acceptances claim a place with a conditional UPDATE (`accepted < needed`) backed by a
CHECK, so concurrent accepts never pass the head-count.
"""

import logging
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..checkin.models import Attendance
from ..core.clock import utcnow
from ..core.errors import Conflict, ValidationFailed, check
from ..core.settings import setting
from ..core.validation import required_text
from ..extensions import db
from ..shifts.models import Shift, ShiftKind, ShiftStatus
from ..shifts.signups import confirm_from_callout, let_off_absent
from . import signals
from .candidates import find_candidates
from .models import Callout, CalloutStatus, Invitation, InvitationStatus
from .teams import form_teams
from .validation import validate_callout

log = logging.getLogger(__name__)

#: An emergency shift without an end runs this long.
DEFAULT_LENGTH = timedelta(hours=4)


def lock(callout_id: int) -> Callout:
    return db.session.scalars(
        sa.select(Callout)
        .where(Callout.id == callout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


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


def _target_pending(callout: Callout) -> int:
    return math.ceil((callout.needed - callout.accepted) * setting("WAVE_FACTOR"))


def top_up(callout: Callout, *, now: datetime) -> int:
    """Keep pending ≥ ceil((needed − accepted) × WAVE_FACTOR) by inviting the next
    candidates; mark the call-out short when none are left. Returns how many were invited."""
    if callout.status not in (CalloutStatus.OPEN, CalloutStatus.SHORT):
        return 0
    pending = _count(callout, InvitationStatus.PENDING)
    want = _target_pending(callout) - pending
    invited = _invite(callout, find_candidates(callout, want), now) if want > 0 else 0
    if pending + invited == 0 and callout.accepted < callout.needed:
        if callout.status != CalloutStatus.SHORT:
            callout.status, callout.short_at = CalloutStatus.SHORT, now
            log.warning("call-out %s is short by %s", callout.id, callout.needed - callout.accepted)
            db.session.flush()
            signals.callout_short.send(callout, now=now)
    elif invited and callout.status == CalloutStatus.SHORT:
        callout.status, callout.short_at = CalloutStatus.OPEN, None
    db.session.flush()
    return invited


def _count(callout: Callout, status: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.status == status)
    )


def _invite(callout: Callout, candidates, now) -> int:
    if not candidates:
        return 0
    callout.waves += 1
    expires_at = now + timedelta(seconds=callout.respond_within_s)
    db.session.execute(
        sa.insert(Invitation),
        [
            dict(
                callout_id=callout.id,
                member_id=c.member_id,
                status=InvitationStatus.PENDING,
                wave=callout.waves,
                distance_m=c.distance_m,
                sent_at=now,
                expires_at=expires_at,
                is_leader=False,
            )
            for c in candidates
        ],
    )
    signals.members_invited.send(callout, member_ids=[c.member_id for c in candidates], now=now)
    log.info("call-out %s wave %s: invited %s", callout.id, callout.waves, len(candidates))
    return len(candidates)


def respond(member, callout: Callout, *, answer: str, now: datetime | None = None) -> Invitation:
    """Accept or decline. Refusals: callout_closed, not_invited, callout_filled,
    invitation_expired, already_answered (all 409)."""
    now = now or utcnow()
    if answer not in ("accept", "decline"):
        raise ValidationFailed([("answer", _l("Answer accept or decline."))])
    callout = lock(callout.id)
    invitation = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.member_id == member.id)
        .execution_options(populate_existing=True)
    ).first()
    if callout.status == CalloutStatus.CLOSED:
        raise Conflict("callout_closed", _l("This call-out is closed."))
    if invitation is None:
        raise Conflict("not_invited", _l("You are not invited to this call-out."))
    if invitation.status == InvitationStatus.ACCEPTED and answer == "accept":
        return invitation
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
    if answer == "decline":
        invitation.status, invitation.answered_at = InvitationStatus.DECLINED, now
        db.session.flush()
        signals.invitation_answered.send(callout, invitation=invitation, now=now)
        top_up(callout, now=now)
        return invitation
    invitation = _accept(callout, invitation, now)
    signals.invitation_answered.send(callout, invitation=invitation, now=now)
    return invitation


def _accept(callout: Callout, invitation: Invitation, now) -> Invitation:
    claimed = (
        db.session.execute(
            sa.update(Callout)
            .where(
                Callout.id == callout.id,
                Callout.accepted < Callout.needed,
                Callout.status.in_([CalloutStatus.OPEN, CalloutStatus.SHORT]),
            )
            .values(accepted=Callout.accepted + 1)
        ).rowcount
        == 1
    )
    if not claimed:
        raise Conflict("callout_filled", _l("Thank you — enough people have answered already."))
    invitation.status, invitation.answered_at = InvitationStatus.ACCEPTED, now
    db.session.refresh(callout)
    _add_to_shift(callout, invitation.member_id, now)
    db.session.flush()
    if callout.accepted >= callout.needed:
        fill(callout, now=now)
    log.info(
        "call-out %s: member %s accepted (%s/%s)",
        callout.id,
        invitation.member_id,
        callout.accepted,
        callout.needed,
    )
    return invitation


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
    invited = dict(
        db.session.execute(
            sa.select(Invitation.member_id, Invitation.status).where(
                Invitation.callout_id == callout.id
            )
        ).all()
    )
    withdraw_pending(callout)
    _end_shift(callout, reason, now)
    db.session.flush()
    accepted = [m for m, status in invited.items() if status == InvitationStatus.ACCEPTED]
    others = [m for m in invited if m not in set(accepted)]
    signals.callout_closed.send(
        callout,
        withdrawn_ids=[m for m, st in invited.items() if st == InvitationStatus.PENDING],
        accepted_ids=accepted,
        other_ids=others,
        now=now,
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
    return db.session.execute(
        sa.update(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.status == InvitationStatus.PENDING)
        .values(status=InvitationStatus.NOT_NEEDED)
    ).rowcount


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
