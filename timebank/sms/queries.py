"""Reads of the SMS domain: who stopped texts, and the texts a person should look at."""

import sqlalchemy as sa

from ..auth.models import Role
from ..auth.permissions import has_role, in_scope
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from .models import InboundSms, Outcome, SmsOptOut

#: Outcomes a coordinator should look at.
NEEDS_A_PERSON = (Outcome.UNCLEAR, Outcome.UNKNOWN_SENDER)
CHUNK = 500


def opted_out(phones) -> set[str]:
    """The phones among `phones` that texted TD / 退订 / STOP (and not 恢复 since)."""
    phones = [p for p in dict.fromkeys(phones) if p]
    found: set[str] = set()
    for start in range(0, len(phones), CHUNK):
        found.update(
            db.session.scalars(
                sa.select(SmsOptOut.phone).where(SmsOptOut.phone.in_(phones[start : start + CHUNK]))
            )
        )
    return found


def opted_out_phones() -> sa.Select:
    """The phones that stopped texts, as a subquery to filter a set of recipients by."""
    return sa.select(SmsOptOut.phone)


def get_inbound(inbound_id: int) -> InboundSms | None:
    return db.session.get(InboundSms, inbound_id)


def _unclear_for(actor, *, resolved: bool):
    """Texts that fit nothing, or came from a number no member has, that `actor` may see:
    a member's, for coordinators of the member's community or above; a number without a
    member (a resident, a stranger), for every coordinator."""
    visible = sa.false()
    if has_role(actor, Role.COORDINATOR):
        visible = sa.or_(
            InboundSms.member_id.is_(None), in_scope(Unit.path, actor, Role.COORDINATOR)
        )
    return (
        sa.select(InboundSms)
        .outerjoin(Member, Member.id == InboundSms.member_id)
        .outerjoin(Unit, Unit.id == Member.community_id)
        .where(
            InboundSms.outcome.in_([o.value for o in NEEDS_A_PERSON]),
            InboundSms.resolved_at.isnot(None) if resolved else InboundSms.resolved_at.is_(None),
            visible,
        )
    )


def list_unclear(actor, *, resolved: bool = False, limit: int = 100) -> list[InboundSms]:
    """The unclear texts `actor` may resolve (`resolved`: those dealt with), newest first."""
    q = _unclear_for(actor, resolved=resolved)
    return list(db.session.scalars(q.order_by(InboundSms.created_at.desc()).limit(limit)))


def count_unclear(actor) -> int:
    """How many unclear texts wait for `actor` (the navigation's badge)."""
    q = _unclear_for(actor, resolved=False).with_only_columns(sa.func.count(InboundSms.id))
    return db.session.scalar(q)
