"""The webhook: signature, replay, storage, and answers to call-outs (SPEC 9)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member
from timebank.mobilisation.models import Invitation
from timebank.notifications.models import OutboxMessage
from timebank.sms.models import InboundSms, SeenSignature
from timebank.sms.signing import sign, verify

from .conftest import NOW, SECRET, body_of, invite_too, post_sms, raise_callout


def _inbound(db):
    return db.session.scalars(sa.select(InboundSms).order_by(InboundSms.id)).all()


def _invitation(db, callout, member):
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.callout_id == callout.id, Invitation.member_id == member.id
        )
    )


def test_sign_and_verify():
    body = b'{"from": "13700000001", "text": "A1"}'
    good = sign(SECRET, body)
    assert len(good) == 64 and verify(SECRET, body, good)
    assert verify(SECRET, body, good.upper())
    assert not verify(SECRET, body + b" ", good)
    assert not verify("other", body, good)
    assert not verify("", body, sign("", body))  # no secret: nothing verifies
    assert not verify(SECRET, body, None)
    assert not verify(SECRET, body, "zz" * 32)


@pytest.mark.parametrize("signature", ["", "0" * 64, "not-hex", sign("wrong", b"x")])
def test_unsigned_or_badly_signed_is_401_and_changes_nothing(client, db, people, signature):
    response = post_sms(client, people.member.phone, "TD", signature=signature)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "bad_signature"
    assert _inbound(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeenSignature)) == 0


def test_a_replay_within_ten_minutes_is_401(clock, client, db, people):
    body = body_of(people.member.phone, "TD")
    clock.now = NOW
    assert post_sms(client, None, None, body=body).status_code == 200
    clock.now = NOW + timedelta(minutes=9)
    replay = post_sms(client, None, None, body=body)
    assert replay.status_code == 401
    assert len(_inbound(db)) == 1
    clock.now = NOW + timedelta(minutes=11)
    assert post_sms(client, None, None, body=body).status_code == 200
    assert len(_inbound(db)) == 2


def test_signed_malformed_json_is_400(client, db):
    response = post_sms(client, None, None, body=b"{not json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"
    assert _inbound(db) == []


def test_a_badly_shaped_post_is_refused_after_the_signature(client, db):
    body = b'{"text": 5}'
    response = post_sms(client, None, None, body=body)
    assert response.status_code == 422
    assert _inbound(db) == []


def test_an_unknown_sender_gets_help_and_nothing_changes(client, db):
    response = post_sms(client, "13999999999", "A1")
    assert response.status_code == 200
    assert response.json["applied"] is None
    assert response.json["reply"]
    (row,) = _inbound(db)
    assert (row.outcome, row.member_id, row.text) == ("unknown_sender", None, "A1")


def test_the_invitation_text_says_how_to_answer(db, people, tree, crowd):
    callout = raise_callout(people.organiser, tree, now=NOW)
    invited = db.session.scalars(
        sa.select(Invitation).where(Invitation.callout_id == callout.id)
    ).all()
    assert invited
    for invitation in invited:
        sms = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.recipient == invitation.member.phone, OutboxMessage.channel == "sms"
            )
        )
        assert "A1" in sms.body and "A2" in sms.body, sms.body
        assert len(sms.body) <= 200


def test_accept_by_text_goes_through_respond(clock, client, db, people, tree, crowd):
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW)
    member = crowd[0]
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, member.phone, "Ａ１")
    assert response.status_code == 200, response.json
    assert response.json["applied"] == [
        {"code": "A1", "subject_type": "callout", "subject_id": callout.id, "action": "accepted"}
    ]
    assert _invitation(db, callout, member).status == "accepted"
    assert _inbound(db)[0].outcome == "applied"
    clock.now = NOW + timedelta(minutes=2)
    again = post_sms(client, member.phone, "A1 ")
    assert again.json["applied"] is None
    assert _inbound(db)[1].outcome in ("refused", "unclear")


def test_decline_by_word(clock, client, db, people, tree, crowd):
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW)
    member = crowd[0]
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, member.phone, "不去")
    assert response.json["applied"][0]["action"] == "declined"
    assert _invitation(db, callout, member).status == "declined"


def test_a_decline_by_text_invites_the_next_member_at_once(clock, client, db, people, tree, crowd):
    """SPEC 3.4: top-ups happen at once after a decline, not at the next tick; the member
    invited in the decline's place gets the lettered text."""
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW)  # needed 2: 3 invited
    db.session.commit()
    invited = {i.member_id for i in db.session.scalars(sa.select(Invitation))}
    assert invited == {m.id for m in crowd[:3]}
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, crowd[0].phone, "A2")
    assert response.json["applied"][0]["action"] == "declined"
    db.session.expire_all()
    fourth = _invitation(db, callout, crowd[3])
    assert fourth is not None and fourth.status == "pending"
    assert fourth.sent_at == NOW + timedelta(minutes=1)
    assert fourth.wave == 2
    pending = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.status == "pending")
    )
    assert pending == 3  # ceil((2 - 0) × 1.5)
    text = db.session.scalar(
        sa.select(OutboxMessage.body).where(
            OutboxMessage.channel == "sms", OutboxMessage.recipient == crowd[3].phone
        )
    )
    assert text is not None and "A1" in text


