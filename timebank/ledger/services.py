"""Writing the time bank: service credits, adjustments, reversals, corrections."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import utcnow
from ..core.errors import Conflict, NotAllowed, NotFound, RuleViolation, check
from ..core.validation import required_text
from ..extensions import db
from ..members.models import Member
from . import chain
from .models import EntryKind, LedgerEntry

log = logging.getLogger(__name__)

#: The largest single adjustment, either way: a month of round-the-clock duty.
MAX_ADJUSTMENT = 31 * 24 * 60


def _new_entry(
    member: Member,
    *,
    kind: EntryKind,
    minutes: int,
    reason=None,
    actor=None,
    shift_id=None,
    attendance_id=None,
    reverses_id=None,
    source_key=None,
    now: datetime,
) -> LedgerEntry:
    entry = LedgerEntry(
        member_id=member.id,
        kind=str(kind),
        minutes=int(minutes),
        reason=reason,
        shift_id=shift_id,
        attendance_id=attendance_id,
        reverses_id=reverses_id,
        community_id=member.community_id,
        source_key=source_key,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
    )
    chain.append(entry)
    log.info(
        "ledger %s %s %+d min for member %s (entry %s)",
        kind,
        source_key or "",
        entry.minutes,
        member.id,
        entry.id,
    )
    return entry


def find_by_source(source_key: str) -> LedgerEntry | None:
    return db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.source_key == source_key))


def credit_service(
    attendance, *, actor=None, now: datetime | None = None, first: bool = False
) -> LedgerEntry:
    """The `service` entry of a closed attendance (0 minutes when the shift does not count
    as service). Once per attendance: a repeated call returns the first entry. `first`
    says the caller has just closed the attendance with a conditional UPDATE that matched,
    so no entry can exist yet and the lookup is skipped (UNIQUE (source_key) still backs
    it: a second entry could not be inserted)."""
    source_key = f"attendance:{attendance.id}"
    existing = None if first else find_by_source(source_key)
    if existing is not None:
        return existing
    shift = attendance.shift
    minutes = attendance.credited_minutes if shift.counts_as_service else 0
    reason = None if shift.counts_as_service else "not counted as service"
    return _new_entry(
        attendance.member,
        kind=EntryKind.SERVICE,
        minutes=minutes or 0,
        reason=reason,
        actor=actor,
        shift_id=shift.id,
        attendance_id=attendance.id,
        source_key=source_key,
        now=now or utcnow(),
    )


def credit_source(
    member: Member, *, source_key: str, minutes: int, reason=None, actor=None, now: datetime
) -> LedgerEntry:
    """A `service` entry for work done outside a shift (an event a volunteer handled),
    once per `source_key` ("event:12"): a repeated call returns the first entry."""
    existing = find_by_source(source_key)
    if existing is not None:
        return existing
    return _new_entry(
        member,
        kind=EntryKind.SERVICE,
        minutes=minutes,
        reason=reason,
        actor=actor,
        source_key=source_key,
        now=now,
    )


def _minutes(errors, value, *, allow_zero=False) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(("minutes", _l("Give whole minutes.")))
        return None
    if (value == 0 and not allow_zero) or abs(value) > MAX_ADJUSTMENT:
        errors.append(("minutes", _l("Between -%(n)s and %(n)s minutes, not 0.", n=MAX_ADJUSTMENT)))
        return None
    return value


def adjust(
    actor,
    member: Member,
    *,
    minutes,
    reason,
    shift_id=None,
    now: datetime | None = None,
    refused=(),
) -> LedgerEntry:
    """A coordinator's adjustment of a member's balance; a reason is required. Audited."""
    ensure_role(actor, Role.COORDINATOR, member.community)
    if actor.id == member.id:
        raise NotAllowed("own_balance", _l("You cannot adjust your own balance."))
    errors: list = []
    minutes = _minutes(errors, minutes)
    reason, err = required_text(reason, 255)
    if err:
        errors.append(("reason", err))
    check(errors, refused)
    now = now or utcnow()
    entry = _new_entry(
        member,
        kind=EntryKind.ADJUSTMENT,
        minutes=minutes,
        reason=reason,
        actor=actor,
        shift_id=shift_id,
        now=now,
    )
    record(
        actor,
        "ledger.adjust",
        entry,
        unit_id=member.community_id,
        now=now,
        details={"member_id": member.id, "minutes": minutes, "reason": reason},
    )
    return entry


def reverse(actor, entry: LedgerEntry, *, reason, now: datetime | None = None) -> LedgerEntry:
    """Undo an entry with a new `reversal` entry of the opposite minutes. An entry is
    reversed at most once, and a reversal itself cannot be reversed. Audited."""
    ensure_role(actor, Role.COORDINATOR, entry.member.community)
    return append_reversal(actor, entry, reason=reason, now=now)


def append_reversal(actor, entry: LedgerEntry, *, reason, now: datetime | None = None):
    """reverse() for a caller that has checked the actor's right itself (the exchange:
    the offer's coordinators reverse its redemptions). Audited."""
    member = entry.member
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [])
    if entry.kind == EntryKind.REVERSAL:
        raise RuleViolation(
            "cannot_reverse_reversal",
            _l("A reversal cannot be reversed; make an adjustment instead."),
        )
    if db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry.id)):
        raise Conflict("already_reversed", _l("This entry has been reversed already."))
    now = now or utcnow()
    try:
        with db.session.begin_nested():
            reversal = _new_entry(
                member,
                kind=EntryKind.REVERSAL,
                minutes=-entry.minutes,
                reason=reason,
                actor=actor,
                shift_id=entry.shift_id,
                attendance_id=entry.attendance_id,
                reverses_id=entry.id,
                now=now,
            )
    except sa.exc.IntegrityError:
        raise Conflict("already_reversed", _l("This entry has been reversed already.")) from None
    record(
        actor,
        "ledger.reverse",
        reversal,
        unit_id=member.community_id,
        now=now,
        details={"reverses": entry.id, "minutes": reversal.minutes, "reason": reason},
    )
    return reversal


