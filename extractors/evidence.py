"""Completion evidence: what an insurance certificate or a report says, and whether it meets the contract.

Three readers over text (from :func:`extractors.text.load_document`):

- :func:`get_insurance_requirements` — the contract's minimum coverage ("commercial general liability insurance
  with limits of not less than $1,000,000 per occurrence and $2,000,000 in the aggregate").
- :func:`get_policies` — the policies on a certificate of liability insurance (ACORD 25 style: insurer,
  policy number, coverage type, each-occurrence and aggregate limits, effective and expiration dates).
- :func:`get_report_facts` — the period a report or audit report covers and the date it was issued.

Two judges compare them with the obligation: :func:`assess_insurance` (every stated minimum met, coverage in
force on the reference date and until the contract's term end) and :func:`assess_report` (the report covers
the period of the latest occurrence that has fallen due). Values are kept as found (``Decimal`` money, dates);
"not found" is ``None``, never an exception. Nothing here reads the clock: the reference date is an argument.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .dates import get_dates

__all__ = [
    "READER_VERSION",
    "EVIDENCE_KINDS",
    "EVIDENCE_STATUSES",
    "EVIDENCE_TYPES",
    "COVERAGES",
    "InsuranceRequirement",
    "Policy",
    "ReportFacts",
    "Assessment",
    "detect_kind",
    "get_insurance_requirements",
    "get_policies",
    "get_certificate_date",
    "get_report_facts",
    "required_report_periods",
    "assess_insurance",
    "assess_report",
    "current_term_end",
    "to_jsonable",
]

# facts cached in the register are read again when this module changes (it is left out of EXTRACTOR_VERSION)
READER_VERSION = "evidence+" + hashlib.sha256(b"".join(
    (Path(__file__).parent / name).read_bytes() for name in ("evidence.py", "dates.py"))).hexdigest()[:10]
EVIDENCE_KINDS = ("insurance_certificate", "audit_report", "report")
EVIDENCE_STATUSES = ("evidence_ok", "evidence_insufficient", "evidence_missing")
# obligation type -> the kind of document that proves it (types without an entry expect no evidence)
EVIDENCE_TYPES = {"insurance": "insurance_certificate", "audit": "audit_report", "reporting": "report"}

# coverage code -> how contracts and certificates name it (first match wins, most specific first)
COVERAGES: dict[str, str] = {
    "umbrella": r"umbrella(?:\s+liab\w*)?|excess\s+liab\w*",
    "auto_liability": r"(?:commercial\s+)?auto(?:mobile)?\s+liab\w*|business\s+auto",
    "professional_liability": r"professional\s+liab\w*|errors\s+(?:and|&)\s+omissions|\bE\s?&\s?O\b",
    "cyber_liability": r"cyber(?:\s+liab\w*)?|network\s+security(?:\s+and\s+privacy)?(?:\s+liab\w*)?",
    "workers_compensation": r"workers['’]?\s+comp\w*",
    "general_liability": r"(?:commercial\s+)?general\s+liab\w*|\bCGL\b(?![-\d])",
    "property": r"property\s+insurance|full\s+replacement\s+value|loss\s+payee",
}
_COVERAGE_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in COVERAGES.items()), re.IGNORECASE)
_MONEY = re.compile(
    r"(?:\$|USD|US\$)\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+(?:\.\d+)?)(?:\s?(?P<mult>million|m\b|mm\b|k\b))?",
    re.IGNORECASE,
)
_EACH = re.compile(r"\b(?:per|each)\s+(?:occurrence|claim|accident|incident|loss)\b|combined\s+single\s+limit", re.I)
_AGG = re.compile(r"\baggregate\b", re.IGNORECASE)


def _money(m: re.Match[str]) -> Decimal | None:
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    mult = (m.group("mult") or "").lower()
    if mult in ("million", "m", "mm"):
        value *= 1_000_000
    elif mult == "k":
        value *= 1_000
    return value


def _coverage_of(m: re.Match[str]) -> str:
    return next(k for k, v in m.groupdict().items() if v)


@dataclass(frozen=True)
class InsuranceRequirement:
    """One minimum coverage the contract states; limits None when the clause names no amount."""

    start: int
    end: int
    text: str
    coverage: str
    each_occurrence: Decimal | None = None
    aggregate: Decimal | None = None
    currency: str = "USD"


def get_insurance_requirements(text: str) -> Iterator[InsuranceRequirement]:
    """Minimum coverages stated in a contract: each coverage named in a sentence about insurance, with the
    amounts that follow it (before the next coverage) read as per-occurrence or aggregate limits."""
    for sm in re.finditer(r"[^.]+(?:\.(?=\d)[^.]+)*\.?", text):
        sentence = sm.group(0)
        if not re.search(r"insur|coverage", sentence, re.I) or not re.search(r"not\s+less\s+than|at\s+least|minimum|"
                                                                               r"limits?\s+of", sentence, re.I):
            continue
        hits: list[re.Match[str]] = []
        for cm in _COVERAGE_RE.finditer(sentence):  # "professional liability (errors and omissions)" is one
            if hits and _coverage_of(hits[-1]) == _coverage_of(cm) and not _MONEY.search(sentence, hits[-1].end(), cm.start()):
                continue
            hits.append(cm)
        for i, cm in enumerate(hits):
            stop = hits[i + 1].start() if i + 1 < len(hits) else len(sentence)
            segment = sentence[cm.end() : stop]
            each: Decimal | None = None
            agg: Decimal | None = None
            for mm in _MONEY.finditer(segment):
                value = _money(mm)
                after = segment[mm.end() : mm.end() + 30]
                if _AGG.search(after) and agg is None:
                    agg = value
                elif each is None:
                    each = value
            start = sm.start() + cm.start()
            yield InsuranceRequirement(start, sm.start() + stop, text[start : sm.start() + stop].strip(),
                                       _coverage_of(cm), each, agg)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """One coverage line of a certificate."""

    start: int
    end: int
    text: str
    coverage: str
    insurer: str | None = None
    policy_number: str | None = None
    each_occurrence: Decimal | None = None
    aggregate: Decimal | None = None
    effective_date: dt.date | None = None
    expiration_date: dt.date | None = None


_INSURER = re.compile(r"INSURER\s*\(?S?\)?\s*(?P<letter>[A-F])\s*:\s*(?P<name>[^\n]+?)\s*(?:NAIC\s*#?\s*:?\s*\d*)?\s*$",
                      re.IGNORECASE | re.MULTILINE)  # fmt: skip
_POLICY_NO = re.compile(r"(?<![\w/-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z]{2})[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w/])")
_POLICY_LABEL = re.compile(r"policy\s*(?:number|no\.?|#)\s*:?\s*(?P<no>[A-Z0-9][A-Z0-9-]{3,})", re.IGNORECASE)
_SECTION_END = re.compile(r"DESCRIPTION\s+OF\s+OPERATIONS|CERTIFICATE\s+HOLDER|CANCELLATION", re.IGNORECASE)
_EACH_LABEL = re.compile(r"EACH\s+(?:OCCURRENCE|CLAIM|ACCIDENT)|PER\s+(?:OCCURRENCE|CLAIM)|COMBINED\s+SINGLE\s+LIMIT",
                         re.IGNORECASE)  # fmt: skip
_AGG_LABEL = re.compile(r"(?:GENERAL\s+)?AGGREGATE(?!\s+LIMIT\s+APPLIES)", re.IGNORECASE)


def _coverages_section(text: str) -> tuple[int, int]:
    head = re.search(r"\bCOVERAGES\b", text)
    start = head.end() if head else 0
    end_m = _SECTION_END.search(text, start)
    return start, end_m.start() if end_m else len(text)


def _labelled_amount(block: str, label: re.Pattern[str]) -> Decimal | None:
    for lm in label.finditer(block):
        mm = _MONEY.search(block, lm.end(), lm.end() + 40)
        if mm:
            return _money(mm)
    return None


def get_policies(text: str) -> list[Policy]:
    """Policies listed on a certificate of insurance, in the order printed.

    A policy is a coverage name inside the COVERAGES section and everything up to the next coverage name:
    there the policy number, the first two dates (effective, expiration) and the labelled limits are read."""
    insurers = {m.group("letter").upper(): m.group("name").strip(" :,") for m in _INSURER.finditer(text)}
    lo, hi = _coverages_section(text)
    hits = [m for m in _COVERAGE_RE.finditer(text, lo, hi) if m.lastgroup != "property"]
    # a coverage named again inside its own row ("GENERAL LIABILITY ... CLAIMS-MADE") is one policy
    out: list[Policy] = []
    for i, cm in enumerate(hits):
        stop = hits[i + 1].start() if i + 1 < len(hits) else hi
        block = text[cm.start() : stop]
        line_start = text.rfind("\n", lo, cm.start()) + 1
        prefix = text[line_start : cm.start()]
        letter_m = re.match(r"\s*([A-F])\b", prefix)
        dates = [d.value for d in get_dates(block) if d.value is not None]
        label = _POLICY_LABEL.search(block)
        number_m = label or _POLICY_NO.search(block)
        number = (label.group("no") if label else number_m.group(0)) if number_m else None
        if not dates and number is None and _MONEY.search(block) is None:
            continue  # a mention without a policy line (e.g. in a heading)
        insurer = insurers.get(letter_m.group(1)) if letter_m else None
        if insurer is None and len(insurers) == 1:
            insurer = next(iter(insurers.values()))
        out.append(Policy(
            cm.start(), stop, block.strip(), _coverage_of(cm), insurer, number,
            _labelled_amount(block, _EACH_LABEL), _labelled_amount(block, _AGG_LABEL),
            dates[0] if dates else None, dates[1] if len(dates) > 1 else None,
        ))  # fmt: skip
    return out


def get_certificate_date(text: str) -> dt.date | None:
    """The date the certificate was issued: the first date before its COVERAGES section."""
    lo, _ = _coverages_section(text)
    for d in get_dates(text[:lo] if lo else text[:600]):
        if d.value is not None:
            return d.value
    return None


@dataclass(frozen=True)
class ReportFacts:
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    issued_date: dt.date | None = None
    period_text: str | None = None


_ISSUED = re.compile(r"(?:date\s+issued|issued\s+(?:on|date)|issue\s+date|report\s+date|date\s+of\s+(?:this\s+)?"
                     r"report|dated)\s*:?\s*", re.IGNORECASE)  # fmt: skip
_PERIOD = re.compile(r"(?:period\s+covered|reporting\s+period|audit\s+period|period\s+of\s+(?:the\s+)?(?:report|audit)|"
                     r"for\s+the\s+period|covering\s+the\s+period)\s*:?\s*(?:from\s+)?", re.IGNORECASE)  # fmt: skip
_ENDED = re.compile(r"for\s+the\s+(?P<what>(?:fiscal\s+|calendar\s+)?year|quarter|month|six\s+months)\s+ended\s+",
                    re.IGNORECASE)  # fmt: skip
_MONTH_OF = re.compile(r"for\s+the\s+month\s+of\s+", re.IGNORECASE)


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _dates_after(text: str, pos: int, window: int = 90) -> list[dt.date]:
    return [d.value for d in get_dates(text[pos : pos + window]) if d.value is not None]


def get_report_facts(text: str) -> ReportFacts:
    """Period covered ("Period covered: July 1, 2026 to September 30, 2026", "for the year ended December 31,
    2026", "for the month of November 2026") and issue date ("Date issued: …", "Report date: …")."""
    issued = None
    for m in _ISSUED.finditer(text):
        found = _dates_after(text, m.end(), 40)
        if found:
            issued = found[0]
            break
    start = end = None
    ptext = None
    pm = _PERIOD.search(text)
    if pm:
        found = _dates_after(text, pm.end(), 90)
        if len(found) >= 2:
            start, end = found[0], found[1]
            ptext = text[pm.start() : pm.end() + 90].split("\n")[0].strip()
    if start is None:
        em = _ENDED.search(text)
        found = _dates_after(text, em.end(), 40) if em else []
        if em and found:
            end = found[0]
            months = {"quarter": 3, "month": 1, "six months": 6}.get(re.sub(r"\s+", " ", em.group("what").lower()), 12)
            start = _add_months(end, -months) + dt.timedelta(days=1)
            if end == _month_end(end.year, end.month):  # a period ending at month end starts on a 1st
                first = _add_months(dt.date(end.year, end.month, 1), 1 - months)
                start = first
            ptext = text[em.start() : em.end() + 40].split("\n")[0].strip()
    if start is None:
        mm = _MONTH_OF.search(text)
        if mm:
            part = re.match(r"(?P<mon>[A-Za-z]+)\s+(?P<y>\d{4})", text[mm.end() : mm.end() + 30])
            from .dates import MONTHS

            if part and part.group("mon").lower() in MONTHS:
                mo, y = MONTHS[part.group("mon").lower()], int(part.group("y"))
                start, end = dt.date(y, mo, 1), _month_end(y, mo)
                ptext = text[mm.start() : mm.end() + part.end()]
    return ReportFacts(start, end, issued, ptext)


def detect_kind(text: str) -> str:
    """insurance_certificate, audit_report or report, from the document's own words."""
    head = text[:4000]
    if re.search(r"certificate\s+of\s+(?:liability\s+)?insurance|ACORD", head, re.IGNORECASE):
        return "insurance_certificate"
    if re.search(r"audit(?:or['’]?s)?\s+report|independent\s+(?:certified\s+public\s+)?accountant|report\s+of\s+"
                 r"independent\s+auditor", head, re.IGNORECASE):  # fmt: skip
        return "audit_report"
    return "report"


# -- judging --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    status: str  # evidence_ok | evidence_insufficient
    reasons: tuple[str, ...] = ()
    checked: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _usd(v: Decimal) -> str:
    return f"${v:,.0f}" if v == v.to_integral_value() else f"${v:,.2f}"


_COVERAGE_NAMES = {
    "general_liability": "general liability", "auto_liability": "automobile liability", "umbrella": "umbrella",
    "professional_liability": "professional liability", "cyber_liability": "cyber liability",
    "workers_compensation": "workers' compensation", "property": "property",
}  # fmt: skip


def assess_insurance(
    policies: Sequence[Policy],
    requirements: Sequence[InsuranceRequirement],
    as_of: dt.date,
    required_through: dt.date | None,
) -> Assessment:
    """Each stated minimum is met by a policy of that coverage, and the policies relied on are in force on
    ``as_of`` and do not expire before ``required_through`` (the contract's current term end; None = perpetual
    or unknown, then only "in force on as_of" is checked)."""
    reasons: list[str] = []
    if not policies:
        return Assessment("evidence_insufficient", ("no policy found on the certificate (coverage type, policy "
                                                    "number, dates and limits); check it is a certificate of insurance",))
    relied: list[Policy] = []
    stated = [r for r in requirements if r.each_occurrence is not None or r.aggregate is not None]
    for req in stated:
        name = _COVERAGE_NAMES.get(req.coverage, req.coverage)
        same = [p for p in policies if p.coverage == req.coverage]
        if not same:
            reasons.append(f"no {name} policy on the certificate; the contract requires one")
            continue
        best = max(same, key=lambda p: (p.each_occurrence or 0, p.aggregate or 0))
        relied.append(best)
        for label, need, have in (("each-occurrence", req.each_occurrence, best.each_occurrence),
                                  ("aggregate", req.aggregate, best.aggregate)):  # fmt: skip
            if need is None:
                continue
            if have is None:
                reasons.append(f"{name} {label} limit not found on the certificate (contract minimum {_usd(need)})")
            elif have < need:
                reasons.append(f"{name} {label} limit {_usd(have)} is below the contract minimum {_usd(need)}")
    if not stated:
        wanted = {r.coverage for r in requirements}
        relied = [p for p in policies if p.coverage in wanted] or list(policies)
    for p in relied:
        name = _COVERAGE_NAMES.get(p.coverage, p.coverage)
        if p.expiration_date is None:
            reasons.append(f"{name} policy {p.policy_number or ''}: expiration date not found".replace("  ", " "))
            continue
        if p.effective_date is not None and p.effective_date > as_of:
            reasons.append(f"{name} coverage starts {p.effective_date}, after {as_of}: not yet in force")
        if p.expiration_date < as_of:
            reasons.append(f"{name} coverage expired on {p.expiration_date}")
        elif required_through is not None and p.expiration_date < required_through:
            reasons.append(f"{name} coverage expires {p.expiration_date}, before the contract term ends "
                           f"{required_through}")  # fmt: skip
    checked = {"required_through": required_through, "as_of": as_of,
               "requirements": [to_jsonable(asdict(r)) | {"text": r.text[:300]} for r in requirements],
               "policies_relied_on": [p.policy_number for p in relied]}  # fmt: skip
    return Assessment("evidence_insufficient" if reasons else "evidence_ok", tuple(dict.fromkeys(reasons)), checked)


def _period_before(d: dt.date, frequency: str, anniversary_of: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The latest whole period (calendar month/quarter/year, or contract year from ``anniversary_of``) ending
    before ``d``: the period an occurrence due on ``d`` reports on."""
    if anniversary_of is not None and frequency == "annually":
        k = d.year - anniversary_of.year + 1
        while k >= 1:
            start = _add_months(anniversary_of, 12 * (k - 1))
            end = _add_months(anniversary_of, 12 * k) - dt.timedelta(days=1)
            if end < d:
                return start, end
            k -= 1
        return None
    months = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}.get(frequency)
    if months is None:
        return None
    first = dt.date(d.year, ((d.month - 1) // months) * months + 1, 1)  # start of the period containing d
    start = _add_months(first, -months)
    return start, first - dt.timedelta(days=1)


def required_report_periods(
    due_date: dt.date | None, frequency: str | None, as_of: dt.date, anniversary_of: dt.date | None = None
) -> list[tuple[dt.date, dt.date]]:
    """Periods a report delivered by ``as_of`` may cover to prove a recurring duty: the period of the latest
    occurrence already due, and the next one when it has ended (a report sent early). Empty when unknown."""
    if due_date is None or not frequency:
        return []
    months = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}.get(frequency)
    if months is None:
        return []
    occ = due_date
    while occ > as_of:  # back to the latest occurrence on or before as_of
        occ = _add_months(occ, -months)
    out = []
    for d in (occ, _add_months(occ, months)):
        p = _period_before(d, frequency, anniversary_of)
        if p and p[1] < as_of and p not in out:
            out.append(p)
    return out


def assess_report(
    facts: ReportFacts, periods: Sequence[tuple[dt.date, dt.date]], as_of: dt.date, due_date: dt.date | None = None
) -> Assessment:
    """The report covers one of ``periods`` (see :func:`required_report_periods`). Without a known period the
    report needs only a readable period or issue date."""
    checked = {"as_of": as_of, "required_periods": [[a, b] for a, b in periods], "period_start": facts.period_start,
               "period_end": facts.period_end, "issued_date": facts.issued_date}  # fmt: skip
    if facts.issued_date is not None and facts.issued_date > as_of:
        return Assessment("evidence_insufficient", (f"report dated {facts.issued_date}, after {as_of}",), checked)
    if periods:
        if facts.period_start is None or facts.period_end is None:
            return Assessment("evidence_insufficient", ("the period the report covers was not found; the report "
                                                        f"must cover {periods[0][0]} to {periods[0][1]}",), checked)
        for a, b in periods:
            if facts.period_start <= a and facts.period_end >= b:
                return Assessment("evidence_ok", (), checked)
        return Assessment("evidence_insufficient", (
            f"the report covers {facts.period_start} to {facts.period_end}; the latest report due must cover "
            f"{periods[0][0]} to {periods[0][1]}",), checked)  # fmt: skip
    if facts.period_end is None and facts.issued_date is None:
        return Assessment("evidence_insufficient", ("neither the period covered nor the issue date was found",), checked)
    return Assessment("evidence_ok", (), checked)


# -- helpers ---------------------------------------------------------------------------------------------------

_ISO_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")


def current_term_end(
    expiration: dt.date | None, as_of: dt.date, *, auto_renewal: bool | None = None, renewal_term: str | None = None,
    is_perpetual: bool | None = None,
) -> dt.date | None:
    """The end of the term running on ``as_of``: the expiration date, rolled forward by whole renewal terms for
    a contract that renews automatically (same rule as dbt's int_contract_term_ends). None when perpetual or
    unknown."""
    if expiration is None or is_perpetual:
        return None
    m = _ISO_DURATION.match(renewal_term or "")
    if not auto_renewal or not m or not any(m.groups()):
        return expiration
    months = int(m.group("y") or 0) * 12 + int(m.group("m") or 0)
    days = int(m.group("w") or 0) * 7 + int(m.group("d") or 0)
    end, k = expiration, 0
    while end < as_of and k < 1000:
        k += 1
        end = _add_months(expiration, months * k) + dt.timedelta(days=days * k)
    return end


def to_jsonable(value: Any) -> Any:
    """Dates as ISO text and money as strings, for JSON columns."""
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
