"""Server-side sessions: signing out ends a session for good, on one device only (SPEC 3.10)."""

from datetime import timedelta

import sqlalchemy as sa

from tests.factories import PASSWORD
from timebank.auth import sessions
from timebank.auth.models import MemberSession
from timebank.auth.queries import find_live_session
from timebank.core.clock import utcnow
from timebank.members.services import suspend_member

IDLE = timedelta(days=30)


def _sign_in(app, member, **extra):
    client = app.test_client()
    response = client.post("/login", data={"phone": member.phone, "password": PASSWORD, **extra})
    assert response.status_code == 302
    return client


def _signed_in(client) -> bool:
    response = client.get("/members/me")
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def _with_cookies(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _rows(db, member):
    return list(
        db.session.scalars(sa.select(MemberSession).where(MemberSession.member_id == member.id))
    )


def test_copied_session_cookie_no_longer_signs_in_after_sign_out(app, people, db):
    client = _sign_in(app, people.member)
    copy = client.get_cookie("session").value
    assert _signed_in(_with_cookies(app, session=copy))  # the copy works while signed in
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(_with_cookies(app, session=copy))


def test_copied_remember_cookie_no_longer_signs_in_after_sign_out(app, people, db):
    client = _sign_in(app, people.member, remember="y")
    remember = client.get_cookie("remember_token").value
    assert _signed_in(_with_cookies(app, remember_token=remember))
    client.post("/logout")
    assert not _signed_in(_with_cookies(app, remember_token=remember))


def test_signing_out_on_one_device_keeps_the_other_signed_in(app, people, db):
    phone = _sign_in(app, people.member)
    laptop = _sign_in(app, people.member)
    phone.post("/logout")
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    ended = [r.ended_at is not None for r in _rows(db, people.member)]
    assert sorted(ended) == [False, True]


def test_sign_out_everywhere_ends_every_session_row(app, people, db):
    phone = _sign_in(app, people.member)
    laptop = _sign_in(app, people.member, remember="y")
    remember = laptop.get_cookie("remember_token").value
    phone.post("/logout-everywhere")
    assert not _signed_in(laptop)
    assert not _signed_in(_with_cookies(app, remember_token=remember))
    assert all(r.ended_at is not None for r in _rows(db, people.member))


def test_suspension_ends_sessions_through_the_session_version(app, people, db):
    client = _sign_in(app, people.member)
    suspend_member(people.coordinator, people.member, reason="r")
    db.session.flush()
    assert not _signed_in(client)


def test_only_the_hash_of_the_session_id_is_stored(app, people, db):
    client = _sign_in(app, people.member)
    raw = client.get_cookie("remember_token")  # not asked for: no remember cookie
    assert raw is None
    [row] = _rows(db, people.member)
    with client.session_transaction() as state:
        cookie_id = state["_user_id"]
    assert row.token_hash == sessions.session_digest(cookie_id) != cookie_id
    assert str(people.member.id) != cookie_id.partition(":")[0]  # no member id in the cookie


def test_last_seen_is_written_at_most_every_few_minutes(app, people, db):
    client = _sign_in(app, people.member)
    [row] = _rows(db, people.member)
    long_ago = utcnow() - timedelta(hours=1)
    row.last_seen_at = long_ago
    db.session.commit()
    assert _signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at > utcnow() - timedelta(minutes=1)  # moved forward
    recently = utcnow() - timedelta(minutes=2)
    row.last_seen_at = recently
    db.session.commit()
    assert _signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at == recently  # not due yet: no write


def test_a_session_unseen_for_longer_than_the_remember_cookie_lives_is_over(people, db):
    now = utcnow()
    raw = sessions.start_session(people.member, now=now - IDLE - timedelta(minutes=1))
    assert find_live_session(raw, now=now, max_idle=IDLE) is None
    fresh = sessions.start_session(people.member, now=now)
    assert find_live_session(fresh, now=now, max_idle=IDLE).member_id == people.member.id


def test_a_member_ends_one_of_their_sessions_from_the_account_page(app, people, db):
    phone = _sign_in(app, people.member)
    laptop = _sign_in(app, people.member)
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert page.count("end-session-") == 2
    with phone.session_transaction() as state:
        phone_row = db.session.scalar(
            sa.select(MemberSession).where(
                MemberSession.token_hash == sessions.session_digest(state["_user_id"])
            )
        )
    response = laptop.post(f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 302
    assert not _signed_in(phone)
    assert _signed_in(laptop)


def test_nobody_ends_another_members_session(app, people, db):
    other = _sign_in(app, people.coordinator)
    [row] = _rows(db, people.coordinator)
    member = _sign_in(app, people.member)
    assert member.post(f"/account/sessions/{row.id}/end").status_code == 404
    assert _signed_in(other)
