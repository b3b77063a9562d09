"""Jira Cloud REST v3: issues with ADF descriptions, label lookup, transitions, status search.

Search uses `POST /rest/api/3/search/jql` (the old `/search` is gone: 410) and follows `nextPageToken`.
Jira has no idempotency key on create, so callers look an issue up by our label before creating it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .http import HttpClient

__all__ = ["JiraClient", "adf_doc", "STATUS_CATEGORY"]

# statusCategory.key → our pm_tasks.status
STATUS_CATEGORY = {
    "new": "not_started",
    "indeterminate": "in_progress",
    "done": "done",
    "undefined": "not_started",
}


def adf_doc(paragraphs: Sequence[str | Sequence[tuple[str, str | None]]]) -> dict[str, Any]:
    """Atlassian Document Format: one paragraph per item; an item is text or [(text, link or None), …]."""
    content = []
    for para in paragraphs:
        parts: list[tuple[str, str | None]] = [(para, None)] if isinstance(para, str) else list(para)
        nodes = []
        for text, link in parts:
            if not text:
                continue
            node: dict[str, Any] = {"type": "text", "text": text}
            if link:
                node["marks"] = [{"type": "link", "attrs": {"href": link}}]
            nodes.append(node)
        content.append({"type": "paragraph", "content": nodes} if nodes else {"type": "paragraph"})
    return {"type": "doc", "version": 1, "content": content}


class JiraClient:
    def __init__(
        self,
        base_url: str,
        *,
        email: str | None = None,
        api_token: str | None = None,
        bearer: str | None = None,
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        if bearer:
            headers, auth = {"Authorization": f"Bearer {bearer}"}, None
        elif email and api_token:
            headers, auth = {}, (email, api_token)
        else:
            raise ValueError("JiraClient needs email + api_token (Basic) or a bearer token")
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpClient(self.base_url, auth=auth, headers=headers, **http_kw)
        self._accounts: dict[str, str | None] = {}

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    def search(self, jql: str, fields: Sequence[str], page_size: int = 100) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
            if token:
                body["nextPageToken"] = token
            data = self.http.post("rest/api/3/search/jql", json=body, idempotent=True).json()
            yield from data.get("issues") or []
            token = data.get("nextPageToken")
            if not token or data.get("isLast") is True:
                return

    def find_by_label(self, label: str, project: str | None = None) -> dict[str, Any] | None:
        jql = f'labels = "{label}"' + (f' AND project = "{project}"' if project else "")
        for issue in self.search(jql, ["summary", "status", "duedate", "labels", "assignee"], page_size=10):
            return issue
        return None

    def create_issue(
        self, fields: dict[str, Any], properties: Sequence[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"fields": fields}
        if properties:
            body["properties"] = list(properties)
        return self.http.post("rest/api/3/issue", json=body, ok=(201,)).json()

    def update_issue(self, key: str, fields: dict[str, Any]) -> None:
        self.http.put(f"rest/api/3/issue/{key}", json={"fields": fields}, ok=(204, 200))

    def get_issue(
        self, key: str, fields: Sequence[str] = ("status", "duedate", "resolutiondate")
    ) -> dict[str, Any]:
        return self.http.get(f"rest/api/3/issue/{key}", params={"fields": ",".join(fields)}).json()

    def transitions(self, key: str) -> list[dict[str, Any]]:
        return self.http.get(f"rest/api/3/issue/{key}/transitions").json().get("transitions") or []

    def transition(self, key: str, transition_id: str) -> None:
        # a repeated transition to the same state fails harmlessly on the vendor side, so retrying is safe
        self.http.post(
            f"rest/api/3/issue/{key}/transitions",
            json={"transition": {"id": transition_id}},
            idempotent=True,
            ok=(204, 200),
        )

    def close(
        self, key: str, preferred: Sequence[str] = ("Cancel", "Cancelled", "Won't Do", "Done", "Close")
    ) -> str | None:
        """Move the issue to a done-category status, preferring the named transitions; returns the name used."""
        options = [
            t
            for t in self.transitions(key)
            if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"
        ]
        if not options:
            return None
        by_name = {str(t.get("name", "")).lower(): t for t in options}
        chosen = next((by_name[p.lower()] for p in preferred if p.lower() in by_name), options[0])
        self.transition(key, str(chosen["id"]))
        return str(chosen.get("name"))

    def account_id(self, email: str | None) -> str | None:
        """The accountId of the user with this email (None when there is no such user, e.g. a team mailbox)."""
        if not email:
            return None
        if email not in self._accounts:
            users = self.http.get("rest/api/3/user/search", params={"query": email}).json()
            match = [u for u in users if str(u.get("emailAddress", "")).lower() == email.lower()] or users[:1]
            self._accounts[email] = str(match[0]["accountId"]) if match else None
        return self._accounts[email]
