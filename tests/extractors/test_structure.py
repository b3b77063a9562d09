"""Sentences, sections and clause references, cross-references and defined terms.

Fixtures: short contract passages written for these tests (development; no CUAD text). Each table row is
text → expected records; hard negatives (abbreviations, cross-references that look like headings, table
rows that look like numbering) sit next to the positives.
"""

from __future__ import annotations

import pytest

from extractors.structure import (
    Section,
    clause_reference_at,
    get_clause_references,
    get_defined_terms,
    get_definitions,
    get_sections,
    get_sentences,
    section_at,
)


def sentences(text: str, **kw) -> list[str]:
    return [s.text for s in get_sentences(text, **kw)]


# -- sentences --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Company shall pay. The Client shall deliver.", ["The Company shall pay.", "The Client shall deliver."]),
        # corporate suffixes inside names do not end sentences …
        ("Acme Widgets, Inc. (the \"Company\") shall pay Beta Corp. within 30 days.",
         ["Acme Widgets, Inc. (the \"Company\") shall pay Beta Corp. within 30 days."]),
        ("Payment to Acme Co. Ltd. is due.", ["Payment to Acme Co. Ltd. is due."]),
        # … but do when a new sentence clearly follows
        ("This Agreement is between Acme and Beta, Inc. The parties agree as follows.",
         ["This Agreement is between Acme and Beta, Inc.", "The parties agree as follows."]),
        ("See Sec. 4 and No. 7 of the Plan.", ["See Sec. 4 and No. 7 of the Plan."]),
        ("Goods shipped to the U.S. Government are exempt.", ["Goods shipped to the U.S. Government are exempt."]),
        ("Costs (e.g. Travel) and fees (i.e. Hourly Rates) apply.", ["Costs (e.g. Travel) and fees (i.e. Hourly Rates) apply."]),
        ("Notices go to J. Smith at the address above.", ["Notices go to J. Smith at the address above."]),
        ("Notices go to John Q. Public, Esq. at Suite 5.", ["Notices go to John Q. Public, Esq. at Suite 5."]),
        # a single capital after a container word is a name, and the period ends the sentence
        ("Fees are listed in Exhibit A. The Client shall pay them.",
         ["Fees are listed in Exhibit A.", "The Client shall pay them."]),
        # numbering at a line start is not a sentence end; a number ending a sentence is
        ("4.2. Payment terms apply here.", ["4.2. Payment terms apply here."]),
        ("Payment is due in 2027. The Client shall pay.", ["Payment is due in 2027.", "The Client shall pay."]),
        ("As set out in Section 4.2. The Client shall pay.", ["As set out in Section 4.2.", "The Client shall pay."]),
        ("Amounts of $1.5 million are due. Fees are 2.5% per year.",
         ["Amounts of $1.5 million are due.", "Fees are 2.5% per year."]),
        # quotes and brackets after the period stay with the sentence
        ('He said "the goods are late." The Client agreed.', ['He said "the goods are late."', "The Client agreed."]),
        # page breaks, blank lines and headings end sentences; wrapped lines do not
        ("The Supplier shall deliver the\fgoods on time.", ["The Supplier shall deliver the", "goods on time."]),
        ("The Supplier shall deliver\nthe goods on time.", ["The Supplier shall deliver\nthe goods on time."]),
        ("PAYMENT TERMS\nThe Client shall pay.", ["PAYMENT TERMS", "The Client shall pay."]),
        ("ARTICLE IV\nPAYMENT TERMS\nThe Client shall pay.", ["ARTICLE IV", "PAYMENT TERMS", "The Client shall pay."]),
        ("Delivery Schedule\n\nThe Supplier shall deliver.", ["Delivery Schedule", "The Supplier shall deliver."]),
        ("The fee is due\n4.3 Audit. The Client may audit.", ["The fee is due", "4.3 Audit.", "The Client may audit."]),
        # hard negative: a wrapped ALL-CAPS disclaimer is one sentence, not a run of headings
        ("IN NO EVENT SHALL EITHER PARTY BE\nLIABLE FOR ANY INDIRECT DAMAGES\nOR LOST PROFITS.",
         ["IN NO EVENT SHALL EITHER PARTY BE\nLIABLE FOR ANY INDIRECT DAMAGES\nOR LOST PROFITS."]),
        ("Payment is due at 5:00 p.m. Eastern time on Friday.", ["Payment is due at 5:00 p.m. Eastern time on Friday."]),
        ("Is the fee due? Yes! It is.", ["Is the fee due?", "Yes!", "It is."]),
        # a list stays with its lead-in by default
        ("The Supplier shall: (a) deliver the goods; and (b) invoice the Client.",
         ["The Supplier shall: (a) deliver the goods; and (b) invoice the Client."]),
        ("", []),
        ("   \n\f  ", []),
    ],
)  # fmt: skip
def test_sentences(text: str, expected: list[str]):
    assert sentences(text) == expected


