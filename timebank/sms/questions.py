"""The letters of the questions texts ask ("回复 A1 接受，A2 拒绝"), as RedCall does.

Each open question of a phone has its own letter, so a member with two open call-outs
answers both in one text ("A1 B2"). A question is open until it is answered by text or
expires (the invitation's deadline, the event's feedback time); its letter is then free
for the next one. The lowest free letter is taken; with all 26 in use the oldest open
question gives its letter up.
"""

import string
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from .models import SmsQuestion

LETTERS = string.ascii_uppercase
#: Phones looked up per query (IN lists stay well inside every database's limits).
CHUNK = 500


def ask(
    askees: Iterable[tuple[str, int | None]],
    subject_type: str,
    subject_id: int,
    *,
    expires_at: datetime,
    now: datetime,
) -> dict[str, str]:
    """Give the question about one subject a letter for each (phone, member id); returns
    {phone: letter}. Asking a phone again about the same subject keeps its letter (and
    moves its deadline). Flushes; the caller commits."""
    askees = dict(askees)
    if not askees:
        return {}
    open_ = _open_by_phone(list(askees), now)
    letters, rows, renewed = {}, [], []
    for phone, member_id in askees.items():
        mine = open_.get(phone, [])
        same = [q for q in mine if (q.subject_type, q.subject_id) == (subject_type, subject_id)]
        if same:
            letters[phone] = same[0].letter
            renewed.append(same[0].id)
            continue
        letters[phone] = _free_letter(mine, now)
        rows.append(
            dict(
                phone=phone,
                member_id=member_id,
                letter=letters[phone],
                subject_type=subject_type,
                subject_id=subject_id,
                asked_at=now,
                expires_at=expires_at,
            )
        )
    if renewed:
        db.session.execute(
            sa.update(SmsQuestion)
            .where(SmsQuestion.id.in_(renewed))
            .values(expires_at=expires_at, asked_at=now)
        )
    if rows:
        db.session.execute(sa.insert(SmsQuestion), rows)
    return letters


def _open_by_phone(phones: list[str], now: datetime) -> dict[str, list[SmsQuestion]]:
    found: dict[str, list[SmsQuestion]] = {}
    for start in range(0, len(phones), CHUNK):
        for question in db.session.scalars(
            sa.select(SmsQuestion)
            .where(
                SmsQuestion.phone.in_(phones[start : start + CHUNK]),
                SmsQuestion.closed_at.is_(None),
                SmsQuestion.expires_at > now,
            )
            .order_by(SmsQuestion.asked_at, SmsQuestion.id)
        ):
            found.setdefault(question.phone, []).append(question)
    return found


def _free_letter(open_questions: list[SmsQuestion], now: datetime) -> str:
    used = {q.letter for q in open_questions}
    for letter in LETTERS:
        if letter not in used:
            return letter
    oldest = open_questions[0]
    oldest.closed_at = now
    return oldest.letter


def find(phone: str, letter: str | None, now: datetime) -> list[SmsQuestion]:
    """The questions a letter may mean for this phone, newest first: every unanswered
    one with that letter (an expired one too, so its answer gets a clear "too late"), or,
    for a bare answer, every one still open."""
    q = sa.select(SmsQuestion).where(SmsQuestion.phone == phone, SmsQuestion.closed_at.is_(None))
    if letter is None:
        q = q.where(SmsQuestion.expires_at > now)
    else:
        q = q.where(SmsQuestion.letter == letter)
    return list(db.session.scalars(q.order_by(SmsQuestion.asked_at.desc(), SmsQuestion.id.desc())))


def has_asked(phone: str) -> bool:
    """Whether any text ever asked this phone a question (a resident who reported)."""
    return (
        db.session.scalar(sa.select(SmsQuestion.id).where(SmsQuestion.phone == phone).limit(1))
        is not None
    )


def close(question: SmsQuestion, now: datetime) -> None:
    """Answered by text: its letter is free again."""
    db.session.execute(
        sa.update(SmsQuestion)
        .where(SmsQuestion.id == question.id, SmsQuestion.closed_at.is_(None))
        .values(closed_at=now)
    )
