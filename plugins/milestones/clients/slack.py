"""Slack: incoming webhooks (channel fixed by the URL) or chat.postMessage with a bot token.

Errors follow Slack's documented shapes: webhooks answer `200 ok` or an HTTP error with a text code;
the Web API answers HTTP 200 with `{"ok": false, "error": "..."}` for most failures and 429 + Retry-After
when rate limited.
"""

from __future__ import annotations

from typing import Any

from .http import HttpClient, PermanentError, RateLimited, RetryableError

__all__ = ["SlackClient", "SLACK_RETRYABLE_ERRORS"]

# Web API error codes that mean "try again later" rather than "this request is wrong".
SLACK_RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackClient:
    """Post one message; returns Slack's message timestamp (`ts`) or "webhook" for incoming webhooks."""

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        token: str | None = None,
        base_url: str = "https://slack.com/api",
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        if bool(webhook_url) == bool(token):
            raise ValueError("SlackClient needs exactly one of webhook_url or token")
        self.webhook_url = webhook_url
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = http or HttpClient(base_url, headers=headers, **http_kw)

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "api"

    def post_message(self, channel: str | None, text: str, blocks: list[dict] | None = None) -> str:
        body: dict[str, Any] = {"text": text}
        if blocks:
            body["blocks"] = blocks
        if self.webhook_url:
            resp = self.http.post(self.webhook_url, json=body, headers={"Content-Type": "application/json"})
            return "webhook"
        if not channel:
            raise PermanentError(
                "chat.postMessage needs a channel: set owner_channel in dbt/seeds/owner_map.csv"
            )
        body["channel"] = channel
        resp = self.http.post(
            "chat.postMessage", json=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        data = resp.json()
        if data.get("ok"):
            return str(data.get("ts") or "")
        error = str(data.get("error") or "unknown_error")
        if error == "ratelimited":
            raise RateLimited(f"chat.postMessage: {error}", retry_after=1.0)
        if error in SLACK_RETRYABLE_ERRORS:
            raise RetryableError(f"chat.postMessage: {error}")
        raise PermanentError(f"chat.postMessage to {channel}: {error}")
