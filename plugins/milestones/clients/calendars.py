"""Optional calendar pushes: Google Calendar (events with our own id) and Microsoft Graph (transactionId).

Both are idempotent by our key: Google takes a client-chosen event id (base32hex), so a repeated insert
answers 409 and we update instead; Graph dedupes creates that carry the same `transactionId`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any
from urllib.parse import quote

from .http import HttpClient, PermanentError

__all__ = [
    "GoogleCalendarClient",
    "GraphCalendarClient",
    "google_event_id",
    "graph_transaction_id",
    "graph_token",
]


def google_event_id(uid: str) -> str:
    """A valid Google event id (base32hex: a-v, 0-9; 5-1024 chars) derived from our stable UID."""
    digest = hashlib.sha1(uid.encode()).digest()
    return base64.b32hexencode(digest).decode().rstrip("=").lower()


def graph_transaction_id(uid: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"contract-milestones:{uid}"))


class GoogleCalendarClient:
    def __init__(
        self,
        token: str,
        *,
        calendar_id: str = "primary",
        base_url: str = "https://www.googleapis.com/calendar/v3",
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        self.calendar_id = calendar_id
        self.http = http or HttpClient(base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def _events(self) -> str:
        return f"calendars/{quote(self.calendar_id, safe='')}/events"

    def upsert(self, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Insert with our id; when the id exists already (409: a retry or re-run), update it instead."""
        try:
            return self.http.post(self._events(), json={"id": event_id, **body}, params={"sendUpdates": "none"},
                                  idempotent=True).json()  # fmt: skip
        except PermanentError as exc:
            if exc.status != 409:
                raise
        return self.http.put(f"{self._events()}/{event_id}", json={"id": event_id, **body},
                             params={"sendUpdates": "none"}).json()  # fmt: skip

    def cancel(self, event_id: str) -> None:
        try:
            self.http.delete(f"{self._events()}/{event_id}", params={"sendUpdates": "none"})
        except PermanentError as exc:
            if exc.status not in (404, 410):  # already gone
                raise


class GraphCalendarClient:
    def __init__(
        self,
        token: str,
        *,
        user: str | None = None,
        base_url: str = "https://graph.microsoft.com/v1.0",
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        self.prefix = f"users/{quote(user, safe='@')}" if user else "me"
        self.http = http or HttpClient(base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def create(self, transaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        # transactionId makes the create idempotent on the service side, so a retry is safe
        return self.http.post(f"{self.prefix}/events", json={**body, "transactionId": transaction_id},
                              idempotent=True, ok=(201, 200)).json()  # fmt: skip

    def update(self, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.http.patch(f"{self.prefix}/events/{event_id}", json=body, idempotent=True).json()

    def delete(self, event_id: str) -> None:
        try:
            self.http.delete(f"{self.prefix}/events/{event_id}", ok=(204, 200))
        except PermanentError as exc:
            if exc.status != 404:
                raise


def graph_token(token_url: str, client_id: str, client_secret: str, scope: str = "https://graph.microsoft.com/.default",
                http: HttpClient | None = None) -> str:  # fmt: skip
    """Client-credentials token from Entra ID (`https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`)."""
    http = http or HttpClient()
    data = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": scope,
    }
    resp = http.post(token_url, data=data, idempotent=True)
    return str(resp.json()["access_token"])


def all_day_window(day: dt.date) -> tuple[str, str]:
    return day.isoformat(), (day + dt.timedelta(days=1)).isoformat()
