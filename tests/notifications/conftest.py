"""A real SMTP server on loopback (aiosmtpd) for the delivery tests."""

from __future__ import annotations

import email
import socket
from email.message import Message

import pytest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message).

    ``refuse`` maps a recipient address to the reply its RCPT gets (``"550 …"``,
    ``"451 …"``); :attr:`connections` counts the SMTP sessions (EHLO/HELO).
    """

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.received: list[tuple[list[str], Message]] = []
        self.refuse = refuse or {}
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """Count the session."""
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """Refuse the addresses of :attr:`refuse` with their reply; accept the others."""
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep every message."""
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        """Messages delivered to ``address``."""
        return [msg for rcpts, msg in self.received if address in rcpts]


class SmtpServer:
    """Start and stop an aiosmtpd server on a fixed loopback port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self._controller = None

    def start(self) -> None:
        """Listen on the port."""
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(app):
    """An SMTP server the app is configured to send through (not started yet)."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()


def text_part(msg: Message) -> str:
    """The decoded text/plain part of a message."""
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def html_part(msg: Message) -> str:
    """The decoded text/html part of a message."""
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def subject(msg: Message) -> str:
    """The decoded subject."""
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))
