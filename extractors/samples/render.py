"""Write a :class:`~extractors.samples.model.Contract` as TXT, DOCX or PDF, byte-for-byte reproducibly.

PDF: reportlab with ``invariant=1`` (fixed creation date and document id), Times at 10.5 pt, tables drawn
with a grid, "Page N of M" footers. DOCX: python-docx with fixed core properties, re-zipped with fixed
timestamps. TXT: one paragraph per line, tables as " | "-separated rows.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import MilestonesError
from .model import Contract, Heading, Para, Signature, Table

__all__ = ["render", "row_text", "FIXED_TIMESTAMP"]

FIXED_TIMESTAMP = dt.datetime(2020, 1, 1, 0, 0, 0)


def row_text(cells: list[str], fmt: str) -> str:
    """A table row as the format's text layer reads it: DOCX/TXT join cells with " | ", PDF with spaces."""
    return " ".join(cells) if fmt == "pdf" else " | ".join(cells)


def render(contract: Contract, path: Path) -> None:
    try:
        data = {"txt": _txt, "docx": _docx, "pdf": _pdf}[contract.fmt](contract)
    except ImportError as exc:  # reportlab is a dev extra
        raise MilestonesError(f"cannot write {path.name}: {exc.name or exc} is not installed; "
                              f"install the dev extras with `pip install -e '.[dev]'`") from exc
    path.write_bytes(data)


# ---------------------------------------------------------------- TXT


def _signature_lines(sig: Signature) -> list[str]:
    lines = [f"IN WITNESS WHEREOF, the parties have executed this {sig.doc_term} by their duly authorized representatives."]
    for p in sig.parties:
        lines += ["", p.name.upper(), "", "By: ______________________________", f"Name: {p.signatory}", f"Title: {p.title}"]
        if sig.date_text:
            lines.append(f"Date: {sig.date_text}")
    return lines


def _txt(c: Contract) -> bytes:
    out: list[str] = []
    for b in c.blocks:
        if isinstance(b, Heading):
            out += [b.text.upper() if b.level <= 1 else b.text, ""]
        elif isinstance(b, Para):
            out += [("    " * b.indent) + b.text, ""]
        elif isinstance(b, Table):
            out += [row_text(b.header, "txt")] + [row_text(r, "txt") for r in b.rows] + [""]
        elif isinstance(b, Signature):
            out += _signature_lines(b) + [""]
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")


# ---------------------------------------------------------------- DOCX


def _docx(c: Contract) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    cp = d.core_properties
    cp.author = c.parties[0].name
    cp.last_modified_by = c.parties[0].name
    cp.title = c.title
    cp.subject = c.contract_type
    cp.comments = ""
    cp.keywords = ""
    cp.revision = 1
    stamp = dt.datetime.combine(c.agreement_date, dt.time(9, 0))
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp

    for b in c.blocks:
        if isinstance(b, Heading):
            h = d.add_heading(b.text, level=b.level)
            if b.level == 0:
                h.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(b, Para):
            p = d.add_paragraph()
            if b.indent:
                p.paragraph_format.left_indent = Pt(24 * b.indent)
            head = " ".join(x for x in (b.number, b.caption) if x)
            if head:
                p.add_run(head).bold = True
                p.add_run(" " + b.body)
            else:
                p.add_run(b.body)
            if b.align == "center":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(b, Table):
            t = d.add_table(rows=1 + len(b.rows), cols=len(b.header))
            t.style = "Table Grid"
            for j, text in enumerate(b.header):
                cell = t.rows[0].cells[j]
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for i, row in enumerate(b.rows, start=1):
                for j, text in enumerate(row):
                    t.rows[i].cells[j].text = text
            d.add_paragraph()
        elif isinstance(b, Signature):
            lines = _signature_lines(b)
            d.add_paragraph(lines[0])
            for line in lines[1:]:
                if line:
                    d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return _rezip(buf.getvalue())


