"""Synthetic completion evidence: certificates of liability insurance (ACORD 25 style) and reports, as PDF or TXT.

Same generator style as the sample contracts (:mod:`extractors.samples.render`): reportlab with ``invariant=1``
(fixed creation date and document id), so the same spec gives byte-identical files. Every insurer, broker,
policy number and person here is invented; the layout imitates the public ACORD 25 form's sections (producer,
insurers A-F, coverages table with policy dates and limits, certificate holder, cancellation) without copying it.

Regenerate the fixture set (development data, not held out; the tests write their own copy to a temp folder)::

    .venv/bin/python -m extractors.samples.evidence --out /tmp/evidence-fixtures
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import MilestonesError

__all__ = ["PolicyLine", "Certificate", "Report", "render_certificate", "render_report", "sample_certificate",
           "write_fixtures", "main"]  # fmt: skip


@dataclass(frozen=True)
class PolicyLine:
    letter: str
    type_label: str  # as printed: "COMMERCIAL GENERAL LIABILITY", "AUTOMOBILE LIABILITY", …
    policy_number: str
    effective: dt.date
    expiration: dt.date
    limits: tuple[tuple[str, Decimal], ...]  # ("EACH OCCURRENCE", 1000000), ("GENERAL AGGREGATE", 2000000)


@dataclass(frozen=True)
class Certificate:
    issued: dt.date
    insured: str
    holder: str
    insurers: tuple[tuple[str, str, str], ...]  # (letter, name, NAIC number)
    policies: tuple[PolicyLine, ...]
    producer: str = "Bramble & Finch Insurance Brokers, 210 Harbor Row, Suite 4, Portland, ME 04101"
    certificate_number: str = "CL-0001"
    description: str = "Certificate holder is included as additional insured with respect to general liability."


@dataclass(frozen=True)
class Report:
    title: str
    prepared_by: str
    prepared_for: str
    issued: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    audit: bool = False
    body: tuple[str, ...] = field(default_factory=tuple)


def _mdy(d: dt.date) -> str:
    return d.strftime("%m/%d/%Y")


def _long(d: dt.date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def _money(v: Decimal) -> str:
    return f"${v:,.0f}"


def sample_certificate(
    insured: str,
    holder: str,
    effective: dt.date,
    expiration: dt.date,
    each_occurrence: Decimal = Decimal("1000000"),
    aggregate: Decimal = Decimal("2000000"),
    *,
    issued: dt.date | None = None,
    number: str = "0042",
) -> Certificate:
    """A certificate with general liability (the limits given), automobile, umbrella and workers' compensation."""
    year = effective.year
    gl = PolicyLine("A", "COMMERCIAL GENERAL LIABILITY", f"CGL-{number}-{year}", effective, expiration,
                    (("EACH OCCURRENCE", each_occurrence), ("DAMAGE TO RENTED PREMISES (Ea occurrence)", Decimal(100000)),
                     ("MED EXP (Any one person)", Decimal(10000)), ("GENERAL AGGREGATE", aggregate),
                     ("PRODUCTS - COMP/OP AGG", aggregate)))  # fmt: skip
    auto = PolicyLine("A", "AUTOMOBILE LIABILITY - ANY AUTO", f"BA-{number}-{year}", effective, expiration,
                      (("COMBINED SINGLE LIMIT (Ea accident)", Decimal(1000000)),))  # fmt: skip
    umb = PolicyLine("B", "UMBRELLA LIAB - OCCUR", f"UMB-{number}-{year}", effective, expiration,
                     (("EACH OCCURRENCE", Decimal(5000000)), ("AGGREGATE", Decimal(5000000))))  # fmt: skip
    wc = PolicyLine("C", "WORKERS COMPENSATION AND EMPLOYERS' LIABILITY", f"WC-{number}-{year}", effective, expiration,
                    (("E.L. EACH ACCIDENT", Decimal(1000000)), ("E.L. DISEASE - POLICY LIMIT", Decimal(1000000))))  # fmt: skip
    return Certificate(
        issued=issued or effective,
        insured=insured,
        holder=holder,
        insurers=(("A", "Harbor Mutual Insurance Company", "10234"), ("B", "Granite Shield Casualty Co.", "20871"),
                  ("C", "Lakeside Workers Indemnity Ltd.", "31566")),  # fmt: skip
        policies=(gl, auto, umb, wc),
        certificate_number=f"CL-{number}",
    )


_DISCLAIMER = ("THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE CERTIFICATE "
               "HOLDER. THIS CERTIFICATE DOES NOT AFFIRMATIVELY OR NEGATIVELY AMEND, EXTEND OR ALTER THE TERMS "
               "AFFORDED BY THE POLICIES BELOW.")  # fmt: skip
