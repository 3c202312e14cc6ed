"""Delivery channels for outbox messages: e-mail over SMTP, and SMS through a gateway.

A channel has `send(message)`, where `message` has `id`, `channel`, `recipient`, `subject`
and `body` (an `OutboxMessage`, or the `Delivery` snapshot the delivery job claims), and
`close()`. `send` raises on failure; the delivery job records the error and retries later.
Channels know nothing about the database.

The SMS gateway is chosen by the `SMS_GATEWAY` setting, an import path such as
`mypackage.sms:AliyunGateway`: a callable that takes the app config and returns an object
with `send_sms(phone, text)`. The default, `LoggingSmsGateway`, only writes the text to the
log (deployments without an SMS contract still see what would have been sent).
"""

import contextlib
import importlib
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from ..core.privacy import mask_phone

log = logging.getLogger(__name__)

#: Implicit TLS (SMTPS) is used on this port; elsewhere STARTTLS when the server offers it.
SMTPS_PORT = 465


class Channel(Protocol):
    name: str

    def send(self, message) -> None: ...

    def close(self) -> None: ...


class ChannelError(Exception):
    """A delivery failed in a way worth retrying (or a setting is missing)."""


def mask_address(address: str) -> str:
    """w***@example.com, for log lines."""
    local, at, domain = address.partition("@")
    if not at:
        return mask_phone(address)
    return f"{local[:1]}***@{domain}"


class EmailChannel:
    """E-mail over SMTP, one connection reused for the messages of one delivery run.

    STARTTLS is used when the server offers it (and required before a password is sent);
    port 465 speaks TLS from the start. Subject and body are UTF-8, so Chinese arrives intact.
    """

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        user: str = "",
        password: str = "",
        sender: str = "timebank@localhost",
        timeout: float = 10,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.timeout = sender, timeout
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "EmailChannel":
        return cls(
            host=config.get("SMTP_HOST", ""),
            port=int(config.get("SMTP_PORT", 25)),
            user=config.get("SMTP_USER", ""),
            password=config.get("SMTP_PASSWORD", ""),
            sender=config.get("SMTP_FROM", "timebank@localhost"),
            timeout=config.get("SMTP_TIMEOUT_S", 10),
        )

    def build(self, message) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2] or "localhost"
        email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
        email.set_content(message.body, charset="utf-8")
        return email

    def send(self, message) -> None:
        email = self.build(message)
        try:
            self._connection().send_message(email)
        except Exception:
            self._drop()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        if not self.host:
            raise ChannelError("SMTP_HOST is not set")
        if self.port == SMTPS_PORT:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if not isinstance(smtp, smtplib.SMTP_SSL) and self.user:
                if not smtp.has_extn("starttls"):
                    raise ChannelError(
                        "the mail server does not offer STARTTLS: "
                        "not sending the password in clear text"
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except Exception:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> None: ...


class LoggingSmsGateway:
    """The default gateway: writes the text to the log and sends nothing."""

    def __init__(self, config: Mapping | None = None):
        self.config = config

    def send_sms(self, phone: str, text: str) -> None:
        log.info("SMS to %s (logged, not sent): %s", mask_phone(phone), text)


def load_gateway(path: str, config: Mapping) -> SmsGateway:
    """The gateway named by an import path, "package.module:Factory" (or dotted)."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    factory = getattr(importlib.import_module(module_name), attr)
    return factory(config)


class SmsChannel:
    """SMS through the configured gateway; the recipient is a mobile number."""

    name = "sms"

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    @classmethod
    def from_config(cls, config: Mapping) -> "SmsChannel":
        return cls(load_gateway(config["SMS_GATEWAY"], config))

    def send(self, message) -> None:
        self.gateway.send_sms(message.recipient, message.body)

    def close(self) -> None:
        close = getattr(self.gateway, "close", None)
        if callable(close):
            close()