def lock_chain() -> None:
    """Take the chain head's lock now (held until the transaction ends). A writer that
    will also change rows of its own and then append takes it first, so that every
    writer locks the head before anything else and none waits on another in a circle."""
    chain.lock_head()


def balance_for_update(member: Member) -> int:
    """The member's balance, with the chain head locked until the transaction ends: no
    entry of anyone can be appended meanwhile, so a debit checked against it cannot
    overdraw, however many requests race (SQLite's single writer does the same)."""
    lock_chain()
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.minutes), 0)).where(
            LedgerEntry.member_id == member.id
        )
    )
    return int(total or 0)


INSUFFICIENT = _l("Your balance is too low for this.")


def debit(
    member: Member, *, kind: EntryKind, minutes: int, reason: str, actor, now: datetime
) -> LedgerEntry:
    """Take `minutes` (> 0) from the member as a `redemption` or `transfer` entry, never
    below a zero balance (422 `insufficient_balance`). Callers that change other rows
    call balance_for_update() first, so that the head is the first lock they take."""
    if kind not in (EntryKind.REDEMPTION, EntryKind.TRANSFER) or minutes <= 0:
        raise ValueError("debit() takes a positive redemption or transfer")
    if balance_for_update(member) < minutes:
        raise RuleViolation("insufficient_balance", INSUFFICIENT, field="minutes")
    return _new_entry(member, kind=kind, minutes=-minutes, reason=reason, actor=actor, now=now)


def credit_transfer(member: Member, *, minutes: int, reason: str, actor, now: datetime):
    """The receiving half of a transfer pair (the giving half is a debit())."""
    return _new_entry(
        member, kind=EntryKind.TRANSFER, minutes=minutes, reason=reason, actor=actor, now=now
    )


def get_entry(entry_id: int) -> LedgerEntry:
    entry = db.session.get(LedgerEntry, entry_id)
    if entry is None:
        raise NotFound("entry_not_found")
    return entry
