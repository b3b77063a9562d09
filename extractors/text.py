"""Documents as text with provenance: every character offset maps back to a page.

Pages are joined with a form feed (``\\f``), so ``text[page.start:page.end]`` is the page's text and any span
found in ``text`` can be located on its page with :func:`page_at`.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocumentError

__all__ = ["Page", "Document", "load_document", "document_from_text", "page_at", "content_hash"]

PAGE_BREAK = "\f"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str
    mime: str
    text: str
    pages: tuple[Page, ...]
    content_hash: str
    warnings: tuple[str, ...] = ()
    ocr_confidence: float | None = None
    tables: tuple[tuple[tuple[str, ...], ...], ...] = field(default=())  # rows of cells, when read


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pages_from_texts(texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    pages: list[Page] = []
    pos = 0
    for i, t in enumerate(texts):
        pages.append(Page(i + 1, pos, pos + len(t)))
        pos += len(t) + len(PAGE_BREAK)
    return PAGE_BREAK.join(texts), tuple(pages)


def document_from_text(text: str, doc_id: str, source: str = "<text>", mime: str = "text/plain") -> Document:
    """A document from text already in memory (API calls, tests); form feeds split pages."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    full, pages = _pages_from_texts(text.split(PAGE_BREAK))
    return Document(doc_id, source, mime, full, pages, content_hash(text.encode("utf-8")))


def page_at(doc: Document, offset: int) -> int | None:
    """The 1-based page holding character ``offset`` (None for an empty document)."""
    if not doc.pages:
        return None
    starts = [p.start for p in doc.pages]
    i = bisect.bisect_right(starts, offset) - 1
    return doc.pages[max(i, 0)].number


def _read_pdf(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentError("pdf_unreadable", f"cannot open PDF ({exc}); re-export or re-scan the file") from exc
    try:
        texts = []
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            raw = tp.get_text_range()
            texts.append(raw.replace("\r\n", "\n").replace("\ufffe", "-\n").replace("\xa0", " "))
            tp.close()
            page.close()
        return texts
    finally:
        pdf.close()


def _read_docx(data: bytes) -> list[str]:
    import io

    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise DocumentError("docx_unreadable", f"cannot open DOCX ({exc}); re-save it from the editor") from exc
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return ["\n".join(lines)]


def load_document(path: str | Path) -> Document:
    """Read a PDF, DOCX or TXT file into a :class:`Document`; raise :class:`DocumentError` if unreadable."""
    p = Path(path)
    data = p.read_bytes()
    if not data:
        raise DocumentError("empty_file", f"{p.name} is empty (0 bytes); replace it with the signed copy")
    suffix = p.suffix.lower()
    if suffix == ".pdf":
        texts, mime = _read_pdf(data), "application/pdf"
    elif suffix == ".docx":
        texts, mime = _read_docx(data), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif suffix in (".txt", ".text", ".md"):
        texts, mime = data.decode("utf-8", errors="replace").replace("\r\n", "\n").split(PAGE_BREAK), "text/plain"
    else:
        raise DocumentError("unsupported_type", f"{p.name}: unsupported file type {suffix!r}; use PDF, DOCX or TXT")
    full, pages = _pages_from_texts(texts)
    return Document(p.stem, str(p), mime, full, pages, content_hash(data))
