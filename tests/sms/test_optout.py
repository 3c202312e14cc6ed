"""TD / 退订 / STOP stops non-urgent texts; urgent call-outs still go; 恢复 / START (SPEC 9)."""

from datetime import timedelta

import sqlalchemy as sa

from timebank.mobilisation.services import close
from timebank.notifications.models import Notification, OutboxMessage
from timebank.sms.models import InboundSms, SmsOptOut

from .conftest import NOW, post_sms, raise_callout


def _sms_kinds(db, phone):
    return db.session.scalars(
        sa.select(Notification.kind)
        .join(OutboxMessage, OutboxMessage.notification_id == Notification.id)
        .where(OutboxMessage.recipient == phone, OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id)
    ).all()


def test_td_stops_non_urgent_texts_but_not_urgent_call_outs(clock, client, db, people, tree, crowd):
    stopped, other = crowd[0], crowd[1]
    response = post_sms(client, stopped.phone, "退订")
    assert response.status_code == 200
    assert response.json["applied"] is None
    assert "恢复" in response.json["reply"]
    assert "紧急" in response.json["reply"] or "rgent" in response.json["reply"]
    callout = raise_callout(people.organiser, tree, now=NOW)
    close(people.organiser, callout, reason="解除", now=NOW + timedelta(minutes=1))
    assert _sms_kinds(db, stopped.phone) == ["callout_invitation"]  # urgent: still sent
    assert _sms_kinds(db, other.phone) == ["callout_invitation", "callout_withdrawn"]
    # The inbox still has everything: only the texts stop.
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.member_id == stopped.id)
    ).all()
    assert "callout_withdrawn" in kinds


def test_start_restarts_texts(clock, client, db, people, tree, crowd):
    member = crowd[0]
    for text in ("STOP", "TD"):  # twice is harmless
        assert post_sms(client, member.phone, text).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsOptOut)) == 1
    clock.now = NOW + timedelta(seconds=5)
    response = post_sms(client, member.phone, "恢复")
    assert response.json["applied"] is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsOptOut)) == 0
    callout = raise_callout(people.organiser, tree, now=NOW)
    close(people.organiser, callout, reason="解除", now=NOW + timedelta(minutes=1))
    assert _sms_kinds(db, member.phone) == ["callout_invitation", "callout_withdrawn"]
    outcomes = db.session.scalars(sa.select(InboundSms.outcome).order_by(InboundSms.id)).all()
    assert outcomes == ["opted_out", "opted_out", "opted_in"]
