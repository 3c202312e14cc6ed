"""Notifications: the inbox (notify, mark read) and the outbox of messages to deliver.

The receivers (notifications.receivers) hear what happened in the other domains and call
`notify` / `notify_many` with a `Notice` (a kind, defined in that domain's notices.py), the
subject's id and the params of its words. The inbox row keeps those and is rendered in the
reader's language when it is read (notifications.rendering); the e-mail (when the member
gave an address and SMTP_HOST is set) and the SMS (when the notice says so) are rendered
once, in the member's language, and queued in the outbox. The delivery job claims, sends and
records outbox messages with notifications.outbox.

When SMTP_HOST is empty, e-mail is not queued at all: nothing could send it, and a backlog
sent all at once when mail is configured later would only confuse people.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..core.clock import utcnow
from ..core.errors import NotFound
from ..core.notices import Notice
from ..extensions import db
from ..members.models import Member
from . import bulk
from .models import Notification, OutboxMessage, OutboxStatus
from .rendering import TITLE_MAX, clip, external_url, find_notice, preload, texts

log = logging.getLogger(__name__)

EMAIL_TEMPLATE = "notifications/emails/notification.txt"
SMS_MAX = 200
#: Stands for the member's name in an e-mail rendered once for many members.
NAME_MARK = "\x00name\x00"


@dataclass(frozen=True)
class Rendered:
    """The texts of one notification in one language."""

    title: str
    body: str
    subject: str
    sms: str


def notify(
    member: Member,
    notice: Notice,
    *,
    subject_id: int | None = None,
    params: dict | None = None,
    now: datetime | None = None,
) -> Notification:
    """Put a notice in the member's inbox and queue it for delivery: by e-mail when the
    member has an address, and by SMS when the notice says so.

    `params` fill the notice's placeholders (JSON values; see notifications.rendering for
    names of units and other values shown in the reader's language). `subject_id` is the id
    of the notice's subject (`notice.subject`), from which its link is built. Works in an
    app context without a request. Flushes; the caller commits.
    """
    [notification_id] = notify_many([member], notice, subject_id=subject_id, params=params, now=now)
    return db.session.get(Notification, notification_id)


@dataclass(frozen=True)
class Tell:
    """One subject's part of `notify_each`: who is told, about what, with which params."""

    subject_id: int | None
    members: list[Member]
    params: dict


def notify_many(
    members: Iterable[Member],
    notice: Notice,
    *,
    subject_id: int | None = None,
    params: dict | None = None,
    now: datetime | None = None,
    letters: dict[int, str] | None = None,
) -> list[int]:
    """`notify` for many members at once (e.g. everyone with a party-spirit check sheet).

    Texts are rendered once per language and written set-based (`notify_each`): one INSERT
    of inbox rows and one INSERT of outbox messages, however many members. A member listed
    twice is notified once. Returns the ids of the notifications in the order of `members`.
    `letters` ({member id: letter}) are the letters of the question the SMS asks (the
    notice's `sms_answer`); members who stopped texts get no SMS unless the notice is
    urgent (SPEC 9).
    """
    members = list({m.id: m for m in members}.values())
    tell = Tell(subject_id, members, dict(params or {}))
    ids = notify_each(notice, [tell], now=now, letters=letters)
    return [ids[(m.id, subject_id)] for m in members]