def test_sentence_offsets_slice_the_text():
    text = "ARTICLE I\nDEFINITIONS\n1.1 Terms. Words have meanings.\fNew page here. And (a) one; (b) two."
    for s in get_sentences(text, split_items=True):
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    "text, items",
    [
        ("The Supplier shall: (a) deliver the goods; and (b) invoice the Client.",
         [("(a) deliver the goods", "The Supplier shall:"), ("(b) invoice the Client.", "The Supplier shall:")]),
        ("Licensee shall:\n(i) pay the fee within 30 days;\n(ii) report quarterly; or\n(iii) terminate.",
         [("(i) pay the fee within 30 days", "Licensee shall:"), ("(ii) report quarterly", "Licensee shall:"),
          ("(iii) terminate.", "Licensee shall:")]),
        # hard negatives: a single parenthetical letter, and cross-references, are not lists
        ("The fee in (a) above is due.", [("The fee in (a) above is due.", None)]),
        ("As set out in Section 4.2(a) and 4.2(b), fees are due.",
         [("As set out in Section 4.2(a) and 4.2(b), fees are due.", None)]),
    ],
)  # fmt: skip
def test_list_items_split_with_lead_in(text: str, items: list[tuple[str, str | None]]):
    got = [(s.text, s.lead_in) for s in get_sentences(text, split_items=True)]
    assert got == items
    for s in get_sentences(text, split_items=True):
        if s.lead_in:
            assert s.lead_start is not None and text[s.lead_start :].startswith(s.lead_in)


# -- sections and clause references -----------------------------------------------------------------------

CONTRACT = """MASTER SERVICES AGREEMENT

ARTICLE IV
PAYMENT TERMS

4.1 Fees. The Client shall pay the fees in Exhibit B.
4.2 Reports. The Supplier shall:
(a) deliver a monthly report; and
(b) deliver an annual report, which shall include:
(i) revenue; and
(ii) costs.
The Supplier shall keep records.
4.3 Audit. As required by Section 4.2 hereof, the Client may audit.
Section 5.1 Term. This Agreement lasts 3 years.

EXHIBIT B
1. Fees. The fee is $100.
2. Expenses. Expenses are reimbursed.
3. Schedule. Payments are due:
(a) on signing; and
(b) on delivery.
"""


@pytest.mark.parametrize(
    "phrase, reference",
    [
        ("MASTER SERVICES", None),
        ("PAYMENT TERMS", "ARTICLE IV"),
        ("The Client shall pay the fees", "4.1"),
        ("monthly report", "4.2(a)"),
        ("annual report", "4.2(b)"),
        ("revenue", "4.2(b)(i)"),
        ("costs.", "4.2(b)(ii)"),
        ("the Client may audit", "4.3"),  # "Section 4.2 hereof" is a cross-reference, not a heading
        ("lasts 3 years", "Section 5.1"),
        ("The fee is $100", "EXHIBIT B, ¶1"),
        ("Expenses are reimbursed", "EXHIBIT B, ¶2"),
        ("on delivery", "EXHIBIT B, ¶3(b)"),
    ],
)
def test_clause_reference_at(phrase: str, reference: str | None):
    offset = CONTRACT.index(phrase)
    assert clause_reference_at(CONTRACT, offset) == reference
    found = section_at(get_sections(CONTRACT), offset)
    assert (found.reference if found else None) == reference


