"""A real SMTP server (aiosmtpd) on a free local port, and the mail settings pointing at it."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


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
