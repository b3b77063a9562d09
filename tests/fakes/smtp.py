"""A local SMTP server (aiosmtpd) that keeps every accepted message, with injectable temporary/permanent
rejections and a slow reply after DATA (the message is accepted but the client times out)."""

from __future__ import annotations

import asyncio
import email
import socket
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.reject: list[str] = []  # replies to give instead of 250, e.g. "451 4.3.0 try later"
        self.slow_after_accept: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject:
            return self.reject.pop(0)
        msg = email.message_from_bytes(envelope.content)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": msg})
        if self.slow_after_accept:
            await asyncio.sleep(self.slow_after_accept.pop(0))
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpFake:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpFake:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[Message]:
        return [m["message"] for m in self.handler.messages]

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return self.handler.messages