def notify_each(
    notice: Notice,
    tells: Iterable[Tell],
    *,
    now: datetime | None = None,
    letters: dict[int, str] | None = None,
) -> dict[tuple[int, int | None], int]:
    """Notify the members of each `Tell` about its subject, for many subjects at once (a
    scheduler's batch of late events): one INSERT of inbox rows and one INSERT of outbox
    messages for all of them, whatever their number; the names the params refer to (units,
    categories) are read once for all (rendering.preload). A member is told once per
    subject. Returns {(member id, subject id): notification id}. Flushes; the caller commits.
    """
    now = now or utcnow()
    tells = [t for t in _once_per_subject(tells) if t.members]
    for tell in tells:
        _check(notice, tell.subject_id)
    if not tells:
        return {}
    db.session.flush()  # the members' own pending changes first
    names = preload([t.params for t in tells])  # noqa: F841 (held while rendering)
    groups = [_by_language(t.members) for t in tells]
    rendered = _render_each(tells, groups, notice, letters)
    texts_, recipients = [], []
    for tell, by_locale, words in zip(tells, groups, rendered, strict=True):
        for group in by_locale.values():
            key = len(texts_)
            first = words[group[0].id][0]
            texts_.append(
                {"t": key, "subject_id": tell.subject_id, "params": tell.params}
                | {"title": first.title, "body": first.body}
            )
            recipients += [{"m": m.id, "t": key} for m in group]
    ids = bulk.insert_inbox(notice, recipients, texts_, now)
    messages = []
    for tell, words in zip(tells, rendered, strict=True):
        mine = {m.id: ids[(m.id, tell.subject_id)] for m in tell.members}
        messages += _messages(tell.members, mine, words, notice.sms)
    queued = bulk.insert_outbox(messages, now, skip_stopped=notice.sms and not notice.urgent)
    log.info(
        "%s notification(s) (%s) about %s subject(s); %s message(s) queued",
        len(ids),
        notice.kind,
        len(tells),
        queued,
    )
    return ids


def _once_per_subject(tells) -> list[Tell]:
    """The tells with each member listed once per subject (the first time)."""
    seen: set[tuple[int, int | None]] = set()
    out = []
    for tell in tells:
        members = []
        for member in tell.members:
            if (member.id, tell.subject_id) not in seen:
                seen.add((member.id, tell.subject_id))
                members.append(member)
        out.append(Tell(tell.subject_id, members, dict(tell.params or {})))
    return out


def _by_language(members) -> dict[str, list[Member]]:
    by_locale: dict[str, list[Member]] = {}
    for member in members:
        by_locale.setdefault(_locale(member), []).append(member)
    return by_locale


def send_sms(member: Member, notice: Notice, *, params: dict, now: datetime) -> OutboxMessage:
    """Queue `notice` as an SMS to the member's phone only, in the member's language, with no
    inbox entry: for texts that must not wait in an inbox, such as a password reset code
    (the member cannot sign in to read it). Flushes; the caller commits."""
    return send_sms_to(member.phone, notice, params, _locale(member), now=now)


