"""A directory as a source: the default inbox is read in place by the nightly plan, but a drop folder that
others write to (a mounted share, an SFTP landing directory) can be pulled like a CLM — files copied into the
staging inbox once complete, with the file's modification time as its version and watermark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from extractors.errors import MilestonesError

from .base import Document, Page, SourceItem, safe_id

__all__ = ["FolderSource"]

_SUFFIXES = (".pdf", ".docx", ".txt")


class FolderSource:
    name = "drop_folder"

    def __init__(self, root: Path | str, page_size: int = 100) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise MilestonesError(f"drop folder {self.root} does not exist; create it or fix the path")
        self.page_size = page_size

    def scopes(self) -> Sequence[str | None]:
        return [None]

    def _items(self) -> list[SourceItem]:
        out = []
        for p in self.root.rglob("*"):
            if not p.is_file() or p.name.startswith(".") or p.suffix.lower() not in _SUFFIXES:
                continue
            mtime = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            rel = str(p.relative_to(self.root))
            out.append(SourceItem(self.name, safe_id(p.stem), mtime, external_ref=rel, name=p.stem, filename=p.name,
                                  download_ref=str(p)))  # fmt: skip
        return sorted(out, key=lambda i: (i.version, i.item_id))

    def _paged(self, items: list[SourceItem], start: int) -> Iterator[Page]:
        chunks = [items[i : i + self.page_size] for i in range(0, len(items), self.page_size)] or [[]]
        for n in range(start, len(chunks)):
            yield Page(n, tuple(chunks[n]), n == len(chunks) - 1)

    def changed_since(self, scope: str | None, since: str | None) -> Iterator[Page]:
        yield from self._paged([i for i in self._items() if since is None or i.version >= since], 0)

    def all_items(self, scope: str | None, start_page: int = 0) -> Iterator[Page]:
        yield from self._paged(self._items(), start_page)

    def get_items(self, ids: Sequence[str]) -> list[SourceItem]:
        wanted = set(ids)
        return [i for i in self._items() if i.item_id in wanted]

    def download(self, item: SourceItem) -> Document:
        return Document(Path(str(item.download_ref)).read_bytes(), item.filename, None)

    def write_back(self, item: SourceItem, fields: Mapping[str, Any]) -> None:
        return None  # a folder has nowhere to store dates
