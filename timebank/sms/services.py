"""Receive a text (SPEC 9): who sent it, what it says, what it does, and the reply.

`receive` is the one writer of inbound texts: it matches the sender's phone to a member
(or to a resident who was asked to rate an event), reads the text (sms.parsing) and
applies each answer through the web's own services (sms.answers). Every text is kept
with what it did; unclear ones wait for a coordinator (`resolve`). Replies are in the
member's language (Chinese for residents). Services flush; the webhook commits.
"""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.db import dialect
from ..core.errors import Conflict, check
from ..core.privacy import mask_phone, normalise_phone
from ..core.validation import optional_text
from ..extensions import db
from ..members.models import Member
from . import answers, questions
from .models import REPLY_MAX, TEXT_MAX, InboundSms, Outcome, SeenSignature, SmsOptOut
from .parsing import Intent, parse

log = logging.getLogger(__name__)

#: The same body and signature again within this window is a replay: refused.
REPLAY_WINDOW = timedelta(minutes=10)
RESIDENT_LOCALE = "zh_CN"


def claim_signature(signature: str, *, now: datetime) -> bool:
    """Record a post's signature; False when it was seen within REPLAY_WINDOW (a replay).

    One statement on the signature's primary key: INSERT, or on conflict take over a row
    older than the window (`… ON CONFLICT DO UPDATE … WHERE`), returning the row only when
    it was claimed: of two identical posts at once exactly one claims it (the second waits
    for the first's commit, then finds its row fresh).
    """
    insert = pg_insert if dialect() == "postgresql" else sqlite_insert
    stmt = insert(SeenSignature).values(signature=signature, seen_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SeenSignature.signature],
        set_={"seen_at": stmt.excluded.seen_at},
        where=SeenSignature.seen_at <= now - REPLAY_WINDOW,
    ).returning(SeenSignature.signature)
    return db.session.execute(stmt).first() is not None


def forget_signatures(*, now: datetime) -> int:
    """Delete the signatures older than the replay window (the scheduler)."""
    return db.session.execute(
        sa.delete(SeenSignature).where(SeenSignature.seen_at <= now - REPLAY_WINDOW)
    ).rowcount


def sender_phone(raw: str) -> str:
    """A mainland mobile as 11 digits; anything else kept as given (clipped)."""
    phone, _err = normalise_phone(raw)
    return phone or raw.strip()[:32]


def receive(*, phone: str, text: str, received_at: datetime | None, now: datetime) -> InboundSms:
    """Read and apply one inbound text; returns the stored row (its `applied`, `reply`)."""
    phone = sender_phone(phone)
    member = db.session.scalar(sa.select(Member).where(Member.phone == phone))
    locale = _locale(member)
    with force_locale(locale):
        outcome, applied, reply = _act(phone, member, text, now)
    inbound = InboundSms(
        phone=phone,
        text=text[:TEXT_MAX],
        received_at=received_at,
        member_id=member.id if member else None,
        outcome=outcome,
        applied=applied or None,
        reply=reply[:REPLY_MAX],
        created_at=now,
    )
    db.session.add(inbound)
    db.session.flush()
    log.info("sms %s from %s: %s", inbound.id, mask_phone(phone), outcome)
    return inbound


def _locale(member: Member | None) -> str:
    if member is not None and member.locale in current_app.config["LANGUAGES"]:
        return member.locale
    return RESIDENT_LOCALE


def _act(phone: str, member: Member | None, text: str, now) -> tuple[str, list, str]:
    if member is None and not questions.has_asked(phone):
        return (
            Outcome.UNKNOWN_SENDER,
            [],
            _(
                "This number is not registered with the Nansha Time Bank. "
                "Please contact your community."
            ),
        )
    parsed = parse(text)
    if parsed.intent == Intent.STOP:
        opt_out(phone, member, now=now)
        return (
            Outcome.OPTED_OUT,
            [],
            _(
                "Texts stopped. Urgent call-outs still come, as agreed when you registered. "
                "Reply 恢复 to restart."
            ),
        )
    if parsed.intent == Intent.START:
        opt_in(phone)
        return Outcome.OPTED_IN, [], _("Texts are on again. Reply TD to stop them.")
    if parsed.intent == Intent.UNCLEAR:
        return Outcome.UNCLEAR, [], help_text()
    results = [answers.apply(phone, member, answer, now) for answer in parsed.answers]
    applied = [r.applied for r in results if r.applied]
    reply = " ".join(r.reply for r in results)
    if applied:
        return Outcome.APPLIED, applied, reply
    if all(r.unmatched for r in results):
        return Outcome.UNCLEAR, [], reply
    return Outcome.REFUSED, [], reply


def help_text() -> str:
    return _(
        "Sorry, we did not understand. Reply A1 to accept, A2 to decline, B1–B5 to rate, "
        "TD to stop texts."
    )


def opt_out(phone: str, member: Member | None, *, now: datetime) -> None:
    """Stop non-urgent texts to this phone (again is harmless)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                SmsOptOut(phone=phone, member_id=member.id if member else None, opted_out_at=now)
            )
    except IntegrityError:
        pass


def opt_in(phone: str) -> None:
    """Texts to this phone again (harmless when they were never stopped)."""
    db.session.execute(sa.delete(SmsOptOut).where(SmsOptOut.phone == phone))


def resolve(actor, inbound: InboundSms, *, note=None, now: datetime) -> InboundSms:
    """A coordinator marks an unclear text dealt with (with what they did, optionally).

    Coordinators of the sender's community (or above); a resident's text, any coordinator.
    409 `already_resolved`; 422 for a note that is too long.
    """
    if inbound.member is not None:
        ensure_role(actor, Role.COORDINATOR, inbound.member.community)
    else:
        ensure_role(actor, Role.COORDINATOR)
    note, err = optional_text(note, 255)
    check([("note", err)] if err else [])
    claimed = db.session.execute(
        sa.update(InboundSms)
        .where(InboundSms.id == inbound.id, InboundSms.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id, resolution_note=note)
    ).rowcount
    if claimed != 1:
        raise Conflict("already_resolved", _l("Someone has dealt with this text already."))
    db.session.refresh(inbound)
    record(actor, "sms.resolve", inbound, now=now, details={"outcome": inbound.outcome})
    return inbound
