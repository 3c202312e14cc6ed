from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import has_app_context, has_request_context
from flask_babel import lazy_gettext as _l

from tests.factories import make_member
from tests.notifications.conftest import (
    APPROVED,
    APPROVED_SMS,
    NOTE,
    NOTE_SMS,
    URGENT,
    URGENT_SMS,
    note,
)
from timebank.core.errors import NotFound
from timebank.core.notices import Notice
from timebank.notifications import outbox, queries, services
from timebank.notifications.models import Notification, OutboxMessage
from timebank.sms.models import SmsOptOut

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _approved(name="王小明"):
    return {"name": name}


def _outbox(db, member=None, channel=None):
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if member is not None:
        q = q.join(Notification).where(Notification.member_id == member.id)
    if channel:
        q = q.where(OutboxMessage.channel == channel)
    return list(db.session.scalars(q))


def test_notify_renders_in_each_members_own_language(tree, db):
    zh = make_member(tree.community, locale="zh_CN")
    en = make_member(tree.community, locale="en")
    n_zh = services.notify(zh, APPROVED, params=_approved(), now=NOW)
    n_en = services.notify(en, APPROVED, params=_approved(), now=NOW)

    assert (n_zh.title, n_zh.body) == ("已审核通过王小明。", "请先登录。")
    assert (n_en.title, n_en.body) == ("王小明 is approved.", "Please sign in.")
    assert n_zh.member_id == zh.id and n_zh.kind == "test_approved"
    assert n_zh.params == {"name": "王小明"} and n_zh.subject_type is None
    assert n_zh.created_at == NOW and n_zh.read_at is None and not n_zh.is_urgent


def test_notify_works_in_an_app_context_without_a_request(tree, db):
    assert has_app_context() and not has_request_context()  # as in a scheduler job
    member = make_member(tree.community, locale="en")
    notification = services.notify(member, APPROVED, params=_approved())
    assert notification.id is not None and notification.title == "王小明 is approved."


def test_plain_strings_are_accepted_too(tree, db):
    member = make_member(tree.community)
    notification = note(member, "  标题 ", "正文")
    assert (notification.title, notification.body) == ("标题", "正文")


