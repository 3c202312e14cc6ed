"""Apply one answer of a text to the question it names, through the web's own services.

A call-out answer goes through `mobilisation.services.answer_invitation` (as the web's
`respond` does; its top-up after a decline runs after the webhook commits), a rating through
`dispatch.closing.give_feedback`, each in a savepoint: a refusal (filled, expired,
answered already, rated already) rolls back that answer only and becomes a clear reply.
Every function here runs in the caller's language (sms.services sets it) and flushes.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.errors import DomainError
from ..dispatch.closing import give_feedback
from ..dispatch.models import Event, Status
from ..dispatch.rights import TextingResident
from ..extensions import db
from ..members.models import Member
from ..mobilisation import services as callouts
from ..mobilisation.models import Invitation, InvitationStatus
from . import questions
from .models import QuestionKind, SmsQuestion
from .parsing import ACCEPT, DECLINE, Answer

CALLOUT_ANSWERS = {1: "accept", ACCEPT: "accept", 2: "decline", DECLINE: "decline"}
RATINGS = range(1, 6)


@dataclass(frozen=True)
class Result:
    """What one answer did: `applied` (None when nothing changed) and its reply."""

    reply: str
    applied: dict | None = None
    #: The answer fit no question (unknown letter, wrong kind of answer): a person looks.
    unmatched: bool = False


def apply(phone: str, member: Member | None, answer: Answer, now: datetime) -> Result:
    """Apply `answer` from `phone` (the member's, or a resident's) to its question."""
    found = questions.find(phone, answer.letter, now)
    if not found:
        if answer.letter:
            return Result(
                _(
                    "%(code)s: no question of yours has the letter %(letter)s.",
                    code=answer.code,
                    letter=answer.letter,
                ),
                unmatched=True,
            )
        return Result(_("No question is waiting for your answer."), unmatched=True)
    question = found[0] if answer.letter else _newest_live(found, now)
    code = f"{question.letter}{answer.code if answer.letter is None else answer.code[1:]}"
    if question.subject_type == QuestionKind.CALLOUT:
        return _callout(question, member, answer, code, now)
    return _event(question, member, answer, code, now)


def _newest_live(found: list[SmsQuestion], now: datetime) -> SmsQuestion:
    """For a bare answer: the newest question that can still be answered, else the newest."""
    if len(found) == 1:
        return found[0]
    for question in found:
        if question.subject_type == QuestionKind.CALLOUT:
            live = db.session.scalar(
                sa.select(Invitation.id).where(
                    Invitation.callout_id == question.subject_id,
                    Invitation.member_id == question.member_id,
                    Invitation.status == InvitationStatus.PENDING,
                    Invitation.expires_at > now,
                )
            )
        else:
            live = db.session.scalar(
                sa.select(Event.id).where(
                    Event.id == question.subject_id, Event.status == Status.HANDLED
                )
            )
        if live is not None:
            return question
    return found[0]


def _callout(question, member, answer: Answer, code: str, now) -> Result:
    choice = CALLOUT_ANSWERS.get(answer.value)
    if choice is None:
        return Result(
            _(
                "%(code)s: reply %(letter)s1 to accept or %(letter)s2 to decline.",
                code=code,
                letter=question.letter,
            ),
            unmatched=True,
        )
    member = member if member is not None and member.id == question.member_id else None
    member = member or db.session.get(Member, question.member_id)
    # Answered or refused, the question is closed: before the answer, which then holds the
    # call-out's row (an accept) for as short a time as it can.
    questions.close(question, now)
    try:
        with db.session.begin_nested():
            answered = callouts.answer_invitation(
                member, question.subject_id, answer=choice, now=now
            )
    except DomainError as refused:
        return Result(f"{code}: {refused.message}")
    callout = answered.callout
    if not answered.changed:
        return Result(_("%(code)s: you have accepted already. Thank you.", code=code))
    applied = _applied(code, question, "accepted" if choice == "accept" else "declined")
    if choice == "accept":
        return Result(
            _(
                "%(code)s: accepted — %(title)s. Thank you; please set off.",
                code=code,
                title=callout.title,
            ),
            applied,
        )
    return Result(_("%(code)s: declined. Thank you for answering.", code=code), applied)


def _event(question, member, answer: Answer, code: str, now) -> Result:
    if answer.value not in RATINGS:
        return Result(
            _(
                "%(code)s: rate with %(letter)s1 (poor) to %(letter)s5 (very good).",
                code=code,
                letter=question.letter,
            ),
            unmatched=True,
        )
    event = db.session.get(Event, question.subject_id)
    actor = member if question.member_id is not None else TextingResident(question.phone)
    try:
        with db.session.begin_nested():
            give_feedback(actor, event, rating=answer.value, now=now)
    except DomainError as refused:
        questions.close(question, now)
        return Result(f"{code}: {refused.message}")
    questions.close(question, now)
    applied = _applied(code, question, f"rated_{answer.value}")
    if event.status == Status.DISPATCHED:
        return Result(
            _(
                "%(code)s: rated %(n)s of 5. Sorry — it will be handled again.",
                code=code,
                n=answer.value,
            ),
            applied,
        )
    return Result(_("%(code)s: rated %(n)s of 5. Thank you.", code=code, n=answer.value), applied)


def _applied(code: str, question: SmsQuestion, action: str) -> dict:
    return {
        "code": code,
        "subject_type": question.subject_type,
        "subject_id": question.subject_id,
        "action": action,
    }
