"""Completion evidence readers and judges (extractors.evidence).

Fixtures: synthetic certificates and reports written by extractors.samples.evidence into a temp folder (development
data, invented names and numbers); contract sentences are written here in the sample generator's phrasings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from extractors import evidence as ev
from extractors.errors import DocumentError
from extractors.text import load_document

D = dt.date
AS_OF = D(2026, 12, 1)
TERM_END = D(2027, 4, 23)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from extractors.samples.evidence import write_fixtures

    return write_fixtures(tmp_path_factory.mktemp("evidence"), TERM_END, AS_OF)


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Supplier shall maintain, at its own expense, commercial general liability insurance with limits of not less than "
     "$1,000,000.00 per occurrence and $2,000,000.00 in the aggregate, and workers' compensation insurance as required "
     "by law.", [("general_liability", Decimal("1000000"), Decimal("2000000")), ("workers_compensation", None, None)]),
    ("Contractor shall carry professional liability (errors and omissions) insurance of at least $5,000,000 per claim.",
     [("professional_liability", Decimal("5000000"), None)]),
    ("Vendor shall keep commercial general liability insurance with a minimum limit of $2 million each occurrence and "
     "automobile liability insurance with limits of not less than $1,000,000 combined single limit.",
     [("general_liability", Decimal("2000000"), None), ("auto_liability", Decimal("1000000"), None)]),
    # hard negatives: no minimum stated, or not about insurance
    ("Supplier shall give Company at least thirty (30) days' prior written notice of any cancellation of the required "
     "insurance.", []),
    ("Distributor shall purchase Products with an aggregate net invoice value of not less than $800,000.", []),
])  # fmt: skip
def test_insurance_requirements(sentence: str, expected: list[tuple[str, Decimal | None, Decimal | None]]) -> None:
    found = [(r.coverage, r.each_occurrence, r.aggregate) for r in ev.get_insurance_requirements(sentence)]
    assert found == expected


def test_requirements_from_a_sample_contract_pdf() -> None:
    root = Path(__file__).resolve().parents[2]
    doc = load_document(root / "extractors/samples/portfolio/msa-northwind-alder-creek-2024.pdf")
    gl = [r for r in ev.get_insurance_requirements(doc.text) if r.coverage == "general_liability"]
    assert [(r.each_occurrence, r.aggregate) for r in gl] == [(Decimal("1000000"), Decimal("2000000"))]
    assert "not less than" in doc.text[gl[0].start : gl[0].end]


@pytest.mark.parametrize("name", ["certificate_ok.pdf", "certificate_ok.txt"])
def test_certificate_facts(fixtures: dict[str, Path], name: str) -> None:
    doc = load_document(fixtures[name])
    assert ev.detect_kind(doc.text) == "insurance_certificate"
    policies = {p.coverage: p for p in ev.get_policies(doc.text)}
    assert set(policies) == {"general_liability", "auto_liability", "umbrella", "workers_compensation"}
    gl = policies["general_liability"]
    assert (gl.insurer, gl.policy_number) == ("Harbor Mutual Insurance Company", "CGL-0042-2026")
    assert (gl.each_occurrence, gl.aggregate) == (Decimal(1000000), Decimal(2000000))
    assert (gl.effective_date, gl.expiration_date) == (D(2026, 5, 1), TERM_END + dt.timedelta(days=38))
    assert policies["umbrella"].insurer == "Granite Shield Casualty Co."
    assert policies["umbrella"].each_occurrence == Decimal(5000000)
    assert ev.get_certificate_date(doc.text) == D(2026, 5, 1)


def _triple(r: ev.ReportFacts) -> tuple:
    return r.period_start, r.period_end, r.issued_date


def test_report_and_audit_facts(fixtures: dict[str, Path]) -> None:
    status = load_document(fixtures["status_report_q3.pdf"]).text
    assert ev.detect_kind(status) == "report"
    assert _triple(ev.get_report_facts(status)) == (D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 20))
    audit = load_document(fixtures["audit_report_2025.pdf"]).text
    assert ev.detect_kind(audit) == "audit_report"
    assert _triple(ev.get_report_facts(audit)) == (D(2025, 1, 1), D(2025, 12, 31), D(2026, 3, 12))


@pytest.mark.parametrize(("text", "expected"), [
    ("Independent auditor's report for the year ended December 31, 2025. Report date: March 2, 2026.",
     (D(2025, 1, 1), D(2025, 12, 31), D(2026, 3, 2))),
    ("Service report for the quarter ended September 30, 2026\nDated: October 5, 2026",
     (D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 5))),
    ("SLA performance report for the month of November 2026.", (D(2026, 11, 1), D(2026, 11, 30), None)),
    ("Meeting notes, nothing dated here.", (None, None, None)),
])  # fmt: skip
def test_report_facts_phrasings(text: str, expected: tuple) -> None:
    assert _triple(ev.get_report_facts(text)) == expected


def test_broken_certificate_is_a_document_error(fixtures: dict[str, Path]) -> None:
    with pytest.raises(DocumentError) as info:
        load_document(fixtures["certificate_broken.pdf"])
    assert info.value.reason


# -- judging (the done-when cases) ----------------------------------------------------------------------------

REQ = [ev.InsuranceRequirement(0, 10, "…", "general_liability", Decimal(1000000), Decimal(2000000))]


def _policies(fixtures: dict[str, Path], name: str) -> list[ev.Policy]:
    return ev.get_policies(load_document(fixtures[name]).text)


def test_sufficient_certificate_is_ok(fixtures: dict[str, Path]) -> None:
    a = ev.assess_insurance(_policies(fixtures, "certificate_ok.pdf"), REQ, AS_OF, TERM_END)
    assert (a.status, a.reasons) == ("evidence_ok", ())


def test_certificate_expiring_before_term_end_is_insufficient(fixtures: dict[str, Path]) -> None:
    a = ev.assess_insurance(_policies(fixtures, "certificate_expires_early.pdf"), REQ, AS_OF, TERM_END)
    assert a.status == "evidence_insufficient"
    assert a.reason == "general liability coverage expires 2027-01-31, before the contract term ends 2027-04-23"


def test_limit_below_contract_minimum_is_insufficient(fixtures: dict[str, Path]) -> None:
    a = ev.assess_insurance(_policies(fixtures, "certificate_low_limit.pdf"), REQ, AS_OF, TERM_END)
    assert a.status == "evidence_insufficient"
    assert a.reasons == ("general liability each-occurrence limit $500,000 is below the contract minimum $1,000,000",
                         "general liability aggregate limit $1,000,000 is below the contract minimum $2,000,000")


def test_insurance_edge_cases(fixtures: dict[str, Path]) -> None:
    ok = _policies(fixtures, "certificate_ok.pdf")
    # expired on the scan date, not yet in force, missing coverage, no certificate content
    assert "expired on 2027-05-31" in ev.assess_insurance(ok, REQ, D(2027, 6, 1), None).reason
    assert "not yet in force" in ev.assess_insurance(ok, REQ, D(2026, 4, 1), None).reason
    cyber = [ev.InsuranceRequirement(0, 1, "…", "cyber_liability", Decimal(3000000))]
    assert ev.assess_insurance(ok, cyber, AS_OF, TERM_END).reason == (
        "no cyber liability policy on the certificate; the contract requires one")
    assert ev.assess_insurance([], REQ, AS_OF, TERM_END).status == "evidence_insufficient"
    # no minimum stated: only dates count; perpetual contract (term end None): in force on as_of is enough
    assert ev.assess_insurance(ok, [], AS_OF, None).status == "evidence_ok"


@pytest.mark.parametrize(("due", "freq", "anniversary", "expected"), [
    (D(2027, 2, 14), "quarterly", None, [(D(2026, 7, 1), D(2026, 9, 30))]),
    (D(2026, 12, 5), "monthly", None, [(D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 11, 1), D(2026, 11, 30))]),
    (D(2027, 3, 31), "annually", None, [(D(2025, 1, 1), D(2025, 12, 31))]),
    (D(2027, 2, 6), "annually", D(2026, 1, 7), []),  # the first contract year has not ended by as_of
    (D(2027, 2, 6), "annually", D(2025, 1, 7), [(D(2025, 1, 7), D(2026, 1, 6))]),
    (None, "quarterly", None, []),
    (D(2027, 1, 1), None, None, []),
])  # fmt: skip
def test_required_report_periods(due: dt.date | None, freq: str | None, anniversary: dt.date | None,
                                 expected: list) -> None:  # fmt: skip
    assert ev.required_report_periods(due, freq, AS_OF, anniversary) == expected


def test_assess_report() -> None:
    q3 = [(D(2026, 7, 1), D(2026, 9, 30))]
    facts = ev.ReportFacts(D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 20))
    assert ev.assess_report(facts, q3, AS_OF).status == "evidence_ok"
    q2 = ev.ReportFacts(D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 20))
    a = ev.assess_report(q2, q3, AS_OF)
    assert a.status == "evidence_insufficient" and "must cover 2026-07-01 to 2026-09-30" in a.reason
    assert ev.assess_report(ev.ReportFacts(), q3, AS_OF).status == "evidence_insufficient"
    assert ev.assess_report(ev.ReportFacts(issued_date=D(2026, 11, 2)), [], AS_OF).status == "evidence_ok"
    assert ev.assess_report(ev.ReportFacts(), [], AS_OF).status == "evidence_insufficient"


@pytest.mark.parametrize(("expiration", "auto", "term", "perpetual", "expected"), [
    (D(2027, 4, 23), True, "P12M", False, D(2027, 4, 23)),
    (D(2026, 4, 23), True, "P12M", False, D(2027, 4, 23)),
    (D(2025, 1, 31), True, "P1Y", False, D(2027, 1, 31)),
    (D(2026, 4, 23), False, None, False, D(2026, 4, 23)),
    (None, True, "P12M", False, None),
    (D(2027, 4, 23), False, None, True, None),
])  # fmt: skip
def test_current_term_end(expiration: dt.date | None, auto: bool, term: str | None, perpetual: bool,
                          expected: dt.date | None) -> None:  # fmt: skip
    assert ev.current_term_end(expiration, AS_OF, auto_renewal=auto, renewal_term=term, is_perpetual=perpetual) == expected


def test_generator_is_reproducible(tmp_path: Path, fixtures: dict[str, Path]) -> None:
    from extractors.samples.evidence import write_fixtures

    again = write_fixtures(tmp_path, TERM_END, AS_OF)
    assert {n: p.read_bytes() for n, p in again.items()} == {n: p.read_bytes() for n, p in fixtures.items()}
