"""Giving minutes to a family member: a `transfer` pair, within a yearly cap."""

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..core.clock import LOCAL_TZ, local, utcnow
from ..core.errors import NotAllowed, RuleViolation, check
from ..core.settings import setting
from ..core.validation import INT_MAX, required_text
from ..extensions import db
from ..ledger import services as ledger
from ..ledger.models import EntryKind
from ..members.models import Member, MemberStatus
from .models import MinuteTransfer


def given_this_year(member_id: int, now: datetime) -> int:
    """Minutes the member gave in the Asia/Shanghai calendar year of `now`."""
    start = datetime.combine(date(local(now).year, 1, 1), time.min, LOCAL_TZ)
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(MinuteTransfer.minutes), 0)).where(
            MinuteTransfer.from_member_id == member_id, MinuteTransfer.created_at >= start
        )
    )
    return int(total or 0)


def _checks(actor, to_member_id, minutes, reason):
    errors = []
    recipient = None
    if isinstance(to_member_id, bool) or not isinstance(to_member_id, int):
        errors.append(("to_member_id", _l("Choose the member to give to.")))
    elif to_member_id == actor.id:
        errors.append(("to_member_id", _l("You cannot give minutes to yourself.")))
    else:
        recipient = db.session.get(Member, to_member_id) if 0 < to_member_id <= INT_MAX else None
        if recipient is None or recipient.status != MemberStatus.ACTIVE:
            errors.append(("to_member_id", _l("There is no active member with this number.")))
            recipient = None
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        errors.append(("minutes", _l("Give a whole number of minutes above 0.")))
        minutes = None
    reason, err = required_text(reason, 255)
    if err:
        errors.append(("reason", err))
    return errors, recipient, minutes, reason


def transfer(
    actor, *, to_member_id, minutes, reason, now: datetime | None = None, refused=()
) -> MinuteTransfer:
    """Give minutes to another active member (family), with a reason. At most
    TRANSFER_MAX_MIN_YEAR a calendar year (422 `transfer_cap`), never more than the
    balance (422 `insufficient_balance`). Checked under the chain head's lock, so two
    transfers at once cannot both pass the cap or the balance. Audited."""
    if actor.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    errors, recipient, minutes, reason = _checks(actor, to_member_id, minutes, reason)
    check(errors, refused)
    now = now or utcnow()
    ledger.lock_chain()
    cap = setting("TRANSFER_MAX_MIN_YEAR")
    if given_this_year(actor.id, now) + minutes > cap:
        raise RuleViolation(
            "transfer_cap",
            _l("You can give at most %(n)s minutes a year.", n=cap),
            field="minutes",
        )
    note = reason
    out = ledger.debit(
        actor, kind=EntryKind.TRANSFER, minutes=minutes, reason=note, actor=actor, now=now
    )
    into = ledger.credit_transfer(recipient, minutes=minutes, reason=note, actor=actor, now=now)
    row = MinuteTransfer(
        from_member_id=actor.id,
        to_member_id=recipient.id,
        minutes=minutes,
        reason=reason,
        out_entry_id=out.id,
        in_entry_id=into.id,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "ledger.transfer",
        row,
        unit_id=actor.community_id,
        now=now,
        details={"to_member_id": recipient.id, "minutes": minutes, "reason": reason},
    )
    return row