_CANCELLATION = ("SHOULD ANY OF THE ABOVE DESCRIBED POLICIES BE CANCELLED BEFORE THE EXPIRATION DATE THEREOF, NOTICE "
                 "WILL BE DELIVERED IN ACCORDANCE WITH THE POLICY PROVISIONS.")  # fmt: skip


def _certificate_lines(c: Certificate) -> list[str]:
    out = ["CERTIFICATE OF LIABILITY INSURANCE", f"DATE (MM/DD/YYYY): {_mdy(c.issued)}", "", _DISCLAIMER, "",
           f"PRODUCER: {c.producer}", f"INSURED: {c.insured}", ""]  # fmt: skip
    out += [f"INSURER {letter} : {name}, NAIC # {naic}" for letter, name, naic in c.insurers]
    out += ["", f"COVERAGES    CERTIFICATE NUMBER: {c.certificate_number}", ""]
    for p in c.policies:
        out.append(f"{p.letter} | {p.type_label} | {p.policy_number} | {_mdy(p.effective)} | {_mdy(p.expiration)}")
        out += [f"    {label} {_money(v)}" for label, v in p.limits]
    out += ["", f"DESCRIPTION OF OPERATIONS: {c.description}", "", f"CERTIFICATE HOLDER: {c.holder}", "",
            f"CANCELLATION: {_CANCELLATION}", "AUTHORIZED REPRESENTATIVE: M. Okafor"]  # fmt: skip
    return out


def _pdf_doc(title: str, author: str) -> tuple[io.BytesIO, object]:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=LETTER, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                            topMargin=0.6 * inch, bottomMargin=0.6 * inch, title=title, author=author,
                            creator="contract-milestones sample generator", producer="ReportLab", invariant=1)  # fmt: skip
    return buf, doc


def render_certificate(c: Certificate, fmt: str = "pdf") -> bytes:
    if fmt == "txt":
        return ("\n".join(_certificate_lines(c)) + "\n").encode("utf-8")
    if fmt != "pdf":
        raise MilestonesError(f"format {fmt!r}: write pdf or txt")
    try:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import inch
        from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
    except ImportError as exc:  # reportlab is a dev extra
        raise MilestonesError(f"cannot write a certificate: {exc.name} is not installed; `pip install -e '.[dev]'`") from exc
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=7.5, leading=9.5)
    bold = ParagraphStyle("bold", parent=small, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=14, leading=18)
    buf, doc = _pdf_doc("Certificate of liability insurance", c.producer)
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("FONTNAME", (0, 0), (-1, -1), "Helvetica"), ("FONTSIZE", (0, 0), (-1, -1), 7.5)])  # fmt: skip
    story: list = [
        Table([[Paragraph("CERTIFICATE OF LIABILITY INSURANCE", title),
                Paragraph(f"DATE (MM/DD/YYYY)<br/>{_mdy(c.issued)}", bold)]],  # fmt: skip
              colWidths=[5.6 * inch, 1.7 * inch], style=grid),
        Spacer(1, 4), Paragraph(escape(_DISCLAIMER), small), Spacer(1, 4),
        Table([[Paragraph(f"<b>PRODUCER</b><br/>{escape(c.producer)}", small),
                Paragraph("<b>INSURER(S) AFFORDING COVERAGE</b><br/>"
                          + "<br/>".join(f"INSURER {ltr} : {escape(n)}, NAIC # {naic}" for ltr, n, naic in c.insurers),
                          small)],
               [Paragraph(f"<b>INSURED</b><br/>{escape(c.insured)}", small), ""]],
              colWidths=[3.3 * inch, 4.0 * inch], style=grid),  # fmt: skip
        Spacer(1, 6),
        Paragraph(f"<b>COVERAGES</b> CERTIFICATE NUMBER: {escape(c.certificate_number)}", small),
    ]
    rows = [[Paragraph(f"<b>{h}</b>", small) for h in
             ("INSR LTR", "TYPE OF INSURANCE", "POLICY NUMBER", "POLICY EFF (MM/DD/YYYY)", "POLICY EXP (MM/DD/YYYY)",
              "LIMITS")]]  # fmt: skip
    for p in c.policies:
        limits = "<br/>".join(f"{escape(label)} {_money(v)}" for label, v in p.limits)
        rows.append([p.letter, Paragraph(escape(p.type_label), small), p.policy_number, _mdy(p.effective),
                     _mdy(p.expiration), Paragraph(limits, small)])  # fmt: skip
    story += [
        Table(rows, colWidths=[0.45 * inch, 1.75 * inch, 1.15 * inch, 0.85 * inch, 0.85 * inch, 2.25 * inch],
              style=grid, repeatRows=1),  # fmt: skip
        Spacer(1, 6),
        Paragraph(f"<b>DESCRIPTION OF OPERATIONS</b>: {escape(c.description)}", small), Spacer(1, 6),
        Table([[Paragraph(f"<b>CERTIFICATE HOLDER</b><br/>{escape(c.holder)}", small),
                Paragraph(f"<b>CANCELLATION</b><br/>{escape(_CANCELLATION)}<br/><br/>AUTHORIZED REPRESENTATIVE: "
                          "M. Okafor", small)]], colWidths=[3.3 * inch, 4.0 * inch], style=grid),  # fmt: skip
    ]
    doc.build(story)  # type: ignore[attr-defined]
    return buf.getvalue()


