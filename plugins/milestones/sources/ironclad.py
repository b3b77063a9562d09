"""Ironclad (CLM) records as a contract source: list, download the signed copy, write milestones back.

API (shared/reference/API_BRIEF.md §1): ``GET /records?page=&pageSize=&lastUpdated=&sortField=lastUpdated&
sortDirection=ASC`` → ``{"page","pageSize","count","list":[RecordModel]}`` (page 0-based, pageSize ≤ 100);
``GET /records/{id}``; the signed copy at ``attachments.signedCopy.href``; ``PATCH /records/{id}`` with
``{"addProperties": {id: {"type","value"}}, "removeProperties": [id]}``. OAuth2 client credentials at
``https://{env}.ironcladapp.com/oauth/token``; client-credential tokens act as a user named in
``x-as-user-email``. ``lastUpdated`` is "updated since": we ask from one second before the watermark, so a
record updated in the same second as the last one landed is not missed (it is skipped if already staged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from extractors.errors import MilestonesError

from .base import Document, Page, SourceItem, normalize_version, version_minus
from .http import ApiClient, ClientCredentials, RetryPolicy, SourceError, StaticToken

__all__ = ["IroncladConfig", "IroncladSource", "DEFAULT_SCOPES", "DEFAULT_PROPERTIES"]

DEFAULT_SCOPES = "public.records.readRecords public.records.readAttachments public.records.updateRecords"
# register field → Ironclad record property id (custom properties created in Ironclad's record settings)
DEFAULT_PROPERTIES: Mapping[str, str] = {
    "expiration_date": "milestonesExpirationDate",
    "next_renewal_notice_deadline": "milestonesRenewalNoticeDeadline",
    "next_deadline": "milestonesNextDeadline",
    "next_deadline_name": "milestonesNextDeadlineName",
    "open_milestones": "milestonesOpenCount",
    "milestones_summary": "milestonesSummary",
}
_TYPES = {"expiration_date": "date", "next_renewal_notice_deadline": "date", "next_deadline": "date",
          "next_deadline_name": "string", "open_milestones": "number", "milestones_summary": "string"}  # fmt: skip


@dataclass(frozen=True)
class IroncladConfig:
    base_url: str  # https://na1.ironcladapp.com/public/api/v1
    client_id: str = ""
    client_secret: str = ""
    access_token: str = ""  # a legacy API token instead of client credentials
    token_url: str = ""  # default: https://<host>/oauth/token
    scope: str = DEFAULT_SCOPES
    as_user_email: str = ""  # required by client-credential tokens on record endpoints
    record_types: tuple[str, ...] = ()
    filter: str = ""  # Ironclad filter expression, e.g. Equals([counterpartyName], 'Acme')
    page_size: int = 100
    attachment_key: str = "signedCopy"
    properties: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PROPERTIES))
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise MilestonesError(f"Ironclad base_url {self.base_url!r} must be a URL such as "
                                  "https://na1.ironcladapp.com/public/api/v1")  # fmt: skip
        if not (self.access_token or (self.client_id and self.client_secret)):
            raise MilestonesError("Ironclad needs client credentials (connection login = client id, password = client "
                                  "secret) or an access token (extra access_token)")  # fmt: skip
        if not 1 <= self.page_size <= 100:
            raise MilestonesError(f"Ironclad page_size {self.page_size} must be between 1 and 100")
        if self.client_id and not self.access_token and not self.as_user_email:
            raise MilestonesError("Ironclad client-credential tokens act as a user: set extra as_user_email "
                                  "(the service user's e-mail)")  # fmt: skip
        unknown = set(self.properties) - set(_TYPES)
        if unknown:
            raise MilestonesError(f"unknown write-back fields {sorted(unknown)}; known: {sorted(_TYPES)}")

    @property
    def resolved_token_url(self) -> str:
        if self.token_url:
            return self.token_url
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/oauth/token"


def _date_value(value: Any) -> str:
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{d.isoformat()}T00:00:00.000Z"


class IroncladSource:
    name = "ironclad"

    def __init__(
        self, config: IroncladConfig, *, sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:  # fmt: skip
        self.config = config
        auth = (StaticToken(config.access_token) if config.access_token else
                ClientCredentials(config.resolved_token_url, client_id=config.client_id,
                                  client_secret=config.client_secret, scope=config.scope))  # fmt: skip
        if clock is not None and isinstance(auth, ClientCredentials):
            auth.clock = clock
        headers = {"x-as-user-email": config.as_user_email} if config.as_user_email else {}
        kw: dict[str, Any] = {}
        if sleep is not None:
            kw["sleep"] = sleep
        if clock is not None:
            kw["clock"] = clock
        self.api = ApiClient(config.base_url, auth, config.policy, name="ironclad", headers=headers,
                             connection_hint="the Airflow connection 'ironclad' (AIRFLOW_CONN_IRONCLAD)", **kw)  # fmt: skip

    # listing -------------------------------------------------------------------------------------------
    def scopes(self) -> Sequence[str | None]:
        return [None]

    def _item(self, rec: Mapping[str, Any]) -> SourceItem:
        att = (rec.get("attachments") or {}).get(self.config.attachment_key) or {}
        parent = rec.get("parent") or {}
        return SourceItem(
            source=self.name,
            item_id=str(rec["id"]),
            version=normalize_version(rec.get("lastUpdated")) or "",
            external_ref=rec.get("ironcladId"),
            name=rec.get("name"),
            filename=att.get("filename"),
            download_ref=att.get("href"),
            parent_ref=parent.get("recordId") if isinstance(parent, dict) else None,
            metadata={"type": rec.get("type"), "contract_status": (rec.get("contractStatus") or {}).get("status")},
        )

    def _pages(self, params: dict[str, Any], start_page: int) -> Iterator[Page]:
        page = start_page
        while True:
            body = self.api.json("GET", "records", params={**params, "page": page, "pageSize": self.config.page_size})
            records = body.get("list") or []
            count = int(body.get("count") or 0)
            last = not records or (page + 1) * self.config.page_size >= count
            yield Page(page, tuple(self._item(r) for r in records), last)
            if last:
                return
            page += 1

    def _base_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"sortField": "lastUpdated", "sortDirection": "ASC"}
        if self.config.record_types:
            params["types"] = ",".join(self.config.record_types)
        if self.config.filter:
            params["filter"] = self.config.filter
        return params

    def changed_since(self, scope: str | None, since: str | None) -> Iterator[Page]:
        params = self._base_params()
        if since:
            params["lastUpdated"] = version_minus(since, 1.0)[:23] + "Z"  # 2018-03-10T00:00:00.000Z
        yield from self._pages(params, 0)

    def all_items(self, scope: str | None, start_page: int = 0) -> Iterator[Page]:
        yield from self._pages(self._base_params(), start_page)

    def get_items(self, ids: Sequence[str]) -> list[SourceItem]:
        return [self._item(self.api.json("GET", f"records/{i}")) for i in ids]

    def records_of_workflow(self, workflow_id: str) -> list[str]:
        """Record ids a completed workflow produced (a workflow_completed webhook names only the workflow).
        The field name ``recordIds`` follows the brief's note (UNSURE); none found → []."""
        body = self.api.json("GET", f"workflows/{workflow_id}") or {}
        ids = body.get("recordIds") or body.get("records") or []
        return [str(i.get("id") if isinstance(i, dict) else i) for i in ids]

    # documents -----------------------------------------------------------------------------------------
    def download(self, item: SourceItem) -> Document:
        if not item.download_ref:
            raise SourceError(f"Ironclad record {item.external_ref or item.item_id} has no "
                              f"{self.config.attachment_key} attachment yet")  # fmt: skip
        resp = self.api.request("GET", item.download_ref, headers={"Accept": "*/*"}, ok=(200,))
        return Document(resp.content, item.filename, resp.headers.get("Content-Type"))

    def write_back(self, item: SourceItem, fields: Mapping[str, Any]) -> None:
        add: dict[str, Any] = {}
        remove: list[str] = []
        for key, prop in self.config.properties.items():
            if key not in fields:
                continue
            value = fields[key]
            if value is None or value == "":
                remove.append(prop)
            elif _TYPES[key] == "date":
                add[prop] = {"type": "date", "value": _date_value(value)}
            elif _TYPES[key] == "number":
                add[prop] = {"type": "number", "value": value}
            else:
                add[prop] = {"type": "string", "value": str(value)}
        body: dict[str, Any] = {"addProperties": add}
        if remove:
            body["removeProperties"] = remove
        try:
            self.api.request("PATCH", f"records/{item.item_id}", json_body=body, ok=(200,))
        except SourceError as exc:
            if exc.status == 400 and "propert" in (exc.body or "").lower():
                raise SourceError(f"{exc}; create the record properties {sorted(self.config.properties.values())} in "
                                  "Ironclad (text/date/number) or map other ids in the connection extra "
                                  "'writeback_properties'", status=400) from exc  # fmt: skip
            raise