def test_email_is_queued_in_the_members_language_when_they_have_an_address(
    tree, db, mail_on, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tb.example.cn")
    zh = make_member(tree.community, name="王小明")
    zh.email = "wang@example.cn"
    en = make_member(tree.community, name="Li Lei", locale="en")
    en.email = "li@example.cn"
    services.notify_many([zh, en], APPROVED, params=_approved(), now=NOW)

    [mail_zh] = _outbox(db, zh)
    assert mail_zh.channel == "email" and mail_zh.recipient == "wang@example.cn"
    assert mail_zh.subject == "【南沙时间银行】已审核通过王小明。"
    assert mail_zh.body.startswith("王小明，您好：")
    assert "https://tb.example.cn/members/me" in mail_zh.body
    assert mail_zh.status == "pending" and mail_zh.attempts == 0
    assert mail_zh.next_attempt_at == NOW
    [mail_en] = _outbox(db, en)
    assert mail_en.subject == "[Nansha Time Bank] 王小明 is approved."
    assert mail_en.body.startswith("Hello Li Lei,")


def test_no_email_is_queued_without_an_address_or_without_smtp(tree, db, app, monkeypatch):
    without = make_member(tree.community)
    with_address = make_member(tree.community)
    with_address.email = "a@example.cn"
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    services.notify_many([without, with_address], NOTE, params={"title": "t", "body": "b"}, now=NOW)
    assert _outbox(db) == []  # SMTP_HOST empty: e-mail is not queued at all
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.invalid")
    services.notify_many([without, with_address], NOTE, params={"title": "t", "body": "b"}, now=NOW)
    assert [m.recipient for m in _outbox(db)] == ["a@example.cn"]


def test_sms_is_queued_only_when_asked(tree, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tb.example.cn")
    member = make_member(tree.community)
    note(member, "通知", "无短信", now=NOW)
    assert _outbox(db) == []
    note(member, "紧急集合", "请到 黄阁卡口\n报到", notice=URGENT_SMS, subject_id=3, now=NOW)
    [sms] = _outbox(db)
    assert sms.channel == "sms" and sms.recipient == member.phone
    assert (
        sms.body == "【南沙时间银行】紧急集合：请到 黄阁卡口 报到 https://tb.example.cn/callouts/3"
    )
    assert len(sms.body) <= services.SMS_MAX


def test_long_texts_are_clipped_to_the_columns(tree, db):
    member = make_member(tree.community)
    notification = note(member, "长" * 300, "体" * 5000, notice=NOTE_SMS)
    assert len(notification.title) == 200 and notification.title.endswith("…")
    assert len(notification.body) == 5000
    [sms] = _outbox(db)
    assert len(sms.body) <= services.SMS_MAX and len(sms.subject) <= 200


def test_a_notice_must_be_in_the_catalogue(tree, db):
    member = make_member(tree.community)
    stray = Notice("test_stray", "%(title)s", "%(body)s")
    with pytest.raises(ValueError, match="catalogue"):
        services.notify(member, stray, params={"title": "t", "body": "b"})
    twin = Notice(NOTE.kind, "%(title)s", "%(body)s")  # same kind, other words
    with pytest.raises(ValueError, match="catalogue"):
        services.notify(member, twin, params={"title": "t", "body": "b"})


def test_a_subject_id_is_given_exactly_when_the_notice_has_a_subject(tree, db):
    member = make_member(tree.community)
    with pytest.raises(ValueError, match="subject"):
        note(member, notice=URGENT_SMS)  # about a call-out, but which?
    with pytest.raises(ValueError, match="subject"):
        note(member, subject_id=3)  # NOTE is about nothing


def test_a_missing_param_is_a_bug_said_at_once(tree, db):
    member = make_member(tree.community)
    with pytest.raises(KeyError):
        services.notify(member, NOTE, params={"title": "t"})


def _statements_of_notify_many(db, members, notice, **kwargs):
    """Notify `members`; returns (the ids, the SQL statements sent meanwhile)."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        result = services.notify_many(members, notice, now=NOW, **kwargs)
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)
    return result, statements


def test_notify_many_renders_once_per_language_and_inserts_set_based(tree, db, mail_on):
    members = [
        make_member(tree.community, locale="en" if i % 3 == 0 else "zh_CN") for i in range(300)
    ]
    for i, m in enumerate(members):
        m.email = f"m{i}@example.cn" if i % 2 == 0 else None
    db.session.flush()
    result, statements = _statements_of_notify_many(
        db, members + members[:5], APPROVED_SMS, params=_approved()
    )
    rows = [db.session.get(Notification, i) for i in result]
    assert [n.member_id for n in rows] == [m.id for m in members]  # duplicates dropped
    # One INSERT of inbox rows (the texts of each language sent once), one of outbox
    # messages (who texted TD is looked at inside it, SPEC 9), and nothing else.
    assert len(statements) == 2, statements
    assert all("INSERT INTO" in s.upper() for s in statements), statements
    assert "sms_opt_outs" in statements[-1]
    assert {n.title for n in rows} == {"已审核通过王小明。", "王小明 is approved."}
    assert {(n.kind, n.params["name"], n.is_urgent) for n in rows} == {
        ("test_approved_sms", "王小明", False)
    }
    outbox = _outbox(db)
    assert len([m for m in outbox if m.channel == "email"]) == 150
    assert len([m for m in outbox if m.channel == "sms"]) == 300
    assert {m.recipient for m in outbox if m.channel == "sms"} == {m.phone for m in members}


@pytest.mark.parametrize("urgent", [False, True])
def test_notify_many_sends_the_same_statements_for_any_number_of_members(tree, db, urgent):
    notice, params = (URGENT_SMS, {"subject_id": 3}) if urgent else (NOTE_SMS, {})
    counts = []
    for n in (3, 400):
        members = [make_member(tree.community, locale=("en", "zh_CN")[i % 2]) for i in range(n)]
        db.session.flush()
        _, statements = _statements_of_notify_many(
            db, members, notice, params={"title": "t", "body": "b"}, **params
        )
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2


def test_notify_each_tells_many_subjects_in_two_inserts(tree, db):
    """A scheduler's batch: each subject its own params and readers, one INSERT of inbox
    rows and one of outbox messages for all of them, a member told once per subject."""
    zh, en = make_member(tree.community), make_member(tree.community, locale="en")
    counts = []
    for n in (2, 60):
        tells = [
            services.Tell(s, [zh, en, zh] if s % 2 else [en], {"title": f"t{s}", "body": "b"})
            for s in range(1000 * n, 1000 * n + n)
        ]
        statements = []

        def count(conn, cursor, statement, *args, statements=statements):
            statements.append(statement)

        connection = db.session.connection()
        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            ids = services.notify_each(URGENT_SMS, tells, now=NOW)
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)
        counts.append(len(statements))
        assert len(ids) == sum(2 if s % 2 else 1 for s in range(n))
        for (member_id, subject_id), notification_id in ids.items():
            row = db.session.get(Notification, notification_id)
            assert (row.member_id, row.subject_id) == (member_id, subject_id)
            assert row.params["title"] == f"t{subject_id}"
            assert row.title == f"t{subject_id}" and row.kind == URGENT_SMS.kind
    assert counts == [2, 2]
    assert len(_outbox(db, channel="sms")) == 1 + 2 * 1 + 30 + 2 * 30


def test_notify_many_texts_no_one_who_stopped_texts_unless_urgent(tree, db):
    stopped, other = make_member(tree.community), make_member(tree.community)
    db.session.add(SmsOptOut(phone=stopped.phone, opted_out_at=NOW))
    db.session.flush()
    words = {"title": "t", "body": "b"}
    services.notify_many([stopped, other], NOTE_SMS, params=words, now=NOW)
    assert [m.recipient for m in _outbox(db, channel="sms")] == [other.phone]
    assert len(db.session.scalars(sa.select(Notification)).all()) == 2  # the inbox: both
    services.notify_many([stopped, other], URGENT_SMS, subject_id=3, params=words, now=NOW)
    assert sorted(m.recipient for m in _outbox(db, channel="sms")) == sorted(
        [other.phone, stopped.phone, other.phone]
    )


def test_notify_many_with_nobody_does_nothing(db):
    assert services.notify_many([], NOTE, params={"title": "t", "body": "b"}) == []


# The inbox --------------------------------------------------------------------------------


def test_mark_read_only_for_the_owner_and_keeps_the_first_time(people, db):
    mine = note(people.member, now=NOW)
    with pytest.raises(NotFound):
        services.mark_read(people.neighbour, mine, now=NOW)
    with pytest.raises(NotFound):
        services.mark_read(people.coordinator, mine, now=NOW)  # not even a coordinator
    assert mine.read_at is None
    services.mark_read(people.member, mine, now=NOW + timedelta(minutes=1))
    services.mark_read(people.member, mine, now=NOW + timedelta(minutes=5))
    assert mine.read_at == NOW + timedelta(minutes=1)


def test_mark_all_read_touches_only_the_actors_unread(people, db):
    for _ in range(3):
        note(people.member, now=NOW)
    theirs = note(people.neighbour, now=NOW)
    assert queries.count_unread(people.member) == 3
    assert services.mark_all_read(people.member, now=NOW) == 3
    assert services.mark_all_read(people.member, now=NOW) == 0
    db.session.expire_all()
    assert queries.count_unread(people.member) == 0
    assert db.session.get(Notification, theirs.id).read_at is None
    assert queries.count_unread(people.neighbour) == 1


def test_inbox_is_newest_first_with_paging_and_unread_filter(people, db):
    made = [note(people.member, f"n{i}", now=NOW + timedelta(minutes=i)) for i in range(5)]
    note(people.neighbour, "not mine", now=NOW)
    services.mark_read(people.member, made[4], now=NOW)

    items, total = queries.list_notifications(people.member, page=1, per_page=2)
    assert total == 5 and [n.title for n in items] == ["n4", "n3"]
    items, _ = queries.list_notifications(people.member, page=3, per_page=2)
    assert [n.title for n in items] == ["n0"]
    items, total = queries.list_notifications(people.member, unread_only=True)
    assert total == 4 and [n.title for n in items] == ["n3", "n2", "n1", "n0"]
    assert queries.count_unread(people.member) == 4


def test_urgent_unread_are_listed_for_the_banner(people, db):
    note(people.member, "plain", now=NOW)
    old = note(people.member, "old", notice=URGENT, now=NOW)
    note(people.member, "new", notice=URGENT, now=NOW + timedelta(minutes=1))
    assert [n.title for n in queries.list_urgent_unread(people.member)] == ["new", "old"]
    services.mark_read(people.member, old, now=NOW)
    assert [n.title for n in queries.list_urgent_unread(people.member)] == ["new"]
    assert queries.list_urgent_unread(people.neighbour) == []


def test_get_notification_unknown_is_not_found(db):
    with pytest.raises(NotFound):
        queries.get_notification(999999)


# The outbox claim -------------------------------------------------------------------------


def test_a_message_is_claimed_once_and_only_when_due(tree, db):
    member = make_member(tree.community)
    note(member, notice=NOTE_SMS, now=NOW)
    [message] = _outbox(db)
    assert outbox.claim_message(message.id, now=NOW - timedelta(seconds=1)) is None
    delivery = outbox.claim_message(message.id, now=NOW)
    assert delivery is not None and delivery.attempts == 1 and delivery.recipient == member.phone
    assert outbox.claim_message(message.id, now=NOW) is None  # claimed: not due any more
    assert outbox.claim_message(message.id, now=NOW + outbox.CLAIM_HOLD) is not None


def test_retry_delay_doubles():
    base = timedelta(minutes=1)
    assert [outbox.retry_delay(n, base) for n in range(1, 6)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16)
    ]


def test_notify_inside_a_request_leaves_the_requests_language_alone(app, tree, db):
    member = make_member(tree.community, locale="zh_CN")
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        assert str(_l("Please sign in.")) == "Please sign in."
        notification = services.notify(member, APPROVED, params=_approved())
        assert notification.title == "已审核通过王小明。"
        assert str(_l("Please sign in.")) == "Please sign in."
