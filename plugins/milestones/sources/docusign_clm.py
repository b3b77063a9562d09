"""DocuSign CLM (v2 REST, formerly SpringCM) folders as a contract source. Polling only: CLM v2 has no
webhook resource we could find (API_BRIEF §2), so a contract arrives on the next scheduled pull.

API: ``GET /v2/{accountId}/folders/{id}/documents?offset=&limit=&sortproperty=UpdatedDate&sortdirection=asc``
→ ``{"Items":[Document],"Href","Offset","Limit","Total","First","Last","Next"?}`` (limit ≤ 100; ``Next`` only
when there is a next page — we follow the API's hrefs rather than build URLs). A document's bytes are at its
``DownloadDocumentHref`` (another host); attributes are updated with ``PATCH {Href}`` and an
``AttributeGroups`` body. Auth: DocuSign OAuth JWT grant (service integration) or a token minted elsewhere.
429 carries ``X-RateLimit-Reset`` (a date) and ``Error.ErrorCode`` 103.

The folder listing has no "updated since" filter, so an incremental pull walks the folder's pages and only
downloads documents updated at or after the folder's watermark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from extractors.errors import MilestonesError

from .base import Document, Page, SourceItem, normalize_version
from .http import ApiClient, JwtBearerGrant, RetryPolicy, SourceError, StaticToken

__all__ = ["DocuSignCLMConfig", "DocuSignCLMSource", "DEFAULT_ATTRIBUTES"]

# register field → CLM attribute name in the configured attribute group
DEFAULT_ATTRIBUTES: Mapping[str, str] = {
    "expiration_date": "Expiration Date",
    "next_renewal_notice_deadline": "Renewal Notice Deadline",
    "next_deadline": "Next Milestone Date",
    "next_deadline_name": "Next Milestone",
    "open_milestones": "Open Milestones",
    "milestones_summary": "Milestones",
}
_TYPES = {"expiration_date": "Date", "next_renewal_notice_deadline": "Date", "next_deadline": "Date",
          "next_deadline_name": "String", "open_milestones": "Number", "milestones_summary": "String"}  # fmt: skip


@dataclass(frozen=True)
class DocuSignCLMConfig:
    base_url: str  # https://apina11.springcm.com/v2/<account id>
    folder_ids: tuple[str, ...]
    integration_key: str = ""
    user_id: str = ""
    private_key_pem: str = ""
    access_token: str = ""
    token_url: str = "https://account-d.docusign.com/oauth/token"  # production: account.docusign.com
    page_size: int = 100
    attribute_group: str = "Contract Milestones"
    attributes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ATTRIBUTES))
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")) or "/v2/" not in self.base_url + "/":
            raise MilestonesError(f"DocuSign CLM base_url {self.base_url!r} must look like "
                                  "https://apina11.springcm.com/v2/<account id>")  # fmt: skip
        if not self.folder_ids:
            raise MilestonesError("DocuSign CLM needs the folder(s) of executed contracts: extra folder_ids "
                                  "(comma-separated folder GUIDs)")  # fmt: skip
        if not (self.access_token or (self.integration_key and self.user_id and self.private_key_pem)):
            raise MilestonesError("DocuSign CLM needs a JWT grant (login = integration key, password = RSA private "
                                  "key PEM, extra user_id) or extra access_token")  # fmt: skip
        if not 1 <= self.page_size <= 100:
            raise MilestonesError(f"DocuSign CLM page_size {self.page_size} must be between 1 and 100")
        unknown = set(self.attributes) - set(_TYPES)
        if unknown:
            raise MilestonesError(f"unknown write-back fields {sorted(unknown)}; known: {sorted(_TYPES)}")


def _clm_date(value: Any) -> str:
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return d.strftime("%Y%m%d") + "000000"


class DocuSignCLMSource:
    name = "docusign_clm"

    def __init__(
        self, config: DocuSignCLMConfig, *, sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:  # fmt: skip
        self.config = config
        if config.access_token:
            auth: StaticToken | JwtBearerGrant = StaticToken(config.access_token)
        else:
            auth = JwtBearerGrant(config.token_url, integration_key=config.integration_key, user_id=config.user_id,
                                  private_key_pem=config.private_key_pem, audience=urlsplit(config.token_url).netloc)  # fmt: skip
            if clock is not None:
                auth.clock = clock
        kw: dict[str, Any] = {}
        if sleep is not None:
            kw["sleep"] = sleep
        if clock is not None:
            kw["clock"] = clock
        self.api = ApiClient(config.base_url, auth, config.policy, name="docusign_clm",
                             connection_hint="the Airflow connection 'docusign_clm' (AIRFLOW_CONN_DOCUSIGN_CLM)", **kw)  # fmt: skip

    def scopes(self) -> Sequence[str | None]:
        return list(self.config.folder_ids)

    def _item(self, doc: Mapping[str, Any], folder: str | None) -> SourceItem:
        href = doc.get("Href") or ""
        return SourceItem(
            source=self.name,
            item_id=href.rstrip("/").rsplit("/", 1)[-1],
            version=normalize_version(doc.get("UpdatedDate") or doc.get("CreatedDate")) or "",
            external_ref=href,
            name=doc.get("Name"),
            filename=doc.get("Name"),
            download_ref=doc.get("DownloadDocumentHref"),
            scope=folder,
        )

    def _pages(self, folder: str, start_page: int) -> Iterator[Page]:
        url: str | None = f"folders/{folder}/documents"
        params: dict[str, Any] | None = {"offset": start_page * self.config.page_size, "limit": self.config.page_size,
                                         "sortproperty": "UpdatedDate", "sortdirection": "asc"}  # fmt: skip
        number = start_page
        while url:
            body = self.api.json("GET", url, params=params)
            items = tuple(self._item(d, folder) for d in body.get("Items") or [])
            url = body.get("Next")
            params = None  # the Next href carries offset and limit
            yield Page(number, items, not url)
            number += 1

    def changed_since(self, scope: str | None, since: str | None) -> Iterator[Page]:
        for page in self._pages(str(scope), 0):
            keep = tuple(i for i in page.items if since is None or i.version >= since)
            yield Page(page.number, keep, page.last)

    def all_items(self, scope: str | None, start_page: int = 0) -> Iterator[Page]:
        yield from self._pages(str(scope), start_page)

    def get_items(self, ids: Sequence[str]) -> list[SourceItem]:
        return [self._item(self.api.json("GET", f"documents/{i}"), None) for i in ids]

    def download(self, item: SourceItem) -> Document:
        if not item.download_ref:
            raise SourceError(f"DocuSign CLM document {item.item_id} has no DownloadDocumentHref")
        resp = self.api.request("GET", item.download_ref, headers={"Accept": "*/*"}, ok=(200,))
        return Document(resp.content, item.filename, resp.headers.get("Content-Type"))

    def write_back(self, item: SourceItem, fields: Mapping[str, Any]) -> None:
        group: dict[str, Any] = {}
        for key, attr in self.config.attributes.items():
            if key not in fields:
                continue
            value = fields[key]
            kind = _TYPES[key]
            if value is None or value == "":
                shown = ""  # clears the attribute (UNSURE: CLM may expect the attribute to be omitted)
            elif kind == "Date":
                shown = _clm_date(value)
            else:
                shown = str(value)
            group[attr] = {"AttributeType": kind, "RepeatingAttribute": False, "Value": shown}
        href = item.external_ref or f"documents/{item.item_id}"
        self.api.request("PATCH", href, json_body={"AttributeGroups": {self.config.attribute_group: group}}, ok=(200,))