def test_sections_have_kinds_levels_headings_and_nested_ends():
    secs = get_sections(CONTRACT)
    by_ref = {s.reference: s for s in secs}
    art = by_ref["ARTICLE IV"]
    assert (art.kind, art.level, art.heading, art.label) == ("article", 0, "PAYMENT TERMS", "ARTICLE IV")
    assert (by_ref["4.2"].kind, by_ref["4.2"].level, by_ref["4.2"].heading) == ("section", 2, "Reports")
    assert (by_ref["4.2(b)"].kind, by_ref["4.2(b)"].label) == ("subclause", "(b)")
    assert by_ref["Section 5.1"].label == "Section 5.1"
    assert by_ref["EXHIBIT B"].kind == "exhibit"
    assert art.end == by_ref["EXHIBIT B"].start
    for s in secs:  # children end no later than their parents
        assert s.end is not None and s.start < s.end <= len(CONTRACT)
    assert by_ref["4.2(b)(ii)"].end <= by_ref["4.2(b)"].end <= by_ref["4.2"].end <= art.end
    assert "4.2 hereof" not in {s.label for s in secs}


@pytest.mark.parametrize(
    "text, references",
    [
        ("1. Definitions. Words.\n2. Term. Three years.\n", ["1", "2"]),
        ("SECTION 7\nINSURANCE\nThe Supplier shall insure.", ["SECTION 7"]),
        ("Section 12.3(b) Notices. Notices are in writing.", ["Section 12.3(b)"]),
        ("Schedule 1\nPrice List\nItem A costs $5.", ["Schedule 1"]),
        ("ANNEX A-1\nSpecifications", ["ANNEX A-1"]),
        ("The last page ends here.\fSCHEDULE 2\nFees\f3. Term. Three years.", ["SCHEDULE 2", "SCHEDULE 2, ¶3"]),
        ("See the fees in\fSchedule 2 attached.", []),  # a cross-reference split by a page break
        ("The fees are set out in\nSchedule A.\n1.5 Taxes. None.", ["1.5"]),  # wrapped cross-reference
        # inline headings (line breaks lost): after sentence punctuation or an upper-case heading word
        ("agree as follows: ARTICLE I DEFINITIONS Section 1.1 Defined Terms. (a) \"Affiliate\" means x.",
         ["ARTICLE I", "Section 1.1", "Section 1.1(a)"]),
        ("The Term ends. 2.3 Renewal Options. The Client may renew.", ["2.3"]),
        # hard negatives
        ("Exhibit 10.14\nSUPPLY AGREEMENT", []),  # a filing's exhibit number
        ("Item Qty\n7 Widgets\n9 Gadgets", []),  # table rows, not a numbering that starts at 1
        ("fees under\nSection 4.2 hereof are due.", []),  # a wrapped cross-reference
        ("within\n30 days after notice.", []),
        ("the rate is\n2.5% per annum.", []),
        ("pursuant to Section 4.2 Payment Terms. The fee is due.", []),  # cross-reference mid-sentence
        ("1.5 million units shall ship.", []),
    ],
)  # fmt: skip
def test_sections_found(text: str, references: list[str]):
    assert [s.reference for s in get_sections(text)] == references


