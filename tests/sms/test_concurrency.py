"""The same reply at once, 20 retries of one post, and the web and a text answering one
invitation at the same moment: each applies once (SQLite and PostgreSQL)."""

import threading

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_tree
from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.core.errors import DomainError
from timebank.extensions import db
from timebank.members.models import Member
from timebank.mobilisation import services as callouts
from timebank.mobilisation.models import Callout, Invitation
from timebank.sms.models import InboundSms

from .conftest import body_of, post_sms

pytestmark = pytest.mark.concurrency


def _callout(committed):
    tree = make_tree()
    organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.town)])
    centre = (tree.community.lat, tree.community.lon)
    member = make_member(tree.community, home=(centre[0] + 1e-4, centre[1]))
    db.session.commit()
    callout = callouts.raise_callout(
        db.session.get(Member, organiser.id),
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="并发短信",
        lat=centre[0],
        lon=centre[1],
        radius_km=5,
        needed=1,
        team_size=1,
        respond_within_s=600,
    )
    callout_id, member_id, phone = callout.id, member.id, member.phone
    db.session.commit()
    return callout_id, member_id, phone


def _at_once(n, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def _status(callout_id, member_id):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Invitation.status).where(
            Invitation.callout_id == callout_id, Invitation.member_id == member_id
        )
    )


@pytest.mark.parametrize("round_", range(2))
def test_twenty_retries_of_one_post_apply_once(app, committed, round_):
    callout_id, member_id, phone = _callout(committed)
    body = body_of(phone, "A1")
    client = app.test_client()
    results, errors = _at_once(20, lambda i: post_sms(client, None, None, body=body).status_code)
    assert errors == []
    assert sorted(results) == [200] + [401] * 19
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundSms)) == 1
    assert _status(callout_id, member_id) == "accepted"
    assert db.session.get(Callout, callout_id).accepted == 1


@pytest.mark.parametrize("round_", range(2))
def test_the_same_answer_in_two_texts_at_once_applies_once(app, committed, round_):
    callout_id, member_id, phone = _callout(committed)
    client = app.test_client()
    texts = ["A1", "a1", "Ａ１", "A 1", "接受", "1"]
    results, errors = _at_once(len(texts), lambda i: post_sms(client, phone, texts[i]).json)
    assert errors == []
    applied = [r["applied"] for r in results if r["applied"]]
    assert len(applied) == 1, results
    db.session.expire_all()
    outcomes = db.session.scalars(sa.select(InboundSms.outcome)).all()
    assert len(outcomes) == len(texts) and outcomes.count("applied") == 1
    assert db.session.get(Callout, callout_id).accepted == 1


@pytest.mark.parametrize("round_", range(3))
def test_the_web_and_a_text_answer_at_once_one_applies(app, committed, round_):
    callout_id, member_id, phone = _callout(committed)
    client = app.test_client()

    def work(i):
        if i == 0:  # the web: decline
            with app.app_context():
                try:
                    callouts.respond(
                        db.session.get(Member, member_id),
                        db.session.get(Callout, callout_id),
                        answer="decline",
                        now=utcnow(),
                    )
                    db.session.commit()
                    return "web"
                except DomainError as exc:
                    db.session.rollback()
                    return exc.code
                finally:
                    db.session.remove()
        response = post_sms(client, phone, "A1")  # the text: accept
        return "text" if response.json["applied"] else "text refused"

    results, errors = _at_once(2, work)
    assert errors == []
    status = _status(callout_id, member_id)
    if "web" in results:
        assert results == ["web", "text refused"] and status == "declined"
    else:
        # The accept filled the call-out (needed 1): the web's decline is refused.
        assert results == ["callout_filled", "text"] and status == "accepted"


def _crowd_callout(n, needed):
    tree = make_tree()
    organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.town)])
    centre = (tree.community.lat, tree.community.lon)
    members = [
        make_member(tree.community, home=(centre[0] + i * 1e-4, centre[1])) for i in range(1, n + 1)
    ]
    db.session.commit()
    callout = callouts.raise_callout(
        db.session.get(Member, organiser.id),
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="并发补员",
        lat=centre[0],
        lon=centre[1],
        radius_km=5,
        needed=needed,
        team_size=1,
        respond_within_s=600,
    )
    callout_id = callout.id
    db.session.commit()
    invited = db.session.scalars(
        sa.select(Invitation.member_id).where(Invitation.callout_id == callout_id)
    ).all()
    phones = {m.id: m.phone for m in members}
    db.session.commit()  # no transaction (SQLite's write lock) held while the threads run
    return callout_id, [phones[m] for m in invited]


def _pending(callout_id):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout_id, Invitation.status == "pending")
    )


@pytest.mark.parametrize("round_", range(2))
def test_declines_by_text_at_once_top_up_exactly(app, committed, round_):
    """Each decline's top-up runs after its commit, under the call-out's top-up lock only:
    none is lost (a request that finds the lock held leaves it to the holder, who looks
    again) and none over-invites."""
    callout_id, phones = _crowd_callout(20, needed=4)  # 6 invited
    assert len(phones) == 6
    client = app.test_client()
    results, errors = _at_once(6, lambda i: post_sms(client, phones[i], "A2").json)
    assert errors == []
    assert all(r["applied"] for r in results)
    assert _pending(callout_id) == 6  # ceil(4 × 1.5), at once: no tick has run
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout_id)
    )
    assert total == 12


@pytest.mark.parametrize("round_", range(2))
def test_accepts_and_declines_by_text_at_once_keep_the_wave(app, committed, round_):
    callout_id, phones = _crowd_callout(20, needed=4)
    client = app.test_client()
    texts = ["A1", "A2", "A1", "A2", "A2", "A1"]
    results, errors = _at_once(6, lambda i: post_sms(client, phones[i], texts[i]).json)
    assert errors == []
    assert all(r["applied"] for r in results)
    callout = db.session.get(Callout, callout_id)
    db.session.refresh(callout)
    assert (callout.accepted, callout.status) == (3, "open")
    # At least the target pending (an accept meanwhile lowers it after a top-up counted),
    # never more than one decline's worth over it.
    assert 2 <= _pending(callout_id) <= 3