def send_sms_to(
    phone: str, notice: Notice, params: dict, locale: str, *, subject_id=None, letter=None, now
) -> OutboxMessage:
    """Queue `notice` as an SMS to a phone, rendered in `locale`: for a member's texts that
    have no inbox entry (send_sms) and for people without an account (a resident who
    reported an event; `letter`: of the question it asks). Flushes; the caller commits."""
    _check(notice, subject_id)
    with force_locale(locale):
        rendered = _render(*texts(notice, params, locale), None, _hint(notice, letter))
    message = OutboxMessage(
        notification_id=None,
        channel="sms",
        recipient=phone,
        subject=rendered.title,
        body=rendered.sms,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    log.info("SMS %s (%s, no inbox entry) queued", message.id, notice.kind)
    return message


def _check(notice: Notice, subject_id: int | None) -> None:
    """Arguments come from code, not from people: a wrong one is a bug, said loudly."""
    if find_notice(notice.kind) is not notice:
        raise ValueError(f"notice {notice.kind!r} is not in the catalogue (rendering.NOTICES)")
    if (subject_id is None) != (notice.subject is None):
        raise ValueError(f"notice {notice.kind!r} needs a subject id exactly when it has a subject")


def _locale(member: Member) -> str:
    return member.locale if member.locale in current_app.config["LANGUAGES"] else "zh_CN"


def _render_each(
    tells: list[Tell], groups: list[dict[str, list[Member]]], notice, letters=None
) -> list[dict[int, tuple[Rendered, str | None]]]:
    """For each tell, {member id: (texts, e-mail body or None)}, switching language once
    per language for all the tells (`groups`: each tell's members by language).

    What differs between members of one language is only the name in the e-mail (put in
    a once-rendered e-mail) and the letter of the SMS question (rendered once per letter).
    """
    email_on = bool(current_app.config.get("SMTP_HOST"))
    urls = [external_url(notice, t.subject_id) for t in tells]
    out: list[dict] = [{} for _ in tells]
    for locale in sorted({locale for by_locale in groups for locale in by_locale}):
        with force_locale(locale):
            for tell, by_locale, url, rendered in zip(tells, groups, urls, out, strict=True):
                if locale in by_locale:
                    words = texts(notice, tell.params, locale)
                    group = by_locale[locale]
                    rendered |= _render_group(group, notice, words, url, email_on, letters)
    return out


def _render_group(members, notice, words, url, email_on, letters) -> dict:
    """The texts of members of one language (the current one), by member id."""
    by_letter = {None: _render(*words, url)}
    email = _email(by_letter[None], url) if email_on else None
    out = {}
    for member in members:
        letter = (letters or {}).get(member.id)
        if letter not in by_letter:
            by_letter[letter] = _render(*words, url, _hint(notice, letter))
        email_body = email.replace(NAME_MARK, member.name) if email and member.email else None
        out[member.id] = (by_letter[letter], email_body)
    return out


def _email(rendered: Rendered, url: str | None) -> str:
    """The e-mail body in the current language, with NAME_MARK where the name goes."""
    template = current_app.jinja_env.get_template(EMAIL_TEMPLATE)
    return template.render(name=NAME_MARK, title=rendered.title, body=rendered.body, url=url)


def _hint(notice: Notice, letter: str | None) -> str | None:
    """How to answer by text ("回复 A1 接受，A2 拒绝"), in the current language."""
    if not letter or notice.sms_answer is None:
        return None
    return str(notice.sms_answer) % {"letter": letter}


def _render(title_text: str, body_text: str, url: str | None, hint=None) -> Rendered:
    subject = clip(_("[Nansha Time Bank] %(title)s", title=title_text), TITLE_MAX)
    tail = [t for t in (hint, url) if t]
    sms = clip(
        _(
            "[Nansha Time Bank] %(title)s: %(body)s",
            title=title_text,
            body=" ".join(body_text.split()),
        ),
        SMS_MAX - sum(len(t) + 1 for t in tail),
    )
    sms = " ".join([sms, *tail])
    return Rendered(title=title_text, body=body_text, subject=subject, sms=sms)


def _messages(members, ids: dict[int, int], rendered, sms: bool) -> list[dict]:
    """The outbox messages: an e-mail for those with a rendered e-mail, an SMS for each
    member when the notice is texted (bulk.insert_outbox leaves out phones that stopped)."""
    rows = []
    for member in members:
        texts_, email_body = rendered[member.id]
        notification_id = ids[member.id]
        if email_body is not None:
            rows.append(
                _message(notification_id, "email", member.email, texts_.subject, email_body)
            )
        if sms:
            rows.append(_message(notification_id, "sms", member.phone, texts_.title, texts_.sms))
    return rows


def _message(notification_id, channel, recipient, subject, body) -> dict:
    """The values of one outbox message that differ between members."""
    return {
        "notification_id": notification_id,
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "body": body,
    }


# The inbox --------------------------------------------------------------------------------


def mark_read(
    actor: Member, notification: Notification, *, now: datetime | None = None
) -> Notification:
    """Mark one of the actor's own notifications read (again is harmless).

    Another member's notification is NotFound, so its existence does not leak.
    """
    if notification.member_id != actor.id:
        raise NotFound("notification_not_found")
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def mark_all_read(actor: Member, *, now: datetime | None = None) -> int:
    """Mark every unread notification of the actor read; returns how many there were."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.member_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    if result.rowcount:
        log.info("member %s marked %s notification(s) read", actor.id, result.rowcount)
    return result.rowcount


def mark_read_about(
    member_ids: Iterable[int],
    subject_type: str,
    subject_id: int,
    *,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Mark the members' unread notifications about one subject read (only those of `kinds`,
    when given): the thing they were about has been dealt with, so an answered call-out
    stops showing as urgent. One UPDATE; returns how many were marked."""
    q = sa.update(Notification).where(
        Notification.member_id.in_(list(member_ids)),
        Notification.subject_type == subject_type,
        Notification.subject_id == subject_id,
        Notification.read_at.is_(None),
    )
    if kinds is not None:
        q = q.where(Notification.kind.in_(list(kinds)))
    return db.session.execute(q.values(read_at=now or utcnow())).rowcount
