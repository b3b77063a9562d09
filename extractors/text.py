"""Documents as text with provenance: every character offset maps back to a page.

Pages are joined with a form feed (``\\f``), so ``text[page.start:page.end]`` is the page's text and any span
found in ``text`` can be located on its page with :func:`page_at`.

PDF text comes from pypdfium2 page by page (the fast path, see shared/reference/PDF_BENCH.md); pdfplumber is
opened only for pages that look like tables, and tesseract only for pages without a text layer. DOCX is
read from the body XML in order, so tables stay where they are printed. Files are only ever read.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DocumentError
from .guard import Limits, check_zip, looks_like_text, sniff_type

__all__ = [
    "Page",
    "Table",
    "Document",
    "load_document",
    "document_from_text",
    "page_at",
    "content_hash",
    "span_boxes",
    "english_ratio",
    "PAGE_BREAK",
]

PAGE_BREAK = "\f"
PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_MIME = "text/plain"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Table:
    """A table as printed: 1-based page and rows of cell texts (merged cells appear once)."""

    page: int
    rows: tuple[tuple[str, ...], ...]
    source: str = "pdfplumber"  # pdfplumber | docx


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str
    mime: str
    text: str
    pages: tuple[Page, ...]
    content_hash: str
    warnings: tuple[str, ...] = ()  # "code: message"; codes: non_english, low_ocr_confidence, …
    ocr_confidence: float | None = None  # mean word confidence (0–1) over OCR'd pages
    tables: tuple[Table, ...] = field(default=())
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text came from OCR
    encoding: str | None = None  # for text files: the codec that decoded them
    table_pages: tuple[int, ...] = ()  # 1-based PDF pages that looked tabular and were opened with pdfplumber

    @property
    def warning_codes(self) -> tuple[str, ...]:
        return tuple(w.split(":", 1)[0] for w in self.warnings)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks (equals content_hash of the whole file)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _pages_from_texts(texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    pages: list[Page] = []
    pos = 0
    for i, t in enumerate(texts):
        pages.append(Page(i + 1, pos, pos + len(t)))
        pos += len(t) + len(PAGE_BREAK)
    return PAGE_BREAK.join(texts), tuple(pages)


def document_from_text(text: str, doc_id: str, source: str = "<text>", mime: str = TEXT_MIME) -> Document:
    """A document from text already in memory (API calls, tests); form feeds split pages."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    full, pages = _pages_from_texts(text.split(PAGE_BREAK))
    warnings = tuple(_language_warnings(full, source))
    return Document(doc_id, source, mime, full, pages, content_hash(text.encode("utf-8")), warnings)


def page_at(doc: Document, offset: int) -> int | None:
    """The 1-based page holding character ``offset`` (None for an empty document)."""
    if not doc.pages:
        return None
    starts = [p.start for p in doc.pages]
    i = bisect.bisect_right(starts, offset) - 1
    return doc.pages[max(i, 0)].number


# -- language ---------------------------------------------------------------------------------------------

_EN_STOPWORDS = frozenset(
    "the of and to in or any by for be this that such with as is shall on not other are from at which all its "
    "it may have has will under been if each their than upon these into was within without hereunder party "
    "agreement".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def english_ratio(text: str, sample_chars: int = 10_000) -> tuple[float, int]:
    """Share of common English function words among the words of ``text``, and the word count."""
    words = _WORD.findall(text[:sample_chars].lower())
    if not words:
        return 0.0, 0
    return sum(w in _EN_STOPWORDS for w in words) / len(words), len(words)


_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z]")


def _language_warnings(text: str, name: str) -> Iterator[str]:
    sample = text[:10_000]  # the first pages decide; scanning whole contracts costs more than the PDF text
    letters = len(_LETTER.findall(sample))
    if letters < 250:
        return  # too little text to judge
    latin = len(_LATIN.findall(sample))
    ratio, words = english_ratio(sample)
    # CUAD's English contracts sit at 0.11–0.55 common-word ratio (median 0.45); under 0.07 is not English.
    if latin < 0.5 * letters or (words >= 40 and ratio < 0.07):
        yield (
            f"non_english: {name} does not read as English ({ratio:.0%} common English words); "
            "extraction is tuned for English, so its milestones go to review"
        )


# -- PDF --------------------------------------------------------------------------------------------------