def _report_lines(r: Report) -> list[str]:
    out = [r.title, "", f"Prepared by: {r.prepared_by}", f"Prepared for: {r.prepared_for}"]
    if r.period_start and r.period_end:
        if r.audit:
            out.append(f"For the period from {_long(r.period_start)} to {_long(r.period_end)}")
        else:
            out.append(f"Period covered: {_long(r.period_start)} to {_long(r.period_end)}")
    out += [f"Date issued: {_long(r.issued)}", ""]
    out += list(r.body) or [
        "This report summarises the work performed, open items and the measures agreed for the next period.",
        "All figures are unaudited unless stated otherwise." if not r.audit else
        "In our opinion the supplier complied, in all material respects, with the requirements of the agreement.",
    ]
    return out


def render_report(r: Report, fmt: str = "pdf") -> bytes:
    lines = _report_lines(r)
    if fmt == "txt":
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt != "pdf":
        raise MilestonesError(f"format {fmt!r}: write pdf or txt")
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10.5, leading=13.5, spaceAfter=6)
    title = ParagraphStyle("title", parent=body, fontName="Times-Bold", fontSize=15, leading=19)
    buf, doc = _pdf_doc(r.title, r.prepared_by)
    story: list = [Paragraph(escape(lines[0]), title), Spacer(1, 6)]
    story += [Paragraph(escape(x), body) for x in lines[1:] if x]
    doc.build(story)  # type: ignore[attr-defined]
    return buf.getvalue()


# -- the fixture set the tests and the demo use --------------------------------------------------------------

INSURED = "Alder Creek Environmental LLC, 88 Quarry Lane, Bend, OR 97701"
HOLDER = "Northwind Traders, Inc., 400 Commerce Way, Wilmington, DE 19801"


def write_fixtures(out: Path, term_end: dt.date = dt.date(2027, 4, 23), as_of: dt.date = dt.date(2026, 12, 1)) -> dict[str, Path]:
    """One file per case, named for what it shows (term_end: the contract's term end the certificates are
    judged against; as_of: the scan date). Returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    start = dt.date(as_of.year, 5, 1) if as_of.month >= 5 else dt.date(as_of.year - 1, 5, 1)
    good = sample_certificate(INSURED, HOLDER, start, term_end + dt.timedelta(days=38), issued=start, number="0042")
    short = sample_certificate(INSURED, HOLDER, start, term_end - dt.timedelta(days=82), issued=start, number="0043")
    low = sample_certificate(INSURED, HOLDER, start, term_end + dt.timedelta(days=38), Decimal(500000),
                             Decimal(1000000), issued=start, number="0044")  # fmt: skip
    files = {
        "certificate_ok.pdf": render_certificate(good),
        "certificate_expires_early.pdf": render_certificate(short),
        "certificate_low_limit.pdf": render_certificate(low),
        "certificate_ok.txt": render_certificate(replace(good, certificate_number="CL-0042-T"), "txt"),
        "audit_report_2025.pdf": render_report(Report(
            "Independent Auditor's Report on Contract Compliance", "Marsh & Oyelaran LLP, Certified Public Accountants",
            "Northwind Traders, Inc.", dt.date(as_of.year, 3, 12), dt.date(as_of.year - 1, 1, 1),
            dt.date(as_of.year - 1, 12, 31), audit=True)),  # fmt: skip
        "status_report_q3.pdf": render_report(Report(
            "Quarterly Status Report", "Alder Creek Environmental LLC", "Northwind Traders, Inc.",
            dt.date(as_of.year, 10, 20), dt.date(as_of.year, 7, 1), dt.date(as_of.year, 9, 30))),  # fmt: skip
        # a PDF cut off after its header: unreadable, must be quarantined and kept
        "certificate_broken.pdf": render_certificate(good)[:300],
    }
    paths = {}
    for name, data in files.items():
        (out / name).write_bytes(data)
        paths[name] = out / name
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--term-end", type=dt.date.fromisoformat, default=dt.date(2027, 4, 23))
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 12, 1))
    args = ap.parse_args(argv)
    for name, path in write_fixtures(args.out, args.term_end, args.as_of).items():
        print(f"{name}\t{path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