@pytest.mark.parametrize(
    "markers, expected",
    [
        # "(i)" after "(h)" is a letter; after "(b)" it is a roman sub-item
        ("(g) x; (h) y; (i) z; (j) w.", ["(g)", "(h)", "(i)", "(j)"]),
        ("(a) x; (b) y: (i) z; (ii) w; (c) v.", ["(a)", "(b)", "(b)(i)", "(b)(ii)", "(c)"]),
        ("(hh) x; (ii) y; (jj) z.", ["(hh)", "(ii)", "(jj)"]),  # doubled letters, not roman two
        ("(u) x; (v) y.", ["(u)", "(v)"]),
        ("(iv) x; (v) y.", ["(iv)", "(v)"]),
        ("(A) x; (B) y: (1) z; (2) w.", ["(A)", "(B)", "(B)(1)", "(B)(2)"]),
    ],
)
def test_subclause_styles(markers: str, expected: list[str]):
    text = "7.1 Items. Terms: " + markers
    assert [s.reference for s in get_sections(text)][1:] == ["7.1" + e for e in expected]


def test_section_at_hand_built_list_falls_back_to_order():
    secs = [Section(0, "1", None), Section(10, "2", "Term")]
    assert section_at(secs, 5) is not None and section_at(secs, 5).reference == "1"
    assert section_at(secs, 15).reference == "2"
    assert section_at([], 3) is None
    assert clause_reference_at("No numbered clauses here at all.", 5) is None


# -- cross-references -------------------------------------------------------------------------------------


def test_clause_references_in_running_text():
    text = "Subject to Section 4.2(a), fees in Exhibit B and Schedule 1, see ¶3 and Article IV, not section headers."
    got = [(r.text, r.kind) for r in get_clause_references(text)]
    assert got == [
        ("Section 4.2(a)", "section"),
        ("Exhibit B", "exhibit"),
        ("Schedule 1", "exhibit"),
        ("¶3", "paragraph"),
        ("Article IV", "article"),
    ]
    assert all(text[r.start : r.end] == r.text for r in get_clause_references(text))


# -- defined terms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, terms",
    [
        ('This agreement ("Agreement") is made', ["Agreement"]),
        ('as of May 1, 2020 (the "Effective Date")', ["Effective Date"]),
        ("between Acme, Inc. (the “Company”) and", ["Company"]),
        ('Beta LLC (hereinafter "Distributor")', ["Distributor"]),
        ('Beta LLC (hereinafter referred to as the "Licensee")', ["Licensee"]),
        ('Beta LLC, hereinafter referred to as "Reseller", agrees', ["Reseller"]),
        ('(each a "Party" and together the "Parties")', ["Party", "Parties"]),
        ('Acme (collectively with its Affiliates, "Supplier")', ["Supplier"]),
        ('"Confidential Information" means any information', ["Confidential Information"]),
        ('"Net Sales" shall mean gross sales less returns', ["Net Sales"]),
        ('"Territory" has the meaning set out in Exhibit A', ["Territory"]),
        ('(a) "Affiliate": any entity controlling a Party', ["Affiliate"]),
        # hard negatives: quotes that are not definitions
        ('the notice (marked "Urgent" on the envelope) was sent', []),
        ('He wrote "Pay Now" on the invoice.', []),
        ('Products sold under the trademark "ACME" (see Exhibit C)', []),
        ('(the "unclear")', []),  # a definition names a capitalised term
    ],
)
def test_defined_terms(text: str, terms: list[str]):
    got = get_definitions(text)
    assert [d.term for d in got] == terms
    for d in got:
        assert text[d.start : d.end] == d.term
        assert d.def_start <= d.start < d.end <= d.def_end


def test_get_defined_terms_maps_term_to_its_definition():
    text = 'This Agreement ("Agreement") is between Acme (the "Company"). The "Company" shall pay.'
    terms = get_defined_terms(text)
    assert set(terms) == {"Agreement", "Company"}
    start, end = terms["Company"]
    assert text[start:end] == '(the "Company")'