_MIN_PAGE_CHARS = 20  # fewer non-space characters than this and a page has no usable text layer
_TABLE_NUMBER = re.compile(
    r"\$\s?\d|\d\s?%|\d{1,3}(?:,\d{3})+|\b\d+\.\d{2}\b|\b(?:19|20)\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)


def _clean_pdf_text(raw: str) -> str:
    # pdfium marks a hyphen at a line end with U+FFFE and joins the lines; emits CRLF and keeps NBSP.
    return raw.replace("\r\n", "\n").replace("\ufffe", "-\n").replace("\xa0", " ")


def _clean_index_map(raw: str) -> list[int]:
    """For each character of ``_clean_pdf_text(raw)``, the index of the pdfium character it came from."""
    out: list[int] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\r" and i + 1 < n and raw[i + 1] == "\n":
            out.append(i + 1)
            i += 2
            continue
        out.extend((i, i) if c == "\ufffe" else (i,))
        i += 1
    return out


def _looks_tabular(text: str) -> bool:
    """Cheap first test: several short lines carrying amounts, dates or percentages (schedules)."""
    hits = 0
    for line in text.split("\n"):
        line = line.strip()
        if line and len(line) <= 40 and _TABLE_NUMBER.search(line):
            hits += 1
            if hits >= 4:
                return True
    return False


def _has_rulings(page: Any) -> bool:
    """Second test, only for pages passing the first: cell borders (horizontal and vertical rules) or many
    filled cell boxes, which is what pdfplumber's table finder needs. Calibrated on CUAD dev pages."""
    import pypdfium2.raw as pdfium_c

    across = down = boxes = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        width, height = right - left, top - bottom
        if height <= 3 and width >= 10:
            across += 1
        elif width <= 3 and height >= 8:
            down += 1
        elif width >= 10 and height >= 8:
            boxes += 1
        if (across >= 3 and down >= 2) or boxes >= 12:
            return True
    return False


def _image_coverage(page: Any) -> float:
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    area = max(width * height, 1.0)
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(0.0, min(top, height) - max(bottom, 0.0))
    return min(covered / area, 1.0)


def _pdf_tables(data: bytes, page_numbers: list[int], warnings: list[str], name: str) -> list[Table]:
    import pdfplumber

    tables: list[Table] = []
    try:
        with pdfplumber.open(io.BytesIO(data), pages=page_numbers) as pdf:
            for page in pdf.pages:
                for raw_table in page.extract_tables():
                    rows = tuple(
                        tuple(" ".join((cell or "").split()) for cell in row) for row in raw_table if row
                    )
                    rows = tuple(r for r in rows if any(r))
                    if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                        tables.append(Table(page.page_number, rows, "pdfplumber"))
                page.close()
    except Exception as exc:  # pdfminer raises many types on odd files; tables are a bonus, text is not
        warnings.append(f"tables_unread: {name}: table extraction failed ({type(exc).__name__}); text is complete")
    return tables


@dataclass
class _PdfResult:
    texts: list[str]
    tables: list[Table]
    warnings: list[str]
    ocr_pages: list[int]
    ocr_confidence: float | None
    table_pages: list[int]


def _open_pdf(data: bytes, name: str) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    tail = data[-4096:]
    if b"%%EOF" not in tail:
        raise DocumentError(
            "pdf_corrupt",
            f"{name}: the PDF is truncated (no end-of-file marker); download or export it again",
        )
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError(
                "pdf_encrypted",
                f"{name}: the PDF is password-protected; ask the sender for an unprotected copy",
            ) from exc
        raise DocumentError(
            "pdf_corrupt", f"{name}: the PDF cannot be opened ({exc}); re-export or re-scan the file"
        ) from exc


def _read_pdf(data: bytes, name: str, limits: Limits, ocr: bool | None) -> _PdfResult:
    import pypdfium2 as pdfium

    pdf = _open_pdf(data, name)
    try:
        n = len(pdf)
        if n == 0:
            raise DocumentError("pdf_corrupt", f"{name}: the PDF has no pages; re-export the file")
        if n > limits.max_pages:
            raise DocumentError(
                "too_many_pages",
                f"{name}: {n} pages (limit {limits.max_pages}); split the file, or raise MILESTONES_MAX_PAGES",
            )
        texts: list[str] = []
        table_pages: list[int] = []
        low_pages: list[int] = []
        for i in range(n):
            try:
                page = pdf[i]
                textpage = page.get_textpage()
                text = _clean_pdf_text(textpage.get_text_range())
                textpage.close()
                if _looks_tabular(text) and _has_rulings(page):
                    table_pages.append(i)
                if len("".join(text.split())) < _MIN_PAGE_CHARS:
                    low_pages.append(i)
                page.close()
            except pdfium.PdfiumError as exc:
                raise DocumentError(
                    "pdf_corrupt", f"{name}: page {i + 1} cannot be read ({exc}); re-export the file"
                ) from exc
            texts.append(text)
        warnings: list[str] = []
        ocr_pages, confidence = _ocr_pages(pdf, texts, low_pages, name, limits, ocr, warnings)
    finally:
        pdf.close()
    tables = _pdf_tables(data, [i + 1 for i in table_pages], warnings, name) if table_pages else []
    return _PdfResult(texts, tables, warnings, ocr_pages, confidence, [p + 1 for p in table_pages])


def _ocr_pages(
    pdf: Any, texts: list[str], low_pages: list[int], name: str, limits: Limits, ocr: bool | None, warnings: list[str]
) -> tuple[list[int], float | None]:
    """OCR the pages without a text layer (in place in ``texts``); return OCR'd pages and mean confidence."""
    from . import ocr as ocr_mod

    if not low_pages:
        return [], None
    has_text = len(low_pages) < len(texts)
    if has_text:  # a digital document: only image pages (scanned exhibits) are worth OCR, not blank pages
        todo = []
        for i in low_pages:
            page = pdf[i]
            if _image_coverage(page) >= 0.2:
                todo.append(i)
            page.close()
    else:  # nothing has text: OCR every page that draws anything at all
        todo = []
        for i in low_pages:
            page = pdf[i]
            if next(iter(page.get_objects(max_depth=1)), None) is not None:
                todo.append(i)
            page.close()
    if not todo and not has_text:
        raise DocumentError("no_text_layer", f"{name}: every page is blank; supply the signed copy with its content")
    if not todo:
        return [], None
    use_ocr = ocr_mod.ocr_available() if ocr is None else ocr
    if use_ocr and not ocr_mod.ocr_available():
        raise DocumentError("no_text_layer", f"{name}: OCR was requested but tesseract is not installed; "
                            "apt-get install tesseract-ocr tesseract-ocr-eng")
    if not use_ocr:
        if not has_text:
            raise DocumentError(
                "no_text_layer",
                f"{name}: the PDF is scanned images without a text layer and OCR is off; install tesseract-ocr "
                "(apt-get install tesseract-ocr tesseract-ocr-eng) or supply a searchable PDF",
            )
        warnings.append(
            f"image_pages_unread: {name}: pages {_page_list(todo)} are images without text; install "
            "tesseract-ocr to read them"
        )
        return [], None
    if len(todo) > limits.max_ocr_pages:
        warnings.append(
            f"image_pages_unread: {name}: only the first {limits.max_ocr_pages} of {len(todo)} image pages "
            "were OCR'd; raise MILESTONES_MAX_OCR_PAGES to read the rest"
        )
        todo = todo[: limits.max_ocr_pages]
    done: list[int] = []
    weighted, words = 0.0, 0
    for i in todo:
        page = pdf[i]
        try:
            result = ocr_mod.ocr_pdf_page(page)
        finally:
            page.close()
        texts[i] = result.text
        done.append(i + 1)
        if result.confidence is not None:
            weighted += result.confidence * result.words
            words += result.words
    if not has_text and not any(len("".join(t.split())) >= _MIN_PAGE_CHARS for t in texts):
        raise DocumentError(
            "no_text_layer",
            f"{name}: no text layer and OCR found no readable text; re-scan at 300 dpi or supply a searchable PDF",
        )
    confidence = weighted / words if words else 0.0
    if confidence < ocr_mod.LOW_OCR_CONFIDENCE:
        warnings.append(
            f"low_ocr_confidence: {name}: OCR of pages {_page_list([d - 1 for d in done])} has mean word "
            f"confidence {confidence:.2f} (< {ocr_mod.LOW_OCR_CONFIDENCE:.2f}); its milestones go to review"
        )
    return done, round(confidence, 4)


def _page_list(indexes: list[int], most: int = 10) -> str:
    shown = ", ".join(str(i + 1) for i in indexes[:most])
    return shown + (f" and {len(indexes) - most} more" if len(indexes) > most else "")


Box = tuple[float, float, float, float]


def span_boxes(path: str | Path, page: int, start: int, end: int, *, merge_lines: bool = False) -> list[Box]:
    """Character boxes (left, bottom, right, top in PDF points) for page-local offsets [start, end).

    ``page`` is 1-based and the offsets index the page's text as in :class:`Document` (``text[p.start:p.end]``).
    Whitespace gets no box. With ``merge_lines`` the boxes of each printed line are joined into one.
    Pages read by OCR have no character boxes and give ``[]``.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise DocumentError("bad_page", f"{Path(path).name} has {len(pdf)} pages; page {page} does not exist")
        pg = pdf[page - 1]
        tp = pg.get_textpage()
        raw = tp.get_text_range()
        index = _clean_index_map(raw)
        clean = _clean_pdf_text(raw)
        boxes: list[Box] = []
        last = -1
        for k in range(max(start, 0), min(end, len(index))):
            j = index[k]
            if j == last or clean[k].isspace():
                continue
            last = j
            left, bottom, right, top = tp.get_charbox(j)
            if right > left or top > bottom:
                boxes.append((left, bottom, right, top))
        tp.close()
        pg.close()
    finally:
        pdf.close()
    return _merge_lines(boxes) if merge_lines else boxes


def _merge_lines(boxes: list[Box]) -> list[Box]:
    merged: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if merged:
            m = merged[-1]
            overlap = min(top, m[3]) - max(bottom, m[1])
            if overlap > 0.5 * min(top - bottom, m[3] - m[1]) and left >= m[0] - 1:
                m[0], m[1], m[2], m[3] = min(m[0], left), min(m[1], bottom), max(m[2], right), max(m[3], top)
                continue
        merged.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in merged]


# -- DOCX -------------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP = {_W + "del", _W + "delText", _W + "instrText", _W + "pPr", _W + "rPr", _W + "tblPr", _W + "trPr",
         _W + "tcPr", _W + "sectPr", _MC + "Fallback"}  # fmt: skip
_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"}


def _docx_inline(el: Any, page_tag: str, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            kind = child.get(_W + "type")
            if kind == "page":
                parts.append(PAGE_BREAK if page_tag == "br" else "")
            else:
                parts.append("\n")
        elif tag == _W + "lastRenderedPageBreak":
            if page_tag == "rendered":
                parts.append(PAGE_BREAK)
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _W + "p":  # a paragraph inside a text box
            _docx_inline(child, page_tag, parts)
            parts.append("\n")
        else:
            _docx_inline(child, page_tag, parts)


def _docx_blocks(el: Any) -> Iterator[Any]:
    """Body-level paragraphs and tables in document order, through content controls and tracked insertions."""
    for child in el:
        tag = child.tag
        if tag in (_W + "p", _W + "tbl"):
            yield child
        elif tag in _CONTAINERS:
            yield from _docx_blocks(child)


def _docx_cell_text(tc: Any, page_tag: str) -> tuple[str, int]:
    parts: list[str] = []
    for block in _docx_blocks(tc):
        if block.tag == _W + "p":
            _docx_inline(block, page_tag, parts)
        else:  # a nested table: flatten its cells
            for tr in block.iter(_W + "tr"):
                for inner in tr.iter(_W + "tc"):
                    parts.append(" " + _docx_cell_text(inner, page_tag)[0])
        parts.append(" ")
    text = "".join(parts)
    breaks = text.count(PAGE_BREAK)
    return " ".join(text.replace(PAGE_BREAK, " ").split()), breaks


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # Word: a … z, aa … zz
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        out, rest = "", n
        for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
            while rest >= value:
                out, rest = out + digits, rest - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Word's automatic list numbering ("4.2", "(a)"), rendered as the reader sees it, because contract
    clause numbers in DOCX are usually list numbering rather than text."""

    def __init__(self, document: Any) -> None:
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.levels: dict[str, dict[int, tuple[int, str, str, bool]]] = {}
        self.style_num: dict[str, tuple[str, int | None]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        try:
            numbering = document.part.numbering_part.element
        except Exception:  # no numbering part
            numbering = None
        if numbering is not None:
            for absn in numbering.iterchildren(_W + "abstractNum"):
                levels: dict[int, tuple[int, str, str, bool]] = {}
                for lvl in absn.iterchildren(_W + "lvl"):
                    levels[int(lvl.get(_W + "ilvl", "0"))] = (
                        int(self._val(lvl, "start") or 1),
                        self._val(lvl, "numFmt") or "decimal",
                        self._val(lvl, "lvlText") or "",
                        lvl.find(_W + "isLgl") is not None,
                    )
                self.levels[absn.get(_W + "abstractNumId", "")] = levels
            for num in numbering.iterchildren(_W + "num"):
                overrides = {}
                for ov in num.iterchildren(_W + "lvlOverride"):
                    start = self._val(ov, "startOverride")
                    if start is not None:
                        overrides[int(ov.get(_W + "ilvl", "0"))] = int(start)
                self.nums[num.get(_W + "numId", "")] = (self._val(num, "abstractNumId") or "", overrides)
        styles: dict[str, tuple[str | None, tuple[str, int | None] | None]] = {}
        for st in document.styles.element.iterchildren(_W + "style"):
            num_pr = st.find(f"{_W}pPr/{_W}numPr")
            own = None
            if num_pr is not None and self._val(num_pr, "numId"):
                ilvl = self._val(num_pr, "ilvl")
                own = (self._val(num_pr, "numId") or "", int(ilvl) if ilvl else None)
            styles[st.get(_W + "styleId", "")] = (self._val(st, "basedOn"), own)
        for style_id in styles:
            seen, cur = set(), style_id
            while cur and cur not in seen:
                seen.add(cur)
                based_on, own = styles.get(cur, (None, None))
                if own:
                    self.style_num[style_id] = own
                    break
                cur = based_on or ""

    @staticmethod
    def _val(el: Any, tag: str) -> str | None:
        child = el.find(_W + tag)
        return None if child is None else child.get(_W + "val")

    def label(self, p: Any) -> str | None:
        ppr = p.find(_W + "pPr")
        num_id, ilvl = None, None
        if ppr is not None:
            num_pr = ppr.find(_W + "numPr")
            if num_pr is not None:
                num_id, raw_lvl = self._val(num_pr, "numId"), self._val(num_pr, "ilvl")
                ilvl = int(raw_lvl) if raw_lvl else None
            style = self._val(ppr, "pStyle")
            if num_id is None and style in self.style_num:
                num_id, style_lvl = self.style_num[style]
                ilvl = style_lvl if ilvl is None else ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        ilvl = ilvl or 0
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(abstract, [None] * 10)
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                if 0 <= lvl < 10:
                    counters[lvl] = start - 1
        start, fmt, lvl_text, _ = levels[ilvl]
        current = counters[ilvl]
        counters[ilvl] = start if current is None else current + 1
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        if fmt in ("bullet", "none") or not lvl_text:
            return None

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            k_start, k_fmt, _, _ = levels[k]
            value = counters[k] if counters[k] is not None else k_start
            return _format_number(int(value or k_start), "decimal" if levels[ilvl][3] else k_fmt)

        return re.sub(r"%([1-9])", sub, lvl_text)


def _read_docx(data: bytes, name: str, limits: Limits) -> tuple[list[str], list[Table]]:
    import docx

    zf = check_zip(data, name, limits)
    names = set(zf.namelist())
    if "word/document.xml" not in names:
        if "EncryptedPackage" in names:
            raise DocumentError("docx_encrypted", f"{name}: the document is password-protected; ask for an open copy")
        raise DocumentError(
            "unsupported_type",
            f"{name}: a ZIP archive but not a Word document (no word/document.xml); save it as DOCX or PDF",
        )
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        numbering = _Numbering(document)
    except Exception as exc:  # python-docx/lxml raise several types for broken packages
        raise DocumentError("docx_corrupt", f"{name}: cannot read the DOCX ({exc}); re-save it from the editor") from exc
    has_rendered = next(body.iter(_W + "lastRenderedPageBreak"), None) is not None
    page_tag = "rendered" if has_rendered else "br"
    chunks: list[str] = []
    tables: list[Table] = []
    page = 1
    for block in _docx_blocks(body):
        if block.tag == _W + "p":
            label = numbering.label(block)
            parts = [label + " "] if label else []
            _docx_inline(block, page_tag, parts)
            text = "".join(parts)
            page += text.count(PAGE_BREAK)
            chunks.append(text)
            continue
        rows: list[tuple[str, ...]] = []
        table_page = page
        lines: list[str] = []
        for tr in block.iterchildren(_W + "tr"):
            cells = []
            breaks = 0
            for tc in tr.iterchildren(_W + "tc"):
                text, b = _docx_cell_text(tc, page_tag)
                cells.append(text)
                breaks += b
            rows.append(tuple(cells))
            lines.append(" | ".join(cells) + PAGE_BREAK * breaks)
            page += breaks
        if rows:
            tables.append(Table(table_page, tuple(rows), "docx"))
        chunks.append("\n".join(lines))
    full = "\n".join(chunks)
    return full.split(PAGE_BREAK), tables


# -- TXT --------------------------------------------------------------------------------------------------


def _decode_text(data: bytes, name: str) -> tuple[str, str, list[str]]:
    warnings: list[str] = []
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", warnings
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "utf-16", warnings
    if not looks_like_text(data):
        raise DocumentError(
            "not_text",
            f"{name}: binary data, not text (NUL or control bytes); check the file and its extension",
        )
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        warnings.append(f"encoding_fallback: {name} is not UTF-8; read as {codec}, check accented characters")
        return text, codec, warnings
    raise AssertionError("latin-1 decodes any bytes")


# -- entry point ------------------------------------------------------------------------------------------

_EXT_KIND = {".pdf": "pdf", ".docx": "zip", ".txt": "text", ".text": "text", ".md": "text"}


def warm_up() -> None:
    """Import the PDF and DOCX readers (the guard does this before capping a child's memory)."""
    import docx  # noqa: F401
    import pypdfium2  # noqa: F401


def load_document(path: str | Path, *, limits: Limits | None = None, ocr: bool | None = None) -> Document:
    """Read a PDF, DOCX or TXT file into a :class:`Document`; raise :class:`DocumentError` if unreadable.

    The type comes from the file's bytes, not its name (a mismatch adds an ``extension_mismatch`` warning).
    ``ocr``: None = OCR image pages when tesseract is installed, False = never, True = required.
    """
    p = Path(path)
    limits = limits or Limits.from_env()
    name = p.name
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise DocumentError("unreadable", f"{name}: cannot be read ({exc.strerror}); check the path and permissions") from exc
    if size > limits.max_file_mb * 1024 * 1024:
        raise DocumentError(
            "file_too_large",
            f"{name}: {size / 2**20:.0f} MB (limit {limits.max_file_mb:g} MB); split it or raise MILESTONES_MAX_FILE_MB",
        )
    with p.open("rb") as fh:  # read-only: the original is never modified
        data = fh.read()
    if not data:
        raise DocumentError("empty_file", f"{name} is empty (0 bytes); replace it with the signed copy")
    kind = sniff_type(data)
    suffix = p.suffix.lower()
    warnings: list[str] = []
    expected = _EXT_KIND.get(suffix)
    if kind in ("ole", "rtf", "html") or (kind == "binary" and expected != "text"):
        what = {"ole": "a legacy Word/Office file or a password-protected Office file", "rtf": "an RTF file",
                "html": "a web page", "binary": "binary data of an unknown type"}[kind]  # fmt: skip
        raise DocumentError("unsupported_type", f"{name}: {what}; save it as PDF, DOCX or TXT and resubmit")
    shown = {"zip": "DOCX", "pdf": "PDF", "text": "text"}.get(kind, kind)
    if expected is not None and kind != expected and not (kind == "binary" and expected == "text"):
        warnings.append(f"extension_mismatch: {name} is named {suffix} but is {shown}; read as {shown}")
    elif expected is None:
        warnings.append(f"extension_mismatch: {name} has no supported extension; read as {shown}")

    tables: list[Table] = []
    ocr_pages: list[int] = []
    ocr_confidence: float | None = None
    encoding: str | None = None
    table_pages: list[int] = []
    if kind == "pdf":
        result = _read_pdf(data, name, limits, ocr)
        texts, mime, tables = result.texts, PDF_MIME, result.tables
        warnings += result.warnings
        ocr_pages, ocr_confidence, table_pages = result.ocr_pages, result.ocr_confidence, result.table_pages
    elif kind == "zip":
        texts, tables = _read_docx(data, name, limits)
        mime = DOCX_MIME
    else:
        decoded, encoding, extra = _decode_text(data, name)
        warnings += extra
        texts, mime = decoded.replace("\r\n", "\n").replace("\r", "\n").split(PAGE_BREAK), TEXT_MIME
    if len(texts) > limits.max_pages:
        raise DocumentError(
            "too_many_pages",
            f"{name}: {len(texts)} pages (limit {limits.max_pages}); split the file, or raise MILESTONES_MAX_PAGES",
        )
    full, pages = _pages_from_texts(texts)
    warnings += _language_warnings(full, name)
    return Document(
        p.stem,
        str(p),
        mime,
        full,
        pages,
        content_hash(data),
        tuple(warnings),
        ocr_confidence,
        tuple(tables),
        tuple(ocr_pages),
        encoding,
        tuple(table_pages),
    )
