"""Where a rendered alert goes: a real service (Slack, Teams, SMTP) or the local outbox directory.

The local outbox is the embedded default: with no Connection configured, each message is written as a
readable file (Slack/Teams JSON payloads, `.eml` for email) under `data/outbox/<channel>/`. Writing the
same file again is harmless, so local transports are idempotent; the SaaS ones are not (no idempotency
key), which is what the outbox's delivery-unknown rule is about.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from ..clients import SlackClient, SmtpClient, TeamsWorkflowClient

__all__ = [
    "Transport",
    "OutboundMessage",
    "LocalTransport",
    "SlackTransport",
    "TeamsTransport",
    "EmailTransport",
]


@dataclass(frozen=True)
class OutboundMessage:
    message_id: str
    channel: str  # email | slack | teams
    recipient: str
    body: Any  # dict for slack/teams, EmailMessage for email


class Transport(Protocol):
    name: str
    idempotent: bool

    def send(self, msg: OutboundMessage) -> str: ...


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class LocalTransport:
    """Files in the outbox directory; the returned id is the file's path relative to that directory."""

    name = "local"
    idempotent = True

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = Path(outbox_dir)

    def send(self, msg: OutboundMessage) -> str:
        if isinstance(msg.body, EmailMessage):
            rel = Path(msg.channel) / f"{msg.message_id}.eml"
            data = bytes(msg.body)
        else:
            rel = Path(msg.channel) / f"{msg.message_id}.json"
            data = json.dumps(
                {"recipient": msg.recipient, "payload": msg.body}, indent=1, ensure_ascii=False
            ).encode()
        _atomic_write(self.outbox_dir / rel, data)
        return f"file:{rel.as_posix()}"


class SlackTransport:
    idempotent = False

    def __init__(self, client: SlackClient) -> None:
        self.client = client
        self.name = f"slack_{client.mode}"

    def send(self, msg: OutboundMessage) -> str:
        body = dict(msg.body)
        channel = body.pop("channel", None) or msg.recipient
        return self.client.post_message(channel, body["text"], body.get("blocks"))


class TeamsTransport:
    """One Workflows URL by default; `routes` maps an owner channel (e.g. "#finance-ops") to its own URL."""

    name = "teams_workflow"
    idempotent = False

    def __init__(self, client: TeamsWorkflowClient, routes: dict[str, str] | None = None) -> None:
        self.client = client
        self.routes = dict(routes or {})

    def send(self, msg: OutboundMessage) -> str:
        return self.client.post_card(msg.body, url=self.routes.get(msg.recipient))


class EmailTransport:
    name = "smtp"
    idempotent = False

    def __init__(self, client: SmtpClient) -> None:
        self.client = client

    def send(self, msg: OutboundMessage) -> str:
        return self.client.send(msg.body)
