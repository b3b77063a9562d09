"""Text with provenance: PDF (pypdfium2 + tables via pdfplumber on likely-table pages + OCR), DOCX in body
order, TXT with encodings; character boxes for evidence highlighting; the non-English warning.

Fixtures: tests/fixtures/hostile/good_* and scanned*.pdf (synthetic, written by make_hostile.py; development),
DOCX variants built here from raw WordprocessingML, and short texts written for these tests.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pytest

from extractors.ocr import ocr_available
from extractors.text import (
    Document,
    Table,
    _clean_index_map,
    _clean_pdf_text,
    _looks_tabular,
    document_from_text,
    english_ratio,
    load_document,
    page_at,
    span_boxes,
)

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


def _page_text(doc: Document, number: int) -> str:
    page = doc.pages[number - 1]
    return doc.text[page.start : page.end]


# -- PDF --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_doc() -> Document:
    return load_document(HOSTILE / "good_contract.pdf")


def test_pdf_pages_joined_by_form_feed(pdf_doc: Document):
    assert len(pdf_doc.pages) == 2
    assert pdf_doc.text.count("\f") == 1
    assert pdf_doc.pages[1].start == pdf_doc.pages[0].end + 1
    assert "MASTER SUPPLY AGREEMENT" in _page_text(pdf_doc, 1)
    assert "quarterly report" in _page_text(pdf_doc, 2)
    assert page_at(pdf_doc, pdf_doc.text.index("quarterly report")) == 2
    assert page_at(pdf_doc, pdf_doc.text.index("Phase 3")) == 1
    assert "\r" not in pdf_doc.text and "\xa0" not in pdf_doc.text
    assert pdf_doc.mime == "application/pdf" and pdf_doc.doc_id == "good_contract"


def test_pdf_table_found_on_its_page(pdf_doc: Document):
    assert pdf_doc.table_pages == (1,)
    assert pdf_doc.tables == (
        Table(
            1,
            (
                ("Milestone", "Amount", "Due date"),
                ("Phase 1", "$12,500.00", "March 1, 2027"),
                ("Phase 2", "$25,000.00", "March 2, 2027"),
                ("Phase 3", "$37,500.00", "March 3, 2027"),
                ("Phase 4", "$50,000.00", "March 4, 2027"),
            ),
            "pdfplumber",
        ),
    )


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("line one\r\nline two", "line one\nline two"),
        ("perfor\ufffemance", "perfor-\nmance"),
        ("five\xa0(5) days", "five (5) days"),
        ("a\r\n\ufffeb\xa0c\r\n", "a\n-\nb c\n"),
        ("", ""),
        ("lone\rreturn", "lone\rreturn"),  # only CRLF pairs are folded
    ],
)
def test_pdf_text_normalisation_and_index_map(raw: str, clean: str):
    assert _clean_pdf_text(raw) == clean
    index = _clean_index_map(raw)
    assert len(index) == len(clean)
    for k, ch in enumerate(clean):
        if ch not in "-\n ":
            assert raw[index[k]] == ch


@pytest.mark.parametrize(
    "text, tabular",
    [
        ("Milestone Amount\nPhase 1 $12,500.00\nPhase 2 $25,000.00\nPhase 3 $37,500.00\nPhase 4 $50,000.00", True),
        ("Year Rate\n2021 3.5%\n2022 4.0%\n2023 4.5%\n2024 5%", True),
        ("Q1 03/31/2027\nQ2 06/30/2027\nQ3 09/30/2027\nQ4 12/31/2027", True),
        # hard negatives: prose full of dates and money, and short lines without numbers
        ("The Client shall pay $12,500.00 on March 1, 2027, $25,000.00 on March 2, 2027, and $37,500.00 "
         "on March 3, 2027, in each case by wire transfer to the account designated by the Supplier.", False),
        ("ARTICLE I\nDEFINITIONS\nARTICLE II\nLICENSE\nARTICLE III\nPAYMENT\nARTICLE IV\nTERM", False),
        ("Phase 1 $100\nPhase 2 $200\nPhase 3 $300", False),  # three rows are not enough
    ],
)  # fmt: skip
def test_table_candidate_heuristic(text: str, tabular: bool):
    assert _looks_tabular(text) is tabular


def test_prose_pdf_has_no_table_pages(tmp_path: Path):
    path = tmp_path / "prose.pdf"
    path.write_bytes(_make_hostile().contract_pdf_bytes(table=False))
    doc = load_document(path)
    assert doc.tables == () and doc.table_pages == ()


def test_span_boxes_cover_the_phrase(pdf_doc: Document):
    page_text = _page_text(pdf_doc, 1)
    start = page_text.index("Effective Date")
    boxes = span_boxes(HOSTILE / "good_contract.pdf", 1, start, start + len("Effective Date"))
    assert len(boxes) == len("EffectiveDate")
    assert all(0 <= left < right <= 612 and 0 <= bottom < top <= 792 for left, bottom, right, top in boxes)
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)  # left to right on one line
    merged = span_boxes(HOSTILE / "good_contract.pdf", 1, start, start + len("Effective Date"), merge_lines=True)
    assert len(merged) == 1
    assert merged[0][0] == boxes[0][0] and merged[0][2] == boxes[-1][2]


def test_span_boxes_follow_the_page_local_offsets(pdf_doc: Document):
    page_text = _page_text(pdf_doc, 2)
    start = page_text.index("quarterly")
    on_two = span_boxes(HOSTILE / "good_contract.pdf", 2, start, start + 9)
    assert len(on_two) == 9
    assert span_boxes(HOSTILE / "good_contract.pdf", 2, start, start) == []  # empty span
    blank = page_text.index(" ")
    assert span_boxes(HOSTILE / "good_contract.pdf", 2, blank, blank + 1) == []  # whitespace has no box


def test_span_boxes_rejects_a_missing_page():
    from extractors.errors import DocumentError

    with pytest.raises(DocumentError):
        span_boxes(HOSTILE / "good_contract.pdf", 3, 0, 5)


# -- OCR --------------------------------------------------------------------------------------------------

needs_ocr = pytest.mark.skipif(not ocr_available(), reason="tesseract-ocr is not installed (apt-get install tesseract-ocr)")


@needs_ocr
def test_scanned_pdf_is_ocrd_with_confidence():
    doc = load_document(HOSTILE / "scanned.pdf")
    assert doc.ocr_pages == (1,)
    assert doc.ocr_confidence is not None and doc.ocr_confidence >= 0.8
    assert "low_ocr_confidence" not in doc.warning_codes
    flat = " ".join(doc.text.split())
    assert "The Supplier shall deliver the Equipment" in flat
    assert "Payment" in flat and "quarterly report" in flat


@needs_ocr
def test_poor_scan_is_flagged_for_review():
    doc = load_document(HOSTILE / "scanned_poor.pdf")
    assert doc.ocr_pages == (1,)
    assert doc.ocr_confidence is not None and doc.ocr_confidence < 0.8
    assert "low_ocr_confidence" in doc.warning_codes


@needs_ocr
def test_only_pages_without_text_get_ocr(tmp_path: Path):
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(HOSTILE / "good_contract.pdf")))
    mixed.import_pages(pdfium.PdfDocument(str(HOSTILE / "scanned.pdf")))
    path = tmp_path / "mixed.pdf"
    mixed.save(str(path))
    doc = load_document(path)
    assert len(doc.pages) == 3 and doc.ocr_pages == (3,)
    assert "MASTER SUPPLY AGREEMENT" in _page_text(doc, 1)
    assert "Supplier shall deliver" in " ".join(_page_text(doc, 3).split())
    off = load_document(path, ocr=False)
    assert off.ocr_pages == () and _page_text(off, 3).strip() == ""
    assert "image_pages_unread" in off.warning_codes


# -- DOCX -------------------------------------------------------------------------------------------------


def test_docx_keeps_tables_in_body_order_and_page_breaks():
    doc = load_document(HOSTILE / "good_contract.docx")
    text = doc.text
    assert text.startswith("MASTER SUPPLY AGREEMENT\n")  # the heading is kept
    before = text.index("Milestone payments are due as follows:")
    row = text.index("Milestone | Amount | Due date")
    after = text.index("2. Delivery.")
    assert before < row < after, "the table must stay where it is printed"
    assert "Phase 2 | $25,000.00 | March 2, 2027" in text
    assert len(doc.pages) == 2 and page_at(doc, text.index("Reports and Term")) == 2
    assert doc.tables == (
        Table(
            1,
            (
                ("Milestone", "Amount", "Due date"),
                ("Phase 1", "$12,500.00", "March 1, 2027"),
                ("Phase 2", "$25,000.00", "March 2, 2027"),
                ("Phase 3", "$37,500.00", "March 3, 2027"),
            ),
            "docx",
        ),
    )


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
     'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'  # fmt: skip


def _docx_with_body(tmp_path: Path, body: str, numbering: str | None = None) -> Path:
    """The committed good DOCX with its document.xml (and numbering.xml) replaced by raw WordprocessingML."""
    src = zipfile.ZipFile(HOSTILE / "good_contract.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = f'<?xml version="1.0"?><w:document {_W}><w:body>{body}</w:body></w:document>'.encode()
            elif info.filename == "word/numbering.xml" and numbering is not None:
                data = f'<?xml version="1.0"?><w:numbering {_W}>{numbering}</w:numbering>'.encode()
            dst.writestr(info, data)
    path = tmp_path / "variant.docx"
    path.write_bytes(out.getvalue())
    return path


def _p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


@pytest.mark.parametrize(
    "body, expected_pages",
    [
        # tracked changes: deleted text is not the contract, inserted text is
        (_p(_r("Pay within "), '<w:del><w:r><w:delText>60</w:delText></w:r></w:del>',
            '<w:ins><w:r><w:t>30</w:t></w:r></w:ins>', _r(" days.")), ["Pay within 30 days."]),
        # content controls keep their place in the body
        (_p(_r("First.")) + "<w:sdt><w:sdtContent>" + _p(_r("Second.")) + "</w:sdtContent></w:sdt>"
         + _p(_r("Third.")), ["First.\nSecond.\nThird."]),
        # a text box written twice (DrawingML choice + VML fallback) is read once
        (_p(_r("Before."), "<w:r><mc:AlternateContent><mc:Choice><w:txbxContent>" + _p(_r("Boxed."))
            + "</w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent>" + _p(_r("Boxed."))
            + "</w:txbxContent></mc:Fallback></mc:AlternateContent></w:r>"), ["Before.Boxed.\n"]),
        # Word's rendered page breaks win over explicit ones when present
        (_p(_r("Page one.")) + _p("<w:r><w:lastRenderedPageBreak/><w:t>Page two.</w:t></w:r>"),
         ["Page one.\n", "Page two."]),
        (_p(_r("One."), '<w:r><w:br w:type="page"/></w:r>', _r("Two.")), ["One.", "Two."]),
        # tabs, line breaks and non-breaking hyphens
        (_p(_r("A"), "<w:r><w:tab/></w:r>", _r("B"), "<w:r><w:br/></w:r>", _r("C"), "<w:r><w:noBreakHyphen/></w:r>",
            _r("D")), ["A\tB\nC-D"]),
        # merged cells appear once; a nested table is flattened into its cell
        ("<w:tbl><w:tr><w:tc>" + _p(_r("Fee")) + "</w:tc><w:tc>" + _p(_r("Due")) + "</w:tc></w:tr>"
         "<w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>" + _p(_r("Waived")) + "</w:tc></w:tr></w:tbl>",
         ["Fee | Due\nWaived"]),
    ],
)  # fmt: skip
def test_docx_body_variants(tmp_path: Path, body: str, expected_pages: list[str]):
    doc = load_document(_docx_with_body(tmp_path, body))
    assert [doc.text[p.start : p.end] for p in doc.pages] == expected_pages


def test_docx_table_rows_are_records(tmp_path: Path):
    body = (
        _p(_r("Schedule:"))
        + "<w:tbl><w:tr><w:tc>" + _p(_r("Fee")) + "</w:tc><w:tc>" + _p(_r("Due")) + "</w:tc></w:tr>"
        + "<w:tr><w:tc>" + _p(_r("$100")) + "</w:tc><w:tc>" + _p(_r("May 1, 2027"), _r(" (first)"))
        + "</w:tc></w:tr></w:tbl>"
    )  # fmt: skip
    doc = load_document(_docx_with_body(tmp_path, body))
    assert doc.tables == (Table(1, (("Fee", "Due"), ("$100", "May 1, 2027 (first)")), "docx"),)


def _lvl(ilvl: int, fmt: str, text: str) -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>')  # fmt: skip


NUMBERING = (
    '<w:abstractNum w:abstractNumId="7">' + _lvl(0, "decimal", "%1.") + _lvl(1, "decimal", "%1.%2")
    + _lvl(2, "lowerLetter", "(%3)") + _lvl(3, "lowerRoman", "(%4)") + "</w:abstractNum>"
    + '<w:abstractNum w:abstractNumId="8">' + _lvl(0, "bullet", "•") + "</w:abstractNum>"
    + '<w:abstractNum w:abstractNumId="9">' + _lvl(0, "upperLetter", "Exhibit %1") + "</w:abstractNum>"
    + '<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>'
    + '<w:num w:numId="2"><w:abstractNumId w:val="8"/></w:num>'
    + '<w:num w:numId="3"><w:abstractNumId w:val="9"/></w:num>'
    + '<w:num w:numId="4"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>'
    + "</w:lvlOverride></w:num>"
)  # fmt: skip


def _np(num: int, ilvl: int, text: str) -> str:
    return (f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
            + _r(text) + "</w:p>")  # fmt: skip


def test_docx_automatic_numbering_is_rendered(tmp_path: Path):
    from extractors.structure import clause_reference_at

    body = "".join([
        _np(1, 0, "Payment"), _np(1, 1, "Fees. The Client shall pay:"), _np(1, 2, "on signing; and"),
        _np(1, 2, "on delivery, namely:"), _np(1, 3, "half at dispatch."), _np(1, 1, "Taxes. Extra."),
        _np(2, 0, "a bullet point"), _p(_r("Plain paragraph.")), _np(0, 0, "numbering switched off"),
        _np(1, 0, "Term"), _np(1, 1, "Renewal. It renews."), _np(3, 0, "Price list"), _np(4, 0, "Restarted"),
    ])  # fmt: skip
    doc = load_document(_docx_with_body(tmp_path, body, NUMBERING))
    assert doc.text.split("\n") == [
        "1. Payment", "1.1 Fees. The Client shall pay:", "(a) on signing; and", "(b) on delivery, namely:",
        "(i) half at dispatch.", "1.2 Taxes. Extra.", "a bullet point", "Plain paragraph.",
        "numbering switched off", "2. Term", "2.1 Renewal. It renews.", "Exhibit A Price list", "1. Restarted",
    ]  # fmt: skip
    assert clause_reference_at(doc.text, doc.text.index("on delivery")) == "1.1(b)"
    assert clause_reference_at(doc.text, doc.text.index("It renews")) == "2.1"


def test_docx_list_style_numbering(tmp_path: Path):
    import docx

    d = docx.Document()
    for text in ("Deliver the goods.", "Invoice the Client.", "Keep records."):
        d.add_paragraph(text, style="List Number")
    path = tmp_path / "listed.docx"
    d.save(str(path))
    assert load_document(path).text == "1. Deliver the goods.\n2. Invoice the Client.\n3. Keep records."


# -- TXT --------------------------------------------------------------------------------------------------


def test_txt_form_feeds_are_pages():
    doc = load_document(HOSTILE / "good_contract.txt")
    assert len(doc.pages) == 2 and doc.encoding == "utf-8"
    assert page_at(doc, doc.text.index("Term.")) == 2


@pytest.mark.parametrize(
    "data, encoding, fragment, warned",
    [
        ("Fee: 5 000 € – net".encode("cp1252"), "cp1252", "5 000 € – net", True),
        (b"Fee \x81 \x8d odd bytes \xe9t\xe9", "latin-1", "\x81", True),  # undefined in cp1252
        ("Café crème".encode(), "utf-8", "Café crème", False),
        ("\ufeffBOM first".encode(), "utf-8-sig", "BOM first", False),
        ("\ufeffWide text".encode("utf-16-le"), "utf-16", "Wide text", False),
        (b"Windows\r\nline\rends", "utf-8", "Windows\nline\nends", False),
    ],
)
def test_txt_encodings(tmp_path: Path, data: bytes, encoding: str, fragment: str, warned: bool):
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    doc = load_document(path)
    assert doc.encoding == encoding
    assert fragment in doc.text
    assert ("encoding_fallback" in doc.warning_codes) is warned


# -- language ---------------------------------------------------------------------------------------------

ENGLISH = (
    "The Supplier shall deliver the Products to the Client at the address set out in the Order within thirty "
    "days after the date of the Order. Title and risk in the Products pass to the Client on delivery. The Client "
    "shall pay each invoice within thirty days after receipt, and any amount not paid when due bears interest at "
    "the rate of one percent per month. Either party may terminate this Agreement on ninety days written notice "
    "to the other party. This Agreement is governed by the laws of the State of New York. "
)
GERMAN = (
    "Der Lieferant liefert die Waren innerhalb von dreißig Tagen nach Eingang der Bestellung an den Kunden. "
    "Der Kunde zahlt jede Rechnung innerhalb von dreißig Tagen nach Erhalt. Jede Partei kann diesen Vertrag mit "
    "einer Frist von neunzig Tagen schriftlich kündigen. Dieser Vertrag unterliegt deutschem Recht. Gerichtsstand "
    "ist München. Der Lieferant unterhält während der gesamten Laufzeit eine Haftpflichtversicherung und legt dem "
    "Kunden vierteljährlich einen Bericht über die erbrachten Leistungen vor. Änderungen bedürfen der Schriftform. "
)
FRENCH = (
    "Le Fournisseur livrera les produits au Client dans un délai de trente jours à compter de la commande. Le "
    "Client paiera chaque facture dans les trente jours suivant sa réception. Chaque partie peut résilier le présent "
    "contrat moyennant un préavis écrit de quatre-vingt-dix jours. Le présent contrat est régi par le droit français "
    "et tout litige sera soumis aux tribunaux de Paris. Le Fournisseur remettra un rapport trimestriel au Client. "
)
CHINESE = "供应商应在收到订单后三十天内向客户交付产品。客户应在收到发票后三十天内付款。" * 20


@pytest.mark.parametrize(
    "text, warned",
    [
        (ENGLISH, False),
        (ENGLISH.upper(), False),
        (GERMAN, True),
        (FRENCH, True),
        (CHINESE, True),
        (GERMAN[:200], False),  # too short to judge: no warning
        ("Schedule A\n" + "Item 1 $100 2027-01-01\n" * 40 + ENGLISH, False),  # English with a numeric table
        (ENGLISH + GERMAN * 0, False),
    ],
)
def test_non_english_warning(text: str, warned: bool):
    doc = document_from_text(text, "t")
    assert ("non_english" in doc.warning_codes) is warned, english_ratio(text)


def test_document_from_text_keeps_offsets():
    doc = document_from_text("one\r\ntwo\fthree\xa0four", "d")
    assert doc.text == "one\ntwo\fthree four"
    assert [p.number for p in doc.pages] == [1, 2] and page_at(doc, doc.text.index("four")) == 2
    assert page_at(document_from_text("", "e"), 0) == 1


def _make_hostile():
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("procs", [1, 2])
def test_bench_pdf_text_counts(procs: int):
    from milestones.bench_text import bench_pdf_text, bench_raw_pdfium

    paths = [HOSTILE / "good_contract.pdf", HOSTILE / "owner_password_only.pdf", HOSTILE / "encrypted.pdf"]
    result = bench_pdf_text(paths, procs=procs)
    assert (result["files"], result["pages"], result["tables"], result["pdfplumber_pages"]) == (3, 4, 2, 2)
    assert result["errors"] == {"pdf_encrypted": 1}
    assert result["seconds"] > 0 and result["peak_rss_mb"] > 0
    assert bench_raw_pdfium(paths[:2], procs=procs)["pages"] == 4
