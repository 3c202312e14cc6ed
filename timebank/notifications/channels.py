"""Delivery channels for outbox messages: e-mail over SMTP, and SMS through a gateway.

A channel has `send(message)`, where `message` has `id`, `channel`, `recipient`, `subject`
and `body` (an `OutboxMessage`, or the `Delivery` snapshot the delivery job claims), and
`close()`. `send` raises on failure; the delivery job records the error and retries later.
Channels know nothing about the database.

The SMS gateway is chosen by the `SMS_GATEWAY` setting, an import path such as
`mypackage.sms:AliyunGateway`: a callable that takes the app config and returns an object
with `send_sms(phone, text)`. The default, `LoggingSmsGateway`, only writes the text to the
log (deployments without an SMS contract still see what would have been sent).

Two-way SMS (SPEC 9) adds the receiving side. A provider delivers the texts members send
(and its delivery reports) in its own format; the adapter turns each into the app's
shape and posts it, signed, to the app's webhook:

- `gateway.inbound(payload) -> InboundText` and `gateway.delivery_report(payload) ->
  DeliveryReport` read the provider's callback (the logging gateway takes the app's own
  JSON as it is, for development and tests);
- `webhook_request(secret, inbound)` builds the body and the `X-Signature` header to
  POST to `/api/v1/sms/inbound` (hex HMAC-SHA256 of the raw body, SMS_INBOUND_SECRET);
- the answer's `reply` is the text to send back to the sender (with `send_sms`, or as
  the provider's reply-to-message, which costs nothing on most Chinese gateways).

An adapter for, say, Aliyun SMS is a module with a factory named in SMS_GATEWAY whose
object has `send_sms(phone, text)`, `inbound(payload)` and `delivery_report(payload)`, and
a small receiver (a route or a cloud function) that calls the last two and posts on.
"""

import contextlib
import importlib
import json
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from ..core.privacy import mask_phone
from ..sms.signing import sign

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


@dataclass(frozen=True)
class InboundText:
    """A text someone sent, in the app's shape (the webhook's JSON)."""

    phone: str
    text: str
    #: ISO 8601 with a time zone, as the provider stamped it (or None).
    received_at: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """What the provider says became of one sent text (`message_id`: the outbox id)."""

    message_id: int
    status: str  # "delivered" or "failed"
    error: str | None = None


class SmsGateway(Protocol):
    #: `reference` is the outbox message's id: the provider hands it back in its
    #: delivery report (Aliyun's OutId, Tencent's SessionContext).
    def send_sms(self, phone: str, text: str, reference: str | None = None) -> None: ...

    def inbound(self, payload: Mapping) -> InboundText: ...

    def delivery_report(self, payload: Mapping) -> DeliveryReport: ...


def webhook_request(secret: str, inbound: InboundText) -> tuple[bytes, dict[str, str]]:
    """The body and headers to POST to /api/v1/sms/inbound for one received text."""
    body = json.dumps(
        {"from": inbound.phone, "text": inbound.text, "received_at": inbound.received_at},
        ensure_ascii=False,
    ).encode("utf-8")
    return body, {"Content-Type": "application/json", "X-Signature": sign(secret, body)}


class LoggingSmsGateway:
    """The default gateway: writes the text to the log and sends nothing; it reads
    callbacks already in the app's shape (development, tests, a simulator)."""

    def __init__(self, config: Mapping | None = None):
        self.config = config

    def send_sms(self, phone: str, text: str, reference: str | None = None) -> None:
        log.info("SMS %s to %s (logged, not sent): %s", reference, mask_phone(phone), text)

    def inbound(self, payload: Mapping) -> InboundText:
        return InboundText(str(payload["from"]), str(payload["text"]), payload.get("received_at"))

    def delivery_report(self, payload: Mapping) -> DeliveryReport:
        return DeliveryReport(
            int(payload["message_id"]), str(payload["status"]), payload.get("error")
        )


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
        self.gateway.send_sms(message.recipient, message.body, reference=str(message.id))

    def close(self) -> None:
        close = getattr(self.gateway, "close", None)
        if callable(close):
            close()
