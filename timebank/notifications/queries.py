"""Reading a member's inbox and the outbox messages that are due."""

from datetime import datetime

import sqlalchemy as sa

from ..core.errors import NotFound
from ..extensions import db
from ..members.models import Member
from .models import Notification, OutboxMessage, OutboxStatus

#: How many urgent notices the banner at the top of every page shows at most.
URGENT_SHOWN = 3


def get_notification(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        raise NotFound("notification_not_found")
    return notification


def _inbox(member: Member, unread_only: bool):
    q = sa.select(Notification).where(Notification.member_id == member.id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return q


def list_notifications(
    member: Member, *, unread_only: bool = False, page: int = 1, per_page: int = 20
) -> tuple[list[Notification], int]:
    """One page of the member's notifications, newest first, and how many there are."""
    q = _inbox(member, unread_only)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def count_unread(member: Member) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
    )


def list_urgent_unread(member: Member, limit: int = URGENT_SHOWN) -> list[Notification]:
    """The member's unread urgent notices, newest first (the red banner on every page)."""
    return list(
        db.session.scalars(
            _inbox(member, unread_only=True)
            .where(Notification.is_urgent.is_(True))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_and_urgent(member: Member, limit: int = URGENT_SHOWN) -> tuple[int, list]:
    """`count_unread` and `list_urgent_unread` in one statement (every page shows both): the
    count, left-joined to the urgent notices, so that a row comes back when there are none."""
    unread = (
        sa.select(sa.func.count().label("unread"))
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .subquery()
    )
    newest = (
        _inbox(member, unread_only=True)
        .where(Notification.is_urgent.is_(True))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .subquery()
    )
    urgent = sa.orm.aliased(Notification, newest)
    rows = db.session.execute(
        sa.select(unread.c.unread, urgent)
        .select_from(unread)
        .outerjoin(urgent, sa.true())
        .order_by(urgent.created_at.desc(), urgent.id.desc())
    ).all()
    return (rows[0][0] if rows else 0), [n for _count, n in rows if n is not None]


def list_due_message_ids(now: datetime, *, channels, limit: int = 100) -> list[int]:
    """Pending outbox messages due at `now` on the given channels, oldest due first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.channel.in_(list(channels)),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def failed_texts_about(subject_type: str, subject_id: int) -> list[dict]:
    """The members whose SMS about one subject was not delivered: the delivery job gave
    up, or the gateway reported it failed. One row per member (the latest failure)."""
    failed = sa.or_(
        OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.delivery_status == "failed"
    )
    rows = db.session.execute(
        sa.select(
            Member.id,
            Member.name,
            Member.phone,
            Notification.kind,
            sa.func.coalesce(OutboxMessage.delivery_error, OutboxMessage.last_error),
        )
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .join(Member, Member.id == Notification.member_id)
        .where(
            Notification.subject_type == subject_type,
            Notification.subject_id == subject_id,
            OutboxMessage.channel == "sms",
            failed,
        )
        .order_by(OutboxMessage.id)
    ).all()
    by_member = {}
    for member_id, name, phone, kind, error in rows:
        by_member[member_id] = {
            "member_id": member_id,
            "name": name,
            "phone": phone,
            "kind": kind,
            "error": error,
        }
    return list(by_member.values())
