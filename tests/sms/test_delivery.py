"""Delivery reports from the gateway; texts not delivered on the call-out's live page."""

import json

import sqlalchemy as sa

from timebank.notifications.models import OutboxMessage
from timebank.sms.signing import sign

from .conftest import NOW, SECRET, raise_callout


def report(client, payload, *, signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        "/api/v1/sms/delivery-reports",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Signature": sign(SECRET, body) if signature is None else signature,
        },
    )


def _texts(db, callout_id):
    from timebank.notifications.models import Notification

    return db.session.scalars(
        sa.select(OutboxMessage)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(Notification.subject_id == callout_id, OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id)
    ).all()


def test_reports_are_kept_and_failures_show_on_the_live_page(
    clock, client, db, people, tree, crowd, login
):
    callout = raise_callout(people.organiser, tree, now=NOW)
    first, second = _texts(db, callout.id)[:2]
    assert (
        report(client, {"message_id": first.id, "status": "failed", "error": "空号"}).status_code
        == 204
    )
    assert report(client, {"message_id": second.id, "status": "delivered"}).status_code == 204
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.delivery_status, first.delivery_error) == ("failed", "空号")
    assert (second.delivery_status, second.delivery_error) == ("delivered", None)
    page = login(people.organiser).get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-test="not-reached"' in page
    assert page.count('data-test="not-reached-member"') == 1
    assert first.recipient in page and "空号" in page


def test_no_failure_no_box(clock, client, db, people, tree, crowd, login):
    callout = raise_callout(people.organiser, tree, now=NOW)
    page = login(people.organiser).get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-test="not-reached"' not in page


def test_bad_reports_are_refused(clock, client, db, people, tree, crowd):
    callout = raise_callout(people.organiser, tree, now=NOW)
    message = _texts(db, callout.id)[0]
    unsigned = report(client, {"message_id": message.id, "status": "failed"}, signature="")
    assert unsigned.status_code == 401
    assert report(client, {"message_id": 999999, "status": "failed"}).status_code == 404
    assert report(client, {"message_id": message.id, "status": "lost"}).status_code == 422
    assert report(client, {"message_id": "x", "status": "failed"}).status_code == 422
    db.session.refresh(message)
    assert message.delivery_status is None
