"""Call-outs and handled events to answer by text, and a signed post to the webhook."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_member
from timebank.extensions import db
from timebank.mobilisation import services as callouts
from timebank.mobilisation.models import Invitation
from timebank.notifications.receivers import on_members_invited
from timebank.sms.signing import sign

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
PLACE = (22.862, 113.525)
SECRET = "test-sms-secret"  # noqa: S105 - TestConfig's


def north(metres):
    return (PLACE[0] + metres / 111_195, PLACE[1])


@pytest.fixture
def crowd(tree):
    """Six active members living 100 m … 600 m north of the place."""
    return [make_member(tree.community, name=f"队员{i}", home=north(100 * i)) for i in range(1, 7)]


def raise_callout(organiser, tree, *, now=NOW, **overrides):
    data = dict(
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="封控点支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=2,
        team_size=1,
        respond_within_s=600,
    )
    data.update(overrides)
    return callouts.raise_callout(organiser, now=now, **data)


def invite_too(callout, member, now):
    """Invite a member already invited elsewhere (candidates skip them; a later wave or an
    organiser's re-invite does not), told as a wave is told."""
    db.session.add(
        Invitation(
            callout_id=callout.id,
            member_id=member.id,
            status="pending",
            wave=9,
            distance_m=1,
            sent_at=now,
            expires_at=now + timedelta(seconds=callout.respond_within_s),
        )
    )
    db.session.flush()
    on_members_invited(callout, member_ids=[member.id], now=now)


def body_of(phone, text, received_at="2026-03-03T02:00:00Z") -> bytes:
    return json.dumps(
        {"from": phone, "text": text, "received_at": received_at}, ensure_ascii=False
    ).encode("utf-8")


def post_sms(client, phone, text, *, signature=None, body=None):
    body = body if body is not None else body_of(phone, text)
    headers = {"Content-Type": "application/json"}
    signature = sign(SECRET, body) if signature is None else signature
    if signature:
        headers["X-Signature"] = signature
    return client.post("/api/v1/sms/inbound", data=body, headers=headers)


@pytest.fixture
def clock(monkeypatch):
    """The webhook's clock, set by the test (`clock.now = …`)."""

    class Clock:
        now = NOW

    monkeypatch.setattr("timebank.blueprints.api.sms.utcnow", lambda: Clock.now)
    return Clock
