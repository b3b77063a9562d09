"""Slack: incoming webhooks (`POST /services/T…/B…/…` → `200 ok` text) and `POST /api/chat.postMessage`
(Bearer xoxb token; errors as HTTP 200 `{"ok": false, "error": …}`), per API_BRIEF §8."""

from __future__ import annotations

import itertools
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import FakeServer, json_response

BLOCK_TYPES = {"section", "context", "divider", "header", "actions", "image", "rich_text", "input", "file"}


def block_errors(blocks: Any) -> list[str]:
    """Block Kit limits that Slack enforces: ≤ 50 blocks, known types, section text ≤ 3000, header ≤ 150."""
    errs: list[str] = []
    if not isinstance(blocks, list) or len(blocks) > 50:
        return ["blocks must be a list of at most 50 blocks"]
    for i, b in enumerate(blocks):
        if not isinstance(b, dict) or b.get("type") not in BLOCK_TYPES:
            errs.append(f"block {i}: unknown type")
            continue
        text = b.get("text")
        if b["type"] == "section":
            if not (
                isinstance(text, dict) and text.get("type") in ("mrkdwn", "plain_text") and text.get("text")
            ) and not b.get("fields"):
                errs.append(f"block {i}: section needs text or fields")
            elif isinstance(text, dict) and len(text.get("text", "")) > 3000:
                errs.append(f"block {i}: section text over 3000 characters")
            for f in b.get("fields") or []:
                if len(f.get("text", "")) > 2000:
                    errs.append(f"block {i}: field over 2000 characters")
        if b["type"] == "header" and (
            not isinstance(text, dict) or text.get("type") != "plain_text" or len(text.get("text", "")) > 150
        ):
            errs.append(f"block {i}: header needs plain_text up to 150 characters")
        if b["type"] == "context" and not b.get("elements"):
            errs.append(f"block {i}: context needs elements")
    return errs


class SlackFake(FakeServer):
    WEBHOOK_PATH = "/services/T000TEST/B000TEST/XXXXXXXXXXXXXXXXXXXXXXXX"

    def __init__(self, token: str = "xoxb-test-token", channels: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.token = token
        self.channels = set(channels)  # empty: any "#name" or C… id exists
        self.messages: list[dict[str, Any]] = []
        self._ts = itertools.count(1)
        self.route("POST", r"/services/(?P<t>[^/]+)/(?P<b>[^/]+)/(?P<x>[^/]+)", self.webhook)
        self.route("POST", r"/api/chat\.postMessage", self.post_message)

    @property
    def webhook_url(self) -> str:
        return self.url + self.WEBHOOK_PATH

    def webhook(self, req: Request, t: str, b: str, x: str) -> Response:
        if req.path != self.WEBHOOK_PATH:
            return Response("no_service", status=404, content_type="text/plain")
        try:
            body = json.loads(req.get_data(as_text=True))
        except ValueError:
            return Response("invalid_payload", status=400, content_type="text/plain")
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return Response("no_text", status=400, content_type="text/plain")
        if "blocks" in body and block_errors(body["blocks"]):
            return Response("invalid_blocks", status=400, content_type="text/plain")
        self.messages.append({"via": "webhook", "channel": None, **body})
        return Response("ok", status=200, content_type="text/plain")

    def post_message(self, req: Request) -> Response:
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return json_response({"ok": False, "error": "not_authed"})
        if auth != f"Bearer {self.token}":
            return json_response({"ok": False, "error": "invalid_auth"})
        if "application/json" in (req.content_type or ""):
            body = req.get_json(silent=True) or {}
        else:
            body = req.form.to_dict()
        channel = body.get("channel")
        if not channel:
            return json_response({"ok": False, "error": "channel_not_found"})
        if self.channels and channel not in self.channels:
            return json_response({"ok": False, "error": "channel_not_found"})
        if not self.channels and not (channel.startswith("#") or channel.startswith("C")):
            return json_response({"ok": False, "error": "channel_not_found"})
        if not body.get("text") and not body.get("blocks"):
            return json_response({"ok": False, "error": "no_text"})
        if "blocks" in body and block_errors(body["blocks"]):
            return json_response(
                {"ok": False, "error": "invalid_blocks", "errors": block_errors(body["blocks"])}
            )
        ts = f"1503435956.{next(self._ts):06d}"
        self.messages.append({"via": "api", "ts": ts, **body})
        return json_response(
            {"ok": True, "channel": channel, "ts": ts, "message": {"text": body.get("text"), "ts": ts}}
        )
