import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tests import factories
from tests.notifications.conftest import APPROVED, NOTE, NOTE_SMS, URGENT_SMS, note
from timebank.core.notices import Notice
from timebank.notifications import rendering, services
from timebank.notifications.channels import EmailChannel
from timebank.notifications.jobs import JOBS, deliver_outbox_job
from timebank.notifications.models import OutboxMessage

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _member_with_email(community, address, **kw):
    member = factories.make_member(community, **kw)
    member.email = address
    return member


def test_email_arrives_through_a_real_smtp_server_with_chinese_intact(
    tree, db, smtp_server, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tb.nansha.example.cn")
    member = _member_with_email(tree.community, "wang@example.cn", name="王小明")
    about_shift = Notice(
        "test_about_shift",
        _l("%(name)s is approved."),
        "%(body)s",
        subject="shift",
        endpoint="shifts.detail",
        subject_arg="shift_id",
    )
    monkeypatch.setitem(rendering.NOTICES, about_shift.kind, about_shift)
    services.notify(
        member,
        about_shift,
        subject_id=12,
        params={
            "name": "王小明",
            "body": "黄阁卡口 12月2日 08:00–12:00 的班次已取消。\n原因：暴雨预警。",
        },
        now=NOW,
    )

    assert deliver_outbox_job(now=NOW) == 1

    [received] = smtp_server.to("wang@example.cn")
    assert received["Subject"] == "【南沙时间银行】已审核通过王小明。"
    assert received["From"] == "timebank@nansha.example.cn"
    assert received.get_content_charset() == "utf-8"
    text = received.get_content()
    assert text.startswith("王小明，您好：")
    assert "黄阁卡口 12月2日 08:00–12:00 的班次已取消。\n原因：暴雨预警。" in text
    assert "https://tb.nansha.example.cn/shifts/12" in text
    [message] = _messages(db)
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)
    assert message.last_error is None
    assert deliver_outbox_job(now=NOW + timedelta(hours=1)) == 0  # never sent twice


def test_english_member_gets_english_mail(tree, db, smtp_server):
    member = _member_with_email(tree.community, "li@example.cn", name="Li Lei", locale="en")
    services.notify(member, APPROVED, params={"name": "Li Lei"}, now=NOW)
    deliver_outbox_job(now=NOW)
    [received] = smtp_server.messages
    assert received["Subject"] == "[Nansha Time Bank] Li Lei is approved."
    assert received.get_content().replace("\r\n", "\n").startswith("Hello Li Lei,\n\n")


def test_smtp_down_retries_with_exponential_backoff_then_fails(tree, db, smtp_down, caplog):
    member = _member_with_email(tree.community, "wang@example.cn")
    note(member, "标题", "正文", now=NOW)
    caplog.set_level(logging.INFO, logger="timebank.notifications")

    at = NOW
    for attempt, minutes in enumerate([1, 2, 4, 8, 16], start=1):
        assert deliver_outbox_job(now=at) == 1
        [message] = _messages(db)
        assert (message.status, message.attempts) == ("pending", attempt)
        assert message.next_attempt_at == at + timedelta(minutes=minutes)
        assert "ConnectionRefusedError" in message.last_error
        assert deliver_outbox_job(now=message.next_attempt_at - timedelta(seconds=1)) == 0
        at = message.next_attempt_at

    assert deliver_outbox_job(now=at) == 1  # the sixth and last attempt
    [message] = _messages(db)
    assert (message.status, message.attempts, message.sent_at) == ("failed", 6, None)
    assert "ConnectionRefusedError" in message.last_error
    assert deliver_outbox_job(now=at + timedelta(days=1)) == 0
    text = caplog.text
    assert "attempt 1 failed" in text and "next attempt at" in text
    assert "failed for good after 6 attempts" in text
    assert "wang@example.cn" not in text and "w***@example.cn" in text  # addresses masked


def test_a_retry_succeeds_once_the_server_is_back(tree, db, smtp_server):
    member = _member_with_email(tree.community, "wang@example.cn")
    note(member, "标题", "正文", now=NOW)

    class Broken(EmailChannel):
        def send(self, message):
            raise OSError("network unreachable")

    assert deliver_outbox_job(now=NOW, channels={"email": Broken(host="x")}) == 1
    [message] = _messages(db)
    assert message.status == "pending" and message.last_error == "OSError: network unreachable"
    assert deliver_outbox_job(now=NOW + timedelta(minutes=1)) == 1
    [message] = _messages(db)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert len(smtp_server.messages) == 1


def test_a_password_is_never_sent_without_starttls(tree, db, smtp_server, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_USER", "timebank")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret")
    member = _member_with_email(tree.community, "wang@example.cn")
    note(member, now=NOW)
    deliver_outbox_job(now=NOW)
    [message] = _messages(db)
    assert message.status == "pending" and "STARTTLS" in message.last_error
    assert smtp_server.messages == []


def test_sms_default_gateway_only_logs(tree, db, app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    member = factories.make_member(tree.community, phone="13812345678")
    note(member, "紧急集合", "请到黄阁卡口报到", notice=URGENT_SMS, subject_id=3, now=NOW)
    caplog.set_level(logging.INFO, logger="timebank.notifications")

    assert deliver_outbox_job(now=NOW) == 1

    [record] = [r for r in caplog.records if r.name == "timebank.notifications.channels"]
    assert "138****5678" in record.getMessage()
    assert "【南沙时间银行】紧急集合：请到黄阁卡口报到" in record.getMessage()
    assert "13812345678" not in caplog.text
    [message] = _messages(db)
    assert (message.channel, message.status) == ("sms", "sent")


class RecordingGateway:
    sent: list = []

    def __init__(self, config):
        self.config = config

    def send_sms(self, phone, text, reference=None):
        RecordingGateway.sent.append((phone, text))


def test_sms_gateway_is_chosen_by_setting(tree, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY", f"{__name__}:RecordingGateway")
    monkeypatch.setattr(RecordingGateway, "sent", [])
    member = factories.make_member(tree.community, phone="13812345678")
    note(member, notice=NOTE_SMS, now=NOW)
    deliver_outbox_job(now=NOW)
    assert RecordingGateway.sent == [("13812345678", "【南沙时间银行】t：b")]


def test_a_broken_sms_gateway_setting_leaves_sms_waiting_and_mail_flowing(
    tree, db, app, monkeypatch, smtp_server, caplog
):
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "no.such.module:Gateway")
    member = _member_with_email(tree.community, "wang@example.cn")
    note(member, notice=NOTE_SMS, now=NOW)
    assert deliver_outbox_job(now=NOW) == 1
    by_channel = {m.channel: m for m in _messages(db)}
    assert by_channel["email"].status == "sent"
    assert (by_channel["sms"].status, by_channel["sms"].attempts) == ("pending", 0)
    assert "cannot load SMS_GATEWAY" in caplog.text


def test_the_job_is_registered_with_the_scheduler():
    from timebank.scheduler import all_jobs

    assert (deliver_outbox_job, 15) in JOBS
    assert deliver_outbox_job in [fn for fn, _seconds in all_jobs()]


@pytest.mark.concurrency
def test_two_schedulers_at_once_send_every_message_exactly_once(
    app, committed, smtp_server, caplog
):
    tree = factories.make_tree()
    members = [
        _member_with_email(tree.community, f"m{i}@example.cn", name=f"成员{i}") for i in range(40)
    ]
    services.notify_many(
        members, NOTE, params={"title": "班次取消", "body": "今天的班次取消了。"}, now=NOW
    )
    addresses = [m.email for m in members]
    committed.session.commit()
    committed.session.remove()

    caplog.set_level(logging.INFO, logger="timebank.notifications")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(deliver_outbox_job(now=NOW))
                committed.session.commit()
                committed.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors, errors
    assert sum(results) == 40
    assert "claimed by another scheduler" in caplog.text  # the two really raced
    for address in addresses:
        assert len(smtp_server.to(address)) == 1, address
    assert len(smtp_server.messages) == 40
    rows = committed.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts))
    assert {tuple(r) for r in rows} == {("sent", 1)}


def test_the_scheduler_wrapper_runs_the_job(app, tree, db, monkeypatch):
    from timebank.scheduler import run_job

    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    member = factories.make_member(tree.community)
    note(member, notice=NOTE_SMS)
    assert run_job(app, deliver_outbox_job, holder="test-holder") == 1
    [message] = _messages(db)
    assert message.status == "sent"
