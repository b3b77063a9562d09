"""Microsoft Teams through a Workflows (Power Automate) webhook: an Adaptive Card wrapped in a message.

The retired Office 365 connector URLs (`*.webhook.office.com/webhookb2/...`) are refused up front with a
message saying what to use instead. Workflows answer 202 Accepted; any 2xx counts as accepted.
"""

from __future__ import annotations

from typing import Any

from .http import HttpClient, PermanentError

__all__ = ["TeamsWorkflowClient", "adaptive_card_message"]

RETIRED_CONNECTOR_HOSTS = ("webhook.office.com", "outlook.office.com/webhook")


def adaptive_card_message(card: dict[str, Any]) -> dict[str, Any]:
    """The envelope a Workflows "When a Teams webhook request is received" trigger expects."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


class TeamsWorkflowClient:
    def __init__(self, url: str, *, http: HttpClient | None = None, **http_kw: Any) -> None:
        if any(h in url for h in RETIRED_CONNECTOR_HOSTS):
            raise PermanentError(
                "this is a retired Office 365 connector URL; create a Teams Workflow "
                "('Post to a channel when a webhook request is received') and use its URL"
            )
        self.url = url
        self.http = http or HttpClient(**http_kw)

    def post_card(self, card: dict[str, Any], url: str | None = None) -> str:
        """Post one card; returns the workflow run id when the service reports one."""
        resp = self.http.post(url or self.url, json=adaptive_card_message(card))
        return resp.headers.get("x-ms-workflow-run-id", "") or f"http-{resp.status_code}"
