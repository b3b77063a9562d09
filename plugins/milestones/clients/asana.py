"""Asana REST (https://app.asana.com/api/1.0): tasks with an external id, offset pagination.

Every body and response is wrapped in {"data": …}. A task created with `external.gid` can be fetched as
`GET /tasks/external:<gid>`, which is the lookup that keeps re-runs from creating a second task.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from .http import HttpClient, PermanentError

__all__ = ["AsanaClient"]

TASK_FIELDS = ("name", "completed", "completed_at", "due_on", "assignee.email", "external", "permalink_url")


class AsanaClient:
    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://app.asana.com/api/1.0",
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        self.http = http or HttpClient(base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def get_task(self, gid: str, fields: Sequence[str] = TASK_FIELDS) -> dict[str, Any] | None:
        try:
            resp = self.http.get(f"tasks/{quote(gid, safe=':')}", params={"opt_fields": ",".join(fields)})
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise
        return resp.json()["data"]

    def find_by_external(self, external_gid: str) -> dict[str, Any] | None:
        return self.get_task(f"external:{external_gid}")

    def create_task(self, data: dict[str, Any]) -> dict[str, Any]:
        return self.http.post(
            "tasks", json={"data": data}, params={"opt_fields": ",".join(TASK_FIELDS)}, ok=(201,)
        ).json()["data"]

    def update_task(self, gid: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.http.put(f"tasks/{gid}", json={"data": data}).json()["data"]

    def project_tasks(
        self, project_gid: str, fields: Sequence[str] = TASK_FIELDS, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"project": project_gid, "opt_fields": ",".join(fields), "limit": page_size}
        while True:
            data = self.http.get("tasks", params=params).json()
            yield from data.get("data") or []
            nxt = data.get("next_page")
            if not nxt or not nxt.get("offset"):
                return
            params = {**params, "offset": nxt["offset"]}
