"""Delivery channels: console (in-app), e-mail (SMTP) and group-robot webhooks (WeCom/DingTalk).

A channel gets a plain copy of the outbox row (OutgoingMessage), so delivery runs outside
any database transaction, and reports failure by raising DeliveryError.
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx

from gongzhi.config import Settings

log = logging.getLogger("gongzhi.notify")

# Group robots reject longer markdown: WeCom at 4096 bytes, DingTalk at 20000.
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 20000


class DeliveryError(Exception):
    """The channel could not deliver; the sender retries later with backoff."""


@dataclass(frozen=True)
class OutgoingMessage:
    """A detached copy of an outbox row: everything a channel needs, no session attached."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    topic: str
    ref: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


class Channel(Protocol):
    def send(self, msg: OutgoingMessage) -> None:
        """Deliver or raise DeliveryError."""


class ConsoleChannel:
    """The in-app/console channel: one structured log line per message."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.log = logger or log

    def send(self, msg: OutgoingMessage) -> None:
        self.log.info(
            "notify.console",
            extra={
                "outbox_id": msg.id, "recipient": msg.recipient, "topic": msg.topic, "ref": msg.ref,
                "subject": msg.subject, "body": msg.body,
            },
        )


class EmailChannel:
    """Plain-text UTF-8 mail through one SMTP server (a local relay in most deployments)."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def build(self, msg: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = msg.recipient
        mail["Subject"] = msg.subject  # RFC 2047-encoded as UTF-8 by the default policy
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=f"outbox{msg.id}",
                                        domain=self.sender.rpartition("@")[2] or None)
        mail.set_content(msg.body, charset="utf-8")
        return mail

    def send(self, msg: OutgoingMessage) -> None:
        try:
            mail = self.build(msg)
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(mail, from_addr=self.sender, to_addrs=[msg.recipient])
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            # ValueError: a header the e-mail package refuses (e.g. a line break in an address).
            raise DeliveryError(f"smtp {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc


def _clip_utf8(text: str, max_bytes: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


class WebhookChannel:
    """POSTs the group-robot JSON to the recipient URL.

    WeCom:    {"msgtype": "markdown", "markdown": {"content": "### subject\\n\\nbody"}}
    DingTalk: {"msgtype": "markdown", "markdown": {"title": subject, "text": "### subject\\n\\nbody"}}
    (chosen by the URL's host); "text" messages when msgtype="text" or the message payload says so.
    A non-2xx status, or a JSON reply with a non-zero "errcode", is a failure.
    """

    def __init__(
        self,
        timeout: float = 10.0,
        *,
        msgtype: Literal["markdown", "text"] = "markdown",
        client: httpx.Client | None = None,
    ) -> None:
        self.timeout = timeout
        self.msgtype = msgtype
        self.client = client

    def body_for(self, msg: OutgoingMessage) -> dict[str, Any]:
        msgtype = msg.payload.get("msgtype", self.msgtype)
        host = (urlsplit(msg.recipient).hostname or "").lower()
        dingtalk = host.endswith("dingtalk.com")
        limit = DINGTALK_MAX_BYTES if dingtalk else WECOM_MAX_BYTES
        if msgtype == "text":
            return {"msgtype": "text", "text": {"content": _clip_utf8(f"{msg.subject}\n{msg.body}", limit)}}
        content = _clip_utf8(f"### {msg.subject}\n\n{msg.body}", limit)
        if dingtalk:
            return {"msgtype": "markdown", "markdown": {"title": msg.subject, "text": content}}
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def send(self, msg: OutgoingMessage) -> None:
        body = self.body_for(msg)
        try:
            if self.client is not None:
                resp = self.client.post(msg.recipient, json=body, timeout=self.timeout)
            else:
                resp = httpx.post(msg.recipient, json=body, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if not resp.is_success:
            raise DeliveryError(f"webhook: HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            reply = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return  # a plain 2xx from a generic webhook is success
        if isinstance(reply, dict) and reply.get("errcode", 0) not in (0, "0"):
            raise DeliveryError(f"webhook: errcode {reply.get('errcode')}: {reply.get('errmsg', '')}")


def default_channels(settings: Settings) -> dict[str, Channel]:
    """The channels a worker delivers through, configured from settings."""
    return {
        "console": ConsoleChannel(),
        "email": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                              timeout=settings.smtp_timeout_seconds),
        "webhook": WebhookChannel(timeout=settings.webhook_timeout_seconds),
    }
