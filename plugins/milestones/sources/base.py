"""What every contract source gives the pipeline: items with a version, pages in version order, documents.

A CLM source lists executed contracts changed since a watermark, oldest change first, so a pull can checkpoint
after every document it lands (see sync.py); it downloads a document's signed copy and writes extracted dates
back. Versions are the source's update times normalised to one UTC ISO form, so string order is time order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from extractors.errors import MilestonesError

__all__ = ["SourceItem", "Page", "Document", "Source", "normalize_version", "version_minus", "safe_id", "EXTENSIONS"]

EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
}


def normalize_version(value: str | None) -> str | None:
    """"2018-05-08T17:28:10Z", "2015-05-03T17:59:35.41Z", "…-07:00" → "2018-05-08T17:28:10.000000Z" (UTC)."""
    if not value:
        return None
    raw = str(value).strip().replace("Z", "+00:00")
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$", raw)
    if m:  # fromisoformat wants 3 or 6 fraction digits
        frac = (m.group(2) or "0")[:6].ljust(6, "0")
        raw = f"{m.group(1)}.{frac}{m.group(3)}"
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MilestonesError(f"unreadable update time {value!r} from the source") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def version_minus(version: str, seconds: float) -> str:
    when = dt.datetime.strptime(version, "%Y-%m-%dT%H:%M:%S.%fZ") - dt.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def safe_id(value: str) -> str:
    """A source's id as a contract id / file stem: letters, digits, dot, dash, underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.") or "unnamed"


@dataclass(frozen=True)
class SourceItem:
    source: str  # ironclad | docusign_clm
    item_id: str  # the id the source's API takes
    version: str  # normalize_version(update time)
    external_ref: str | None = None  # what people see: Ironclad ID "IC-123", the CLM document Href
    name: str | None = None
    filename: str | None = None
    download_ref: str | None = None  # URL of the signed copy; None = the record has no document yet
    parent_ref: str | None = None  # the parent record as the source links it (item_id or external_ref)
    scope: str | None = None  # the listing the item came from (a CLM folder); watermarks are per scope
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def contract_id(self) -> str:
        return f"{self.source}-{safe_id(self.external_ref if self.source == 'ironclad' and self.external_ref else self.item_id)}"


@dataclass(frozen=True)
class Page:
    number: int  # 0-based, in the order the source returned them
    items: tuple[SourceItem, ...]
    last: bool


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str | None
    content_type: str | None

    def extension(self) -> str:
        """The staged file's extension: from the content type, else the source's file name, else .pdf."""
        ctype = (self.content_type or "").split(";")[0].strip().lower()
        if ctype in EXTENSIONS:
            return EXTENSIONS[ctype]
        m = re.search(r"\.(pdf|docx|txt)$", self.filename or "", re.I)
        return f".{m.group(1).lower()}" if m else ".pdf"


class Source(Protocol):
    name: str

    def scopes(self) -> Sequence[str | None]:
        """The listings a pull walks, each with its own watermark (None = the whole source)."""
        ...

    def changed_since(self, scope: str | None, since: str | None) -> Iterator[Page]:
        """Pages of items changed at or after ``since`` (all when None), oldest change first."""
        ...

    def all_items(self, scope: str | None, start_page: int = 0) -> Iterator[Page]:
        """Every item, page by page from ``start_page`` (a backlog pass)."""
        ...

    def get_items(self, ids: Sequence[str]) -> list[SourceItem]:
        """The current version of specific items (a webhook names one)."""
        ...

    def download(self, item: SourceItem) -> Document: ...

    def write_back(self, item: SourceItem, fields: Mapping[str, Any]) -> None:
        """Store extracted values on the source record; a None value clears the field."""
        ...
