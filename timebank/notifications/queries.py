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
