from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import make_member, make_shift
from tests.notifications.conftest import smtp_server  # noqa: F401 - a fixture
from timebank.notifications.jobs import deliver_outbox_job
from timebank.notifications.models import Notification
from timebank.shifts.jobs import send_reminders_job
from timebank.shifts.signups import sign_up

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)


def _kinds(db, member):
    return [
        n.kind
        for n in db.session.scalars(
            sa.select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.id)
        )
    ]


def test_reminders_24h_and_1h_each_once(tree, db):
    member = make_member(tree.community)
    shift = make_shift(tree.community, starts_at=START)
    sign_up(member, shift, now=NOW)
    assert send_reminders_job(now=START - timedelta(hours=25)) == 0
    assert send_reminders_job(now=START - timedelta(hours=23)) == 1
    assert send_reminders_job(now=START - timedelta(hours=22)) == 0  # not twice
    assert send_reminders_job(now=START - timedelta(minutes=59)) == 1
    assert send_reminders_job(now=START - timedelta(minutes=30)) == 0
    assert _kinds(db, member) == ["reminder_24h", "reminder_1h"]


def test_late_signups_get_only_the_reminders_still_ahead(tree, db):
    member = make_member(tree.community)
    shift = make_shift(tree.community, starts_at=START)
    sign_up(member, shift, now=START - timedelta(hours=5))
    send_reminders_job(now=START - timedelta(hours=4))
    send_reminders_job(now=START - timedelta(minutes=50))
    assert _kinds(db, member) == ["reminder_1h"]


def test_no_reminders_for_cancelled_or_waitlisted(tree, db):
    from timebank.shifts.services import cancel_shift

    a, b = make_member(tree.community), make_member(tree.community)
    coordinator = make_member(tree.community, roles=[("coordinator", tree.community)])
    full = make_shift(tree.community, starts_at=START, capacity=1)
    sign_up(a, full, now=NOW)
    sign_up(b, full, now=NOW)  # waitlisted
    cancelled = make_shift(tree.community, starts_at=START + timedelta(hours=5))
    sign_up(a, cancelled, now=NOW)
    cancel_shift(coordinator, cancelled, reason="雨", now=NOW)
    send_reminders_job(now=START - timedelta(hours=20))
    assert _kinds(db, b) == []
    assert _kinds(db, a) == ["shift_cancelled", "reminder_24h"]


def test_reminder_arrives_by_email_in_the_members_language(tree, db, smtp_server):  # noqa: F811
    member = make_member(tree.community, locale="en")
    member.email = "member@example.cn"
    shift = make_shift(tree.community, starts_at=START, title="North gate")
    sign_up(member, shift, now=NOW)
    send_reminders_job(now=START - timedelta(hours=23))
    deliver_outbox_job(now=START - timedelta(hours=23))
    messages = smtp_server.to("member@example.cn")
    assert len(messages) == 1
    assert "Tomorrow: North gate" in messages[0]["Subject"]
