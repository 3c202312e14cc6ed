"""Reads of the SMS domain: who stopped texts, and the texts a person should look at."""

import sqlalchemy as sa

from ..extensions import db
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


def get_inbound(inbound_id: int) -> InboundSms | None:
    return db.session.get(InboundSms, inbound_id)


def unclear(*, resolved: bool = False, limit: int = 100) -> list[InboundSms]:
    """Texts that fit nothing (or came from an unknown number), newest first."""
    q = sa.select(InboundSms).where(InboundSms.outcome.in_([o.value for o in NEEDS_A_PERSON]))
    q = q.where(
        InboundSms.resolved_at.isnot(None) if resolved else InboundSms.resolved_at.is_(None)
    )
    return list(db.session.scalars(q.order_by(InboundSms.created_at.desc()).limit(limit)))
