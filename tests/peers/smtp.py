"""A real SMTP server (aiosmtpd) that keeps what it accepts; optionally slow, to kill a sender mid-way."""

from __future__ import annotations

import asyncio
import email
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: list[str]
    message: email.message.Message


@dataclass
class SMTPSink:
    received: list[Received] = field(default_factory=list)
    rcpt_delay: float = 0.0  # seconds to wait before answering RCPT TO (the sender is then mid-delivery)
    refuse: set[str] = field(default_factory=set)  # addresses answered with 550
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                Received(list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
            )
        return "250 Message accepted"

    def messages_to(self, address: str) -> list[email.message.Message]:
        with self.lock:
            return [r.message for r in self.received if address in r.to]


def start_smtp_sink(port: int) -> tuple[SMTPSink, Controller]:
    sink = SMTPSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller
