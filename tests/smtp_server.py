"""A real SMTP server for the tests: aiosmtpd, in-process, on a free port.

The handler records every message as the server received it (envelope and raw
bytes) and can be told to answer with a given SMTP reply instead of accepting,
to act out a mailbox that does not exist (5xx) or a server that is busy (4xx).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    received_at: float


class RecordingHandler:
    """Accepts and records messages, or answers ``reply`` instead.

    ``delay`` slows every accepted message down, so concurrent clients overlap.
    ``wait_for_clients`` holds each message until that many different SMTP
    sessions have reached DATA (or ``wait_timeout`` passed): proof that that
    many clients were delivering at the same time.
    """

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.reply: str | None = None
        self.rcpt_reply: str | None = None
        self.delay = 0.0
        self.wait_for_clients = 0
        self.wait_timeout = 10.0
        self.sessions_at_data: set[int] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.sessions_at_data.add(id(session))
        deadline = time.monotonic() + self.wait_timeout
        while (
            len(self.sessions_at_data) < self.wait_for_clients
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    content=bytes(envelope.content),
                    received_at=time.monotonic(),
                )
            )
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


class SmtpServer:
    """An aiosmtpd ``Controller`` on 127.0.0.1 with a ``RecordingHandler``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port)

    @property
    def messages(self) -> list[Received]:
        return list(self.handler.messages)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def closed_port() -> socket.socket:
    """A socket bound to a port but not listening: connecting is refused.

    Keep it open while the port must stay dead; close it to free the port.
    """
    dead = socket.socket()
    dead.bind((HOST, 0))
    return dead
