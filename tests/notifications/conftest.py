"""A real SMTP server (aiosmtpd) on a free local port, and the mail settings pointing at it;
notices made for these tests, in the catalogue while they run, and `note` to send one."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from flask_babel import lazy_gettext as _l

from timebank.core.notices import Notice
from timebank.notifications import rendering, services


def free_port() -> int:
    """A local port nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailSink:
    """aiosmtpd handler keeping every message it accepts, parsed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list:
        with self.lock:
            return [m for _rcpt, m in self.received]

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A running SMTP server; SMTP_HOST/SMTP_PORT point at it for the test."""
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_USER", "")
    monkeypatch.setitem(app.config, "SMTP_FROM", "timebank@nansha.example.cn")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_S", 5)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """Mail is configured, but nothing answers on the port."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    monkeypatch.setitem(app.config, "SMTP_USER", "")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_S", 2)


@pytest.fixture
def mail_on(app, monkeypatch):
    """E-mail is configured (so it is queued); nothing is sent unless the job runs."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.invalid")


# Notices for the tests of the notifications domain itself ---------------------------------

NOTE = Notice("test_note", "%(title)s", "%(body)s")
NOTE_SMS = Notice("test_note_sms", "%(title)s", "%(body)s", sms=True)
URGENT = Notice("test_urgent", "%(title)s", "%(body)s", urgent=True)
URGENT_SMS = Notice(
    "test_urgent_sms",
    "%(title)s",
    "%(body)s",
    subject="callout",
    endpoint="mobilisation.detail",
    subject_arg="callout_id",
    urgent=True,
    sms=True,
)
#: A notice that opens a member's page (subject: the member).
ABOUT_MEMBER = Notice(
    "test_about_member",
    "%(title)s",
    "%(body)s",
    subject="member",
    endpoint="members.detail",
    subject_arg="member_id",
)
#: A notice that opens the signed-in member's own page (no subject).
TO_MY_PAGE = Notice("test_to_my_page", "%(title)s", "%(body)s", endpoint="members.me")
TO_INBOX = Notice("test_to_inbox", "%(title)s", "%(body)s", endpoint="notifications.list")
URGENT_TO_INBOX = Notice(
    "test_urgent_to_inbox", "%(title)s", "%(body)s", endpoint="notifications.list", urgent=True
)
#: Translated words, opening the member's own page.
APPROVED = Notice(
    "test_approved", _l("%(name)s is approved."), _l("Please sign in."), endpoint="members.me"
)
APPROVED_SMS = Notice(
    "test_approved_sms", _l("%(name)s is approved."), _l("Please sign in."), sms=True
)
TEST_NOTICES = [
    NOTE,
    NOTE_SMS,
    URGENT,
    URGENT_SMS,
    ABOUT_MEMBER,
    TO_MY_PAGE,
    TO_INBOX,
    URGENT_TO_INBOX,
    APPROVED,
    APPROVED_SMS,
]


@pytest.fixture(autouse=True)
def test_notices(monkeypatch):
    """The notices above are in the catalogue for the test (the app's own are too)."""
    for notice in TEST_NOTICES:
        monkeypatch.setitem(rendering.NOTICES, notice.kind, notice)


def note(member, title="t", body="b", *, notice=NOTE, subject_id=None, now=None, **params):
    """A notice whose title and body are the given texts."""
    return services.notify(
        member,
        notice,
        subject_id=subject_id,
        params={"title": title, "body": body, **params},
        now=now,
    )
