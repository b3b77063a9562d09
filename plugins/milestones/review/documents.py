"""The contract text a reviewer reads, and where evidence sits on a PDF page.

Decision: the register stores no full text, so the app re-reads the document file the loader recorded
(raw.documents.path) with `extractors.text.load_document` — the same reader the nightly run used, so the
stored offsets (span_start/span_end into the full text, pages joined by form feeds) point at the same
characters. The file's sha256 must equal the document_id; if the file moved or changed the page says so
and shows the stored evidence sentences only. Texts are cached per (document, file size, mtime) in this
process.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.errors import DocumentError
from extractors.text import Document, load_document, span_boxes

# pdfium is not thread-safe and the app serves requests from a thread pool: every use of it here (reading a PDF's
# text, its character boxes, rendering a page) holds this lock, or two page images at once can corrupt the heap
PDFIUM_LOCK = threading.RLock()

__all__ = ["SourceText", "get_source_text", "Segment", "get_segments", "render_page_png", "evidence_boxes"]

_CACHE: OrderedDict[str, Document] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


@dataclass(frozen=True)
class SourceText:
    document: Document | None
    problem: str | None = None  # why the text is unavailable (shown to the reviewer)

    @property
    def text(self) -> str | None:
        return self.document.text if self.document else None


def _sha256(path: Path) -> str:
    from extractors.text import file_sha256

    return file_sha256(path)


def get_source_text(path: str | None, document_id: str | None) -> SourceText:
    if not path or not document_id:
        return SourceText(None, "the register has no document file for this contract")
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return SourceText(None, f"the document file {p} is no longer there; showing the stored evidence only")
    key = f"{document_id}|{p}|{st.st_size}|{st.st_mtime_ns}"  # a touched file is checked again
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return SourceText(_CACHE[key])
    if not p.is_file() or _sha256(p) != document_id:
        return SourceText(None, f"{p.name} changed after it was extracted (its hash differs); the offsets would "
                                "not match, so only the stored evidence is shown until the next nightly run")
    try:
        with PDFIUM_LOCK:
            doc = load_document(p)
    except DocumentError as exc:
        return SourceText(None, f"{p.name} cannot be read now ({exc})")
    with _LOCK:
        _CACHE[key] = doc
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return SourceText(doc)


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same set of evidence spans (for <mark> rendering)."""

    start: int
    end: int
    text: str
    milestone_ids: tuple[str, ...]
    page_break: bool = False
    page: int | None = None  # for a page break: the number of the page that starts after it


def get_segments(text: str, spans: list[tuple[str, int, int]]) -> list[Segment]:
    """Cut text at every span boundary and page break; each piece lists the milestones covering it."""
    cuts = {0, len(text)}
    for _, s, e in spans:
        if 0 <= s < e <= len(text):
            cuts.update((s, e))
    pos = text.find("\f")
    while pos != -1:
        cuts.update((pos, pos + 1))
        pos = text.find("\f", pos + 1)
    points = sorted(cuts)
    out = []
    page = 1
    for a, b in zip(points, points[1:], strict=False):
        if a == b:
            continue
        chunk = text[a:b]
        if chunk == "\f":
            page += 1
            out.append(Segment(a, b, chunk, (), page_break=True, page=page))
            continue
        ids = tuple(mid for mid, s, e in spans if s <= a and b <= e)
        out.append(Segment(a, b, chunk, ids))
    return out


def render_page_png(path: str | Path, page: int, scale: float = 1.5) -> tuple[bytes, float, float]:
    """PNG of one PDF page, and its size in PDF points (for placing highlight boxes)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        return _render_page_png(pdfium, path, page, scale)


def _render_page_png(pdfium: Any, path: str | Path, page: int, scale: float) -> tuple[bytes, float, float]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise DocumentError("bad_page", f"the PDF has {len(pdf)} pages; page {page} does not exist")
        pg = pdf[page - 1]
        width, height = pg.get_size()
        image = pg.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        pg.close()
    finally:
        pdf.close()
    return buf.getvalue(), width, height


def evidence_boxes(doc: Document, path: str | Path, start: int, end: int) -> list[dict[str, Any]]:
    """Highlight rectangles (PDF points, origin bottom-left) for a full-text span, per page it touches."""
    out: list[dict[str, Any]] = []
    for p in doc.pages:
        s, e = max(start, p.start), min(end, p.end)
        if s >= e or p.number in doc.ocr_pages:
            continue
        for left, bottom, right, top in span_boxes(path, p.number, s - p.start, e - p.start, merge_lines=True):
            out.append({"page": p.number, "left": left, "bottom": bottom, "right": right, "top": top})
    return out
