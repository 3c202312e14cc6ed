"""Rating a handled event by text: residents without an account and members (SPEC 9)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.dispatch.conftest import T0, make_world
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import give_feedback
from timebank.dispatch.intake import report_event
from timebank.dispatch.transitions import accept_event, handle_event, register_event
from timebank.notifications.models import OutboxMessage
from timebank.sms.models import InboundSms

from .conftest import invite_too, post_sms, raise_callout

RESIDENT = "13812345678"


@pytest.fixture
def world(tree, people):
    return make_world(tree, people)


def _handle(world, event):
    c = world.people.coordinator
    register_event(c, event, now=T0)
    dispatch_event(c, event, assignee_id=world.gridworker.id, now=T0)
    accept_event(world.gridworker, event, now=T0)
    handle_event(world.gridworker, event, result="修好了", now=T0 + timedelta(hours=1))
    return event


def resident_event(world):
    event = report_event(
        None,
        now=T0,
        category_code=world.street.code,
        description="路灯坏了",
        grid_id=world.tree.grid.id,
        reporter_name="张三",
        reporter_phone=RESIDENT,
    )
    return _handle(world, event)


def _texts_to(db, phone):
    return db.session.scalars(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.recipient == phone)
        .order_by(OutboxMessage.id)
    ).all()


def test_the_resident_is_asked_with_a_letter_and_rates_by_text(clock, client, db, world):
    event = resident_event(world)
    (text,) = _texts_to(db, RESIDENT)
    assert "A1" in text and "A5" in text, text
    clock.now = T0 + timedelta(hours=2)
    response = post_sms(client, RESIDENT, "A4")
    assert response.status_code == 200, response.json
    assert response.json["applied"] == [
        {"code": "A4", "subject_type": "event", "subject_id": event.id, "action": "rated_4"}
    ]
    db.session.refresh(event)
    assert (event.status, event.rating) == ("closed", 4)
    row = db.session.scalar(sa.select(InboundSms))
    assert (row.member_id, row.outcome) == (None, "applied")


def test_a_low_rating_reopens_through_the_same_service(clock, client, db, world):
    event = resident_event(world)
    clock.now = T0 + timedelta(hours=2)
    response = post_sms(client, RESIDENT, "1")
    assert response.json["applied"][0]["action"] == "rated_1"
    db.session.refresh(event)
    assert (event.status, event.reopened, event.first_rating) == ("dispatched", True, 1)


def test_rated_already_is_a_clear_reply(clock, client, db, world):
    event = resident_event(world)
    clock.now = T0 + timedelta(hours=2)
    assert post_sms(client, RESIDENT, "A5").json["applied"]
    again = post_sms(client, RESIDENT, "A3")
    assert again.json["applied"] is None
    db.session.refresh(event)
    assert event.rating == 5


def test_rated_on_the_web_first_is_a_clear_reply(clock, client, db, world):
    event = _handle(world, world.report())
    give_feedback(world.people.member, event, rating=5, now=T0 + timedelta(hours=2))
    clock.now = T0 + timedelta(hours=3)
    response = post_sms(client, world.people.member.phone, "A3")
    assert response.json["applied"] is None
    assert response.json["reply"].startswith("A3: ")
    db.session.refresh(event)
    assert event.rating == 5


def test_a_member_answers_a_call_out_and_rates_in_one_text(clock, client, db, world, tree):
    member = world.people.member
    event = _handle(world, world.report())
    callout = raise_callout(
        world.people.organiser,
        tree,
        now=T0 + timedelta(hours=1, minutes=1),
        needed=1,
    )
    invite_too(callout, member, T0 + timedelta(hours=1, minutes=1))
    texts = _texts_to(db, member.phone)
    assert "A1" in texts[0] and "B1" in texts[-1], texts
    clock.now = T0 + timedelta(hours=1, minutes=2)
    response = post_sms(client, member.phone, "A5 B1")
    applied = {(a["subject_type"], a["subject_id"], a["action"]) for a in response.json["applied"]}
    assert applied == {("event", event.id, "rated_5"), ("callout", callout.id, "accepted")}


def test_a_word_is_no_rating(clock, client, db, world):
    event = resident_event(world)
    clock.now = T0 + timedelta(hours=2)
    response = post_sms(client, RESIDENT, "A接受")
    assert response.json["applied"] is None
    assert db.session.scalar(sa.select(InboundSms.outcome)) == "unclear"
    db.session.refresh(event)
    assert event.status == "handled"


def test_someone_else_cannot_rate_a_residents_event(clock, client, db, world):
    event = resident_event(world)
    clock.now = T0 + timedelta(hours=2)
    response = post_sms(client, world.people.neighbour.phone, "A5")
    assert response.json["applied"] is None
    db.session.refresh(event)
    assert event.status == "handled"
