"""CRMs: Salesforce REST (API_BRIEF §15) and HubSpot CRM v3 (§16a).

- Salesforce: `PATCH /sobjects/Opportunity/{id}` (204) for dates and stage; tasks are upserted by an External
  ID field (`PATCH /sobjects/Task/{field}/{value}`: 201 created, 200/204 updated), so a retry updates the
  task it created instead of adding one. Errors are a JSON array `[{"message", "errorCode"}]`.
- HubSpot: `PATCH /crm/v3/objects/deals/{id}`; tasks carry our key in a unique-value property and are
  looked up with `GET /crm/v3/objects/tasks/{key}?idProperty=<property>` before `POST /crm/v3/objects/tasks`
  (a create that races past the lookup gets 409 on the unique property, and is looked up again).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .http import HttpClient, PermanentError

__all__ = ["SalesforceClient", "HubSpotClient"]


class SalesforceClient:
    """`instance_url` = https://<mydomain>.my.salesforce.com; OAuth 2.0 bearer token."""

    def __init__(self, instance_url: str, token: str, *, api_version: str = "v62.0", http: HttpClient | None = None,
                 **http_kw: Any) -> None:  # fmt: skip
        self.base_url = f"{instance_url.rstrip('/')}/services/data/{api_version}"
        self.http = http or HttpClient(self.base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def update_opportunity(self, opportunity_id: str, fields: dict[str, Any]) -> None:
        self.http.patch(
            f"sobjects/Opportunity/{quote(opportunity_id)}", json=fields, idempotent=True, ok=(204,)
        )

    def upsert_task(self, external_field: str, key: str, fields: dict[str, Any]) -> tuple[str, bool]:
        """(task id, created?) — idempotent: the same key always lands on the same Task."""
        path = f"sobjects/Task/{quote(external_field)}/{quote(key, safe='')}"
        resp = self.http.patch(path, json=fields, idempotent=True, ok=(200, 201, 204))
        if resp.status_code == 204 or not resp.content:  # older API versions: updated, no body
            return str(self.http.get(path).json()["Id"]), False
        body = resp.json()
        return str(body["id"]), resp.status_code == 201


class HubSpotClient:
    def __init__(self, token: str, *, base_url: str = "https://api.hubapi.com", http: HttpClient | None = None,
                 **http_kw: Any) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpClient(self.base_url, headers={"Authorization": f"Bearer {token}"}, **http_kw)

    def update_deal(self, deal_id: str, properties: dict[str, Any]) -> None:
        self.http.patch(
            f"crm/v3/objects/deals/{quote(deal_id)}", json={"properties": properties}, idempotent=True
        )

    def find_task(self, key_property: str, key: str) -> dict[str, Any] | None:
        try:
            resp = self.http.get(f"crm/v3/objects/tasks/{quote(key, safe='')}",
                                 params={"idProperty": key_property, "properties": key_property})  # fmt: skip
        except PermanentError as exc:
            if exc.status == 404:
                return None
            raise
        return resp.json()

    def create_task(self, properties: dict[str, Any], associations: list[dict[str, Any]], key_property: str
                    ) -> tuple[dict[str, Any], bool]:  # fmt: skip
        """(task, created?) — a 409 on our unique key property means it exists already: return that one."""
        resp = self.http.post("crm/v3/objects/tasks", json={"properties": properties, "associations": associations},
                              ok=(201, 409))  # fmt: skip
        if resp.status_code == 201:
            return resp.json(), True
        found = self.find_task(key_property, str(properties[key_property]))
        if found is None:
            raise PermanentError(f"POST crm/v3/objects/tasks: HTTP 409: {resp.text[:300]}", status=409)
        return found, False

    def update_task(self, task_id: str, properties: dict[str, Any]) -> None:
        self.http.patch(
            f"crm/v3/objects/tasks/{quote(task_id)}", json={"properties": properties}, idempotent=True
        )
