"""ServiceNow Table API: `GET /api/now/table/{table}` with an encoded query, following the `Link: rel="next"`
header (falling back to sysparm_offset arithmetic when a proxy strips it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .http import HttpClient

__all__ = ["ServiceNowClient"]


class ServiceNowClient:
    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        bearer: str | None = None,
        http: HttpClient | None = None,
        **http_kw: Any,
    ) -> None:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        auth = (username, password or "") if username and not bearer else None
        self.http = http or HttpClient(base_url, auth=auth, headers=headers, **http_kw)

    def rows(
        self, table: str, query: str = "", fields: Sequence[str] = (), page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] | None = {
            "sysparm_query": query,
            "sysparm_fields": ",".join(fields),
            "sysparm_limit": page_size,
            "sysparm_offset": 0,
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
        }
        url = f"api/now/table/{table}"
        offset = 0
        while True:
            resp = self.http.get(url, params=params)
            result = resp.json().get("result") or []
            yield from result
            nxt = resp.links.get("next", {}).get("url")
            if nxt:
                url, params = nxt, None
                continue
            if len(result) < page_size or "Link" in resp.headers:
                return
            offset += page_size
            params = dict(params or {}, sysparm_offset=offset)
