"""Password reset (SPEC 3.10 and the /auth/reset-codes and /auth/reset rows of section 4)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_member
from timebank.audit.models import AuditEntry
from timebank.auth import reset
from timebank.auth.models import ApiToken, MemberSession, ResetCode
from timebank.core.clock import utcnow
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.notifications.jobs import deliver_outbox_job
from timebank.notifications.models import OutboxMessage

NEW = "brandnew42"


def _sms(db, member):
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == member.phone, OutboxMessage.channel == "sms")
            .order_by(OutboxMessage.id)
        )
    )


def _code_of(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _ask(client, phone):
    return client.post("/api/v1/auth/reset-codes", json={"phone": phone})


def _reset(client, phone, code, password=NEW):
    return client.post(
        "/api/v1/auth/reset", json={"phone": phone, "code": code, "password": password}
    )


def _codes(db, member):
    return list(db.session.scalars(sa.select(ResetCode).where(ResetCode.member_id == member.id)))


class FakeSms:
    name = "sms"

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append((message.recipient, message.body))

    def close(self):
        pass


def test_the_reset_flow_end_to_end_through_the_outbox(app, people, client, db, api):
    member = people.member
    web = app.test_client()
    web.post("/login", data={"phone": member.phone, "password": PASSWORD})
    token_client = api(member)
    assert _ask(client, f"+86 {member.phone}").status_code == 202
    db.session.commit()
    gateway = FakeSms()
    assert deliver_outbox_job(utcnow(), channels={"sms": gateway}) >= 1
    [(phone, text)] = gateway.sent
    assert phone == member.phone
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert _reset(client, member.phone, code).status_code == 204
    # every session and token of the member has ended
    assert "/login" in web.get("/members/me").headers["Location"]
    assert token_client.get("/members/me").status_code == 401
    assert all(s.ended_at for s in db.session.scalars(sa.select(MemberSession)))
    assert all(t.revoked_at for t in db.session.scalars(sa.select(ApiToken)))
    old = {"phone": member.phone, "password": PASSWORD}
    assert client.post("/api/v1/auth/tokens", json=old).status_code == 401
    new = {"phone": member.phone, "password": NEW}
    assert client.post("/api/v1/auth/tokens", json=new).status_code == 201
    assert _reset(client, member.phone, code, "another42").status_code == 422  # used once


def test_unknown_phone_gets_202_and_nothing_is_stored(client, people, db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    for phone in ("13999999999", "not a phone", ""):
        response = _ask(client, phone)
        assert response.status_code == 202 and response.get_data() == b""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResetCode)) == 0
    known = _ask(client, people.member.phone)
    assert known.status_code == 202 and known.get_data() == b""  # the same answer


def test_suspended_member_gets_no_code(tree, client, db):
    member = make_member(tree.community, status="suspended")
    assert _ask(client, member.phone).status_code == 202
    assert _sms(db, member) == [] and _codes(db, member) == []


@pytest.mark.parametrize(
    ("locale", "words"), [("zh_CN", "验证码"), ("en", "Your code to set a new password")]
)
def test_the_sms_is_in_the_members_language_and_only_an_hmac_is_kept(
    tree, client, db, locale, words
):
    member = make_member(tree.community, locale=locale)
    _ask(client, member.phone)
    [message] = _sms(db, member)
    assert words in message.body and message.notification_id is None
    code = _code_of(message)
    [row] = _codes(db, member)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_five_wrong_codes_spend_it(people, client, db):
    _ask(client, people.member.phone)
    code = _code_of(_sms(db, people.member)[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = _reset(client, people.member.phone, wrong)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "invalid_code"
    assert _reset(client, people.member.phone, code).status_code == 422
    [row] = _codes(db, people.member)
    assert row.tries == 5 and row.spent_at is not None


def test_the_fifth_try_may_be_the_right_one(people, client, db):
    _ask(client, people.member.phone)
    code = _code_of(_sms(db, people.member)[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        _reset(client, people.member.phone, wrong)
    assert _reset(client, people.member.phone, code).status_code == 204


def test_wrong_expired_spent_and_unknown_look_the_same(people, client, db):
    now = utcnow()
    reset.request_reset_code(people.member.phone, now=now - timedelta(minutes=11))
    db.session.commit()
    expired = _code_of(_sms(db, people.member)[0])
    answers = [
        _reset(client, people.member.phone, expired).get_json(),
        _reset(client, "13999999999", "123456").get_json(),
        _reset(client, people.member.phone, "12").get_json(),
        _reset(client, people.member.phone, "x" * 20).get_json(),
    ]
    assert all(a == answers[0] for a in answers)
    assert answers[0]["error"]["code"] == "invalid_code"


def test_a_new_request_replaces_the_old_code(people, client, db):
    _ask(client, people.member.phone)
    _ask(client, people.member.phone)
    first, second = (_code_of(m) for m in _sms(db, people.member))
    live = [r for r in _codes(db, people.member) if r.spent_at is None]
    assert len(live) == 1
    if first != second:
        assert _reset(client, people.member.phone, first).status_code == 422
    assert _reset(client, people.member.phone, second).status_code == 204


def test_password_policy_errors_are_at_the_field_and_cost_no_try(people, client, db):
    _ask(client, people.member.phone)
    response = _reset(client, people.member.phone, "000000", "short")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "password" in error["fields"]
    assert [r.tries for r in _codes(db, people.member)] == [0]


def test_reset_unlocks_a_locked_account(people, client, db):
    people.member.locked_until = utcnow() + timedelta(minutes=15)
    _ask(client, people.member.phone)
    assert (
        _reset(client, people.member.phone, _code_of(_sms(db, people.member)[0])).status_code == 204
    )
    new = {"phone": people.member.phone, "password": NEW}
    assert client.post("/api/v1/auth/tokens", json=new).status_code == 201


# The coordinator's one-time code --------------------------------------------------------


def test_a_coordinator_gives_a_one_time_code_shown_once_and_audited(people, login, db, app):
    client = login(people.coordinator)
    response = client.post(f"/members/{people.member.id}/reset-code")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    code = re.search(r'data-test="reset-code">(\d{8})<', response.get_data(as_text=True))[1]
    [row] = _codes(db, people.member)
    assert row.kind == "coordinator" and row.issued_by_id == people.coordinator.id
    assert row.expires_at - row.created_at == timedelta(hours=24)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "password.reset_code")
    )
    assert entry.actor_id == people.coordinator.id and entry.target_id == people.member.id
    assert code not in str(entry.details)
    page = app.test_client()
    data = {"phone": people.member.phone, "code": code, "password": NEW, "confirm": NEW}
    assert page.post("/password/reset", data=data).headers["Location"] == "/login"
    assert page.post("/password/reset", data=data).status_code == 200  # used once


@pytest.mark.parametrize("who", ["neighbour", "staff", "far_coordinator"])
def test_only_a_coordinator_in_scope_gives_a_code(people, login, db, who):
    client = login(getattr(people, who))
    assert client.post(f"/members/{people.member.id}/reset-code").status_code == 403
    assert _codes(db, people.member) == []


def test_issue_reset_code_uses_the_permission_helper(people, db, monkeypatch):
    monkeypatch.setattr(reset, "can_manage_member", lambda actor, member: False)
    with pytest.raises(NotAllowed):
        reset.issue_reset_code(people.coordinator, people.member, now=utcnow())


def test_the_member_page_offers_the_code_to_coordinators_only(people, login):
    page = login(people.coordinator).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="issue-reset-code"' in page
    own = login(people.member).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="issue-reset-code"' not in own


# The pages ------------------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_reset(client, db):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in html


@pytest.mark.parametrize(
    ("lang", "title"), [("zh_CN", "忘记密码"), ("en", "Forgot your password?")]
)
def test_the_reset_pages_are_in_both_languages(client, db, lang, title):
    with client.session_transaction() as state:
        state["lang"] = lang
    assert title in client.get("/password/forgot").get_data(as_text=True)


def test_the_reset_pages_end_to_end(people, client, db):
    response = client.post("/password/forgot", data={"phone": f"+86 {people.member.phone}"})
    assert response.headers["Location"] == "/password/reset"
    page = client.get("/password/reset").get_data(as_text=True)
    assert f'value="+86 {people.member.phone}"' in page  # the phone is kept
    code = _code_of(_sms(db, people.member)[0])
    data = {"phone": people.member.phone, "code": "000001", "password": NEW, "confirm": NEW}
    if code == "000001":
        data["code"] = "000002"
    wrong = client.post("/password/reset", data=data)
    assert wrong.status_code == 200 and "is-invalid" in wrong.get_data(as_text=True)
    data["code"] = code
    assert client.post("/password/reset", data=data).headers["Location"] == "/login"
    signed_in = client.post("/login", data={"phone": people.member.phone, "password": NEW})
    assert signed_in.status_code == 302


def test_the_forgot_page_says_the_same_for_unknown_phones(client, db):
    response = client.post("/password/forgot", data={"phone": "13999999999"}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResetCode)) == 0


def test_the_reset_page_shows_policy_errors_at_the_field(people, client, db):
    data = {"phone": people.member.phone, "code": "123456", "password": "short", "confirm": "short"}
    response = client.post("/password/reset", data=data)
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


def test_reset_password_service_checks_the_password_first(people, db):
    with pytest.raises(ValidationFailed) as caught:
        reset.reset_password(people.member.phone, "nope", "weak", now=utcnow())
    assert caught.value.fields.keys() == {"password"}


# Limits ---------------------------------------------------------------------------------


def test_asking_for_codes_is_limited_by_phone_in_any_spelling(people, client, rate_limits):
    phone = people.member.phone
    for n, spelling in enumerate([phone, f"+86{phone}", f"0086 {phone}", phone, phone]):
        response = client.post(
            "/api/v1/auth/reset-codes",
            json={"phone": spelling},
            environ_base={"REMOTE_ADDR": f"10.9.0.{n}"},
        )
        assert response.status_code == 202
    response = client.post("/password/forgot", data={"phone": phone})
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_wrong_codes_are_limited_by_address(tree, client, rate_limits):
    for _ in range(20):
        phone = make_member(tree.community).phone
        assert _reset(client, phone, "123456").status_code == 422
    assert _reset(client, "13999999999", "123456").status_code == 429


def test_password_typos_on_the_reset_page_cost_nothing(people, client, rate_limits):
    for _ in range(25):
        assert _reset(client, people.member.phone, "123456", "short").status_code == 422
    assert _reset(client, people.member.phone, "123456").status_code == 422  # not 429
