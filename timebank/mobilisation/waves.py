"""Waves of invitations: keep pending ≥ ceil((needed − accepted) × WAVE_FACTOR) (SPEC 3.4).

A top-up counts the pending invitations and invites the next candidates, so two top-ups
of one call-out at once would both count the same hole and over-invite: each holds the
call-out's top-up lock (a PostgreSQL advisory lock on the call-out's id, taken before its
row; SQLite's BEGIN IMMEDIATE serialises writers anyway). The heavy part, finding the
candidates, runs under that lock only; the call-out's row (which accepts claim places on)
is locked just to re-check its state and insert the wave.

A decline does not top up in its own transaction (that would make it wait for the
call-out's row, and for accepts): `respond` marks the call-out due, and the edge calls
`top_up_declined` right after committing the decline — the top-up still happens at once.
"""

import logging
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from ..core.db import dialect
from ..core.settings import setting
from ..extensions import db
from . import signals
from .candidates import Candidate, find_candidates
from .models import Callout, CalloutStatus, Invitation, InvitationStatus

log = logging.getLogger(__name__)

#: The first key of the call-out top-up advisory lock (the second is the call-out's id).
TOP_UP_LOCK = 3401
#: session.info key: the call-outs a decline in this session left to top up.
DUE = "mobilisation.top_ups_due"
#: A post-commit top-up gives way to the tick after this many rounds (each invites ≥ 1).
MAX_ROUNDS = 20


def lock(callout_id: int) -> Callout:
    """The call-out, re-read with its row locked (FOR UPDATE on PostgreSQL)."""
    return db.session.scalars(
        sa.select(Callout)
        .where(Callout.id == callout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_top_up(callout_id: int, *, wait: bool = True) -> bool:
    """Take the call-out's top-up lock until the transaction ends, before its row lock.
    Without `wait`, False when another transaction holds it. Always True on SQLite."""
    if dialect() != "postgresql":
        return True
    fn = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
    got = db.session.scalar(sa.select(fn(TOP_UP_LOCK, callout_id)))
    return True if wait else bool(got)


def target_pending(callout: Callout) -> int:
    return math.ceil((callout.needed - callout.accepted) * setting("WAVE_FACTOR"))


def top_up(callout: Callout, *, now: datetime) -> int:
    """Keep pending ≥ the target by inviting the next candidates; mark the call-out short
    when none are left. The caller holds the top-up lock, then the call-out's row (a call-out
    nobody else can see yet needs neither). Returns how many were invited."""
    if not callout.is_active:
        return 0
    pending = count(callout.id, InvitationStatus.PENDING)
    want = target_pending(callout) - pending
    invited = invite(callout, find_candidates(callout, want), now) if want > 0 else 0
    _mark_short_or_open(callout, pending + invited, invited, now)
    db.session.flush()
    return invited


def _mark_short_or_open(
    callout: Callout, pending: int, invited: int, now: datetime, *, ran_out: bool = True
) -> None:
    if pending == 0 and ran_out and callout.accepted < callout.needed:
        if callout.status != CalloutStatus.SHORT:
            callout.status, callout.short_at = CalloutStatus.SHORT, now
            log.warning("call-out %s is short by %s", callout.id, callout.needed - callout.accepted)
            db.session.flush()
            signals.callout_short.send(callout, now=now)
    elif invited and callout.status == CalloutStatus.SHORT:
        callout.status, callout.short_at = CalloutStatus.OPEN, None


def count(callout_id: int, status: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout_id, Invitation.status == status)
    )


def invite(callout: Callout, candidates: list[Candidate], now: datetime) -> int:
    """Insert a wave of pending invitations and announce it (the caller holds the row)."""
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


def mark_due(callout_id: int) -> None:
    """A decline left this call-out to top up once the decline is committed."""
    db.session.info.setdefault(DUE, set()).add(callout_id)


def top_up_declined(*, now: datetime) -> int:
    """Top up, at once, every call-out a decline in this session left short of pending
    (SPEC 3.4). Call it right after committing the decline(s); it commits its own work.

    Each call-out is topped up under its top-up lock, taken without waiting: a request that
    finds it held leaves the work to the holder, who looks again after each commit (so a
    decline committed while it held the lock is never missed). Returns how many were invited.
    """
    due = sorted(db.session.info.pop(DUE, ()))
    invited = 0
    for callout_id in due:
        try:
            invited += _top_up_soon(callout_id, now)
        except OperationalError:
            # The decline is committed and answered; the tick tops up within CALLOUT_TICK_S.
            db.session.rollback()
            log.exception("call-out %s: the top-up after a decline failed", callout_id)
    return invited


def _top_up_soon(callout_id: int, now: datetime) -> int:
    invited = 0
    for _round in range(MAX_ROUNDS):
        if not _wants_more(callout_id) or not lock_top_up(callout_id, wait=False):
            break
        added, exhausted = _top_up_round(callout_id, now)
        db.session.commit()
        invited += added
        if exhausted:
            break
    else:
        log.info("call-out %s: top-up rounds exhausted; the tick goes on", callout_id)
    db.session.commit()  # ends the last look (commits keep loaded objects fresh)
    return invited


def _wants_more(callout_id: int) -> bool:
    """Whether the call-out is running and below its pending target (no lock: a hint)."""
    callout = db.session.scalars(
        sa.select(Callout).where(Callout.id == callout_id).execution_options(populate_existing=True)
    ).one_or_none()
    if callout is None or not callout.is_active:
        return False
    return count(callout_id, InvitationStatus.PENDING) < target_pending(callout)


def _top_up_round(callout_id: int, now: datetime) -> tuple[int, bool]:
    """Under the top-up lock: find the candidates first, then lock the row, re-check and
    invite. Only top-ups add pending invitations, so the count can only have fallen; an
    accept meanwhile can lower the target, so the wave is cut to what is still wanted.
    Returns (how many were invited, whether the candidates ran out)."""
    callout = db.session.get(Callout, callout_id)
    asked = target_pending(callout) - count(callout_id, InvitationStatus.PENDING)
    candidates = find_candidates(callout, asked) if asked > 0 else []
    callout = lock(callout_id)
    if not callout.is_active:
        return 0, True
    pending = count(callout_id, InvitationStatus.PENDING)
    want = target_pending(callout) - pending
    invited = invite(callout, candidates[: max(want, 0)], now)
    ran_out = asked > 0 and len(candidates) < asked
    _mark_short_or_open(callout, pending + invited, invited, now, ran_out=ran_out)
    db.session.flush()
    return invited, ran_out