def _rezip(data: bytes) -> bytes:
    """The same package with every member's timestamp fixed, so two saves are identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- PDF


def _pdf(c: Contract) -> bytes:
    first = _pdf_pass(c, total_pages=None)
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(first)
    pages = len(pdf)
    pdf.close()
    return _pdf_pass(c, total_pages=pages)


def _pdf_pass(c: Contract, total_pages: int | None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        KeepTogether,
        PageTemplate,
        Paragraph,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as RLTable

    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10.5, leading=13.5, alignment=TA_JUSTIFY,
                          spaceAfter=6)
    title = ParagraphStyle("title", parent=body, fontName="Times-Bold", fontSize=15, leading=19,
                           alignment=TA_CENTER, spaceAfter=12)
    h1 = ParagraphStyle("h1", parent=body, fontName="Times-Bold", fontSize=11.5, leading=15, alignment=TA_LEFT,
                        spaceBefore=8, spaceAfter=4, keepWithNext=1)
    h2 = ParagraphStyle("h2", parent=h1, alignment=TA_CENTER, fontSize=12)
    centered = ParagraphStyle("centered", parent=body, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12, alignment=TA_LEFT, spaceAfter=0)

    frame_width = LETTER[0] - 2 * inch
    story: list = []
    for b in c.blocks:
        if isinstance(b, Heading):
            style = title if b.level == 0 else (h1 if b.level == 1 else h2)
            story.append(Paragraph(escape(b.text), style))
        elif isinstance(b, Para):
            head = " ".join(x for x in (b.number, b.caption) if x)
            markup = (f"<b>{escape(head)}</b> " if head else "") + escape(b.body)
            st = centered if b.align == "center" else body
            if b.indent:
                st = ParagraphStyle(f"ind{b.indent}", parent=st, leftIndent=22 * b.indent)
            story.append(Paragraph(markup, st))
        elif isinstance(b, Table):
            weights = b.widths or [1.0] * len(b.header)
            widths = [frame_width * w / sum(weights) for w in weights]
            data = [[Paragraph(f"<b>{escape(h)}</b>", cell) for h in b.header]]
            data += [[escape(x) for x in row] for row in b.rows]
            t = RLTable(data, colWidths=widths, repeatRows=1)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
                ("FONTNAME", (0, 1), (-1, -1), "Times-Roman"),
                ("FONTSIZE", (0, 1), (-1, -1), 9.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story += [t, Spacer(1, 8)]
        elif isinstance(b, Signature):
            lines = _signature_lines(b)
            story.append(Paragraph(escape(lines[0]), body))
            cols = []
            for p in b.parties:
                rows = [p.name.upper(), "", "By: ______________________", f"Name: {p.signatory}", f"Title: {p.title}"]
                if b.date_text:
                    rows.append(f"Date: {b.date_text}")
                cols.append(rows)
            grid = [[cols[0][i], cols[1][i]] for i in range(len(cols[0]))]
            t = RLTable(grid, colWidths=[frame_width / 2] * 2)
            t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "Times-Roman"), ("FONTSIZE", (0, 0), (-1, -1), 10),
                                   ("FONTNAME", (0, 0), (-1, 0), "Times-Bold")]))
            story.append(KeepTogether([Spacer(1, 12), t]))

    footer_title = c.title

    def on_page(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(inch, 0.6 * inch, f"{footer_title} - Confidential")
        n = canvas.getPageNumber()
        label = f"Page {n} of {total_pages}" if total_pages else f"Page {n}"
        canvas.drawRightString(LETTER[0] - inch, 0.6 * inch, label)
        canvas.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=inch,
                          bottomMargin=inch, title=c.title, author=c.parties[0].name, subject=c.contract_type,
                          creator="contract-milestones sample generator", producer="ReportLab", invariant=1)
    frame = Frame(inch, inch, frame_width, LETTER[1] - 2 * inch, id="body", leftPadding=0, rightPadding=0)
    # the footer is drawn after the page body, so the text layer reads it last, as in most real contracts
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=on_page)])
    doc.build(story)
    return buf.getvalue()