def test_two_call_outs_two_letters_one_text(clock, client, db, people, tree, crowd):
    clock.now = NOW
    first = raise_callout(people.organiser, tree, now=NOW, title="一")
    second = raise_callout(people.organiser, tree, now=NOW + timedelta(seconds=1), title="二")
    member = crowd[0]
    invite_too(second, member, NOW + timedelta(seconds=1))
    bodies = db.session.scalars(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.recipient == member.phone)
        .order_by(OutboxMessage.id)
    ).all()
    assert "A1" in bodies[0] and "B1" in bodies[1]
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, member.phone, "A1 B2")
    actions = [(a["subject_id"], a["action"]) for a in response.json["applied"]]
    assert actions == [(first.id, "accepted"), (second.id, "declined")]


def test_a_bare_answer_goes_to_the_newest_open_question(clock, client, db, people, tree, crowd):
    clock.now = NOW
    first = raise_callout(people.organiser, tree, now=NOW, title="一")
    second = raise_callout(people.organiser, tree, now=NOW + timedelta(seconds=1), title="二")
    member = crowd[0]
    invite_too(second, member, NOW + timedelta(seconds=1))
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, member.phone, "1")
    assert response.json["applied"][0]["subject_id"] == second.id
    assert _invitation(db, first, member).status == "pending"
    clock.now = NOW + timedelta(minutes=2)
    response = post_sms(client, member.phone, "2")
    assert response.json["applied"][0]["subject_id"] == first.id
    assert _invitation(db, first, member).status == "declined"


def test_too_late_is_a_clear_reply_not_a_change(clock, client, db, people, tree, crowd):
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW, respond_within_s=60)
    member = crowd[0]
    clock.now = NOW + timedelta(minutes=5)
    response = post_sms(client, member.phone, "A1")
    assert response.json["applied"] is None
    assert "passed" in response.json["reply"] or "已过" in response.json["reply"]
    assert _invitation(db, callout, member).status == "pending"
    assert _inbound(db)[0].outcome == "refused"


def test_filled_is_a_clear_reply(clock, client, db, people, tree, crowd):
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW, needed=1)
    first, second = crowd[0], crowd[1]
    clock.now = NOW + timedelta(minutes=1)
    assert post_sms(client, first.phone, "A1").json["applied"]
    late = post_sms(client, second.phone, "A1")
    assert late.json["applied"] is None
    assert late.json["reply"].startswith("A1")
    assert _invitation(db, callout, second).status == "not_needed"


def test_a_closed_call_out_is_a_clear_reply(clock, client, db, people, tree, crowd):
    from timebank.mobilisation.services import close

    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW)
    close(people.organiser, callout, reason="解除", now=NOW)
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, crowd[0].phone, "A1")
    assert response.json["applied"] is None
    assert _invitation(db, callout, crowd[0]).status == "not_needed"


def test_a_rating_for_a_call_out_asks_again(clock, client, db, people, tree, crowd):
    clock.now = NOW
    callout = raise_callout(people.organiser, tree, now=NOW)
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, crowd[0].phone, "A5")
    assert response.json["applied"] is None
    assert _inbound(db)[0].outcome == "unclear"
    assert _invitation(db, callout, crowd[0]).status == "pending"


def test_an_unknown_letter_is_unclear(clock, client, db, people, tree, crowd):
    clock.now = NOW
    raise_callout(people.organiser, tree, now=NOW)
    clock.now = NOW + timedelta(minutes=1)
    response = post_sms(client, crowd[0].phone, "C1")
    assert response.json["applied"] is None
    assert _inbound(db)[0].outcome == "unclear"


def test_unclear_text_from_a_member_gets_help(client, db, people):
    member = make_member(people.member.community)
    response = post_sms(client, member.phone, "明天再说吧")
    assert response.json["applied"] is None
    assert "A1" in response.json["reply"]
    assert _inbound(db)[0].outcome == "unclear"


def test_the_logging_gateway_and_webhook_request_make_a_signed_post(client, db, people):
    from timebank.notifications.channels import LoggingSmsGateway, webhook_request

    gateway = LoggingSmsGateway({})
    inbound = gateway.inbound({"from": people.member.phone, "text": "退订"})
    body, headers = webhook_request(SECRET, inbound)
    response = client.post("/api/v1/sms/inbound", data=body, headers=headers)
    assert response.status_code == 200
    assert _inbound(db)[0].outcome == "opted_out"


def test_old_signatures_are_forgotten(db):
    from timebank.sms.jobs import forget_signatures_job
    from timebank.sms.services import claim_signature

    assert claim_signature("a" * 64, now=NOW)
    assert claim_signature("b" * 64, now=NOW + timedelta(minutes=8))
    assert forget_signatures_job(now=NOW + timedelta(minutes=11)) == 1
    assert db.session.scalars(sa.select(SeenSignature.signature)).all() == ["b" * 64]
