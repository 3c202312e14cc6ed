"""Correction requests: a member reports a missing or wrong record; a coordinator decides."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..checkin.credit import credited_minutes
from ..core.clock import utcnow
from ..core.errors import Conflict, NotFound, check
from ..core.settings import setting
from ..core.validation import optional_text, required_text
from ..extensions import db
from ..shifts.models import Shift
from . import queries, signals
from .models import Correction, CorrectionStatus
from .services import adjust


def request_correction(
    member, *, shift_id, claimed_in, claimed_out, reason, now: datetime | None = None, refused=()
) -> Correction:
    """Ask for a shift's record to be fixed: when the member says they came and left."""
    now = now or utcnow()
    errors: list = []
    shift = db.session.get(Shift, shift_id) if isinstance(shift_id, int) else None
    if shift is None:
        errors.append(("shift_id", _l("Choose a shift.")))
    elif shift.starts_at > now:
        errors.append(("shift_id", _l("This shift has not started yet.")))
    for field, value in (("claimed_in", claimed_in), ("claimed_out", claimed_out)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors.append((field, _l("Give a date and time.")))
    if not errors:
        if claimed_out <= claimed_in:
            errors.append(("claimed_out", _l("The end must be after the start.")))
        elif claimed_out > now:
            errors.append(("claimed_out", _l("This time has not come yet.")))
        elif shift and (
            claimed_in > shift.ends_at + timedelta(hours=12)
            or claimed_out < shift.starts_at - timedelta(hours=12)
        ):
            errors.append(("claimed_in", _l("These times are far from the shift's.")))
    reason, err = required_text(reason, 500)
    if err:
        errors.append(("reason", err))
    check(errors, refused)
    open_one = db.session.scalar(
        sa.select(Correction.id).where(
            Correction.member_id == member.id,
            Correction.shift_id == shift.id,
            Correction.status == CorrectionStatus.OPEN,
        )
    )
    if open_one:
        raise Conflict("correction_open", _l("You have already asked about this shift."))
    correction = Correction(
        member_id=member.id,
        shift_id=shift.id,
        claimed_in=claimed_in,
        claimed_out=claimed_out,
        reason=reason,
        created_at=now,
    )
    db.session.add(correction)
    db.session.flush()
    return correction


def suggested_minutes(correction: Correction) -> int:
    """What the claimed times would earn, minus what the member already holds for the shift,
    capped at the shift's length."""
    shift = correction.shift
    claimed = credited_minutes(
        shift.starts_at,
        shift.ends_at,
        correction.claimed_in,
        correction.claimed_out,
        grace_before_min=setting("GRACE_BEFORE_MIN"),
        grace_after_min=setting("GRACE_AFTER_MIN"),
    )
    held = queries.credited_for_shift(correction.member_id, shift.id)
    return max(0, min(claimed, shift.minutes) - held)


def decide_correction(
    actor,
    correction: Correction,
    *,
    approve: bool,
    minutes=None,
    reason=None,
    now: datetime | None = None,
    refused=(),
) -> Correction:
    """Approve (an `adjustment` entry, capped at the shift's length) or reject with a
    reason. The member is told either way."""
    shift = correction.shift
    ensure_role(actor, Role.COORDINATOR, shift.community)
    if correction.status != CorrectionStatus.OPEN:
        raise Conflict("correction_decided", _l("This request has been decided already."))
    now = now or utcnow()
    reason, err = optional_text(reason, 255)
    errors = [("reason", err)] if err else []
    if not approve and not reason:
        errors.append(("reason", _l("Give a reason when you reject.")))
    cap = max(0, shift.minutes - queries.credited_for_shift(correction.member_id, shift.id))
    if approve:
        minutes = suggested_minutes(correction) if minutes is None else minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
            errors.append(("minutes", _l("Give at least 1 minute.")))
        elif minutes > cap:
            errors.append(
                (
                    "minutes",
                    _l(
                        "At most %(n)s minutes: the shift's length, less what is already credited.",
                        n=cap,
                    ),
                )
            )
    check(errors, refused)
    _close(correction, CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED, now)
    correction.decided_by_id, correction.decision_reason = actor.id, reason
    if approve:
        entry = adjust(
            actor,
            correction.member,
            minutes=minutes,
            shift_id=shift.id,
            now=now,
            reason=reason or f"correction #{correction.id}",
        )
        correction.entry_id = entry.id
    db.session.flush()
    record(
        actor,
        f"correction.{correction.status}",
        correction,
        unit_id=shift.community_id,
        now=now,
        details={"minutes": minutes if approve else 0, "reason": reason},
    )
    signals.correction_decided.send(correction, now=now)
    return correction


def _close(correction: Correction, status: CorrectionStatus, now: datetime) -> None:
    """Move an open request to `status` by a conditional UPDATE (`status = 'open'`): of a
    decision and a withdrawal racing, exactly one wins; the other is a 409."""
    closed = db.session.execute(
        sa.update(Correction)
        .where(Correction.id == correction.id, Correction.status == CorrectionStatus.OPEN)
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not closed:
        raise Conflict("correction_decided", _l("This request has been decided already."))
    db.session.refresh(correction)


def withdraw_correction(member, correction: Correction, *, now: datetime | None = None):
    """The member takes back their own open request; it stays in their history."""
    if correction.member_id != member.id:
        raise NotFound()
    if correction.status != CorrectionStatus.OPEN:
        raise Conflict("correction_decided", _l("This request has been decided already."))
    now = now or utcnow()
    _close(correction, CorrectionStatus.WITHDRAWN, now)
    record(
        member, "correction.withdrawn", correction, unit_id=correction.shift.community_id, now=now
    )
    return correction
