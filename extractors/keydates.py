"""Key dates of a contract: agreement, effective and expiration dates, terms, renewal and notice.

Rules follow how contracts are drafted: the preamble dates the agreement ("made as of June 1, 2019"),
a definition or a commencement clause fixes the effective date, and the term clause gives the end of
the initial term as a date ("until December 31, 2004"), as a duration from the start ("for five (5)
years following the Effective Date"), or not at all ("until terminated" → perpetual). Renewal clauses
give the renewal period, whether it happens by itself, and the notice needed to stop it.

A term counted from a start date ends on the same calendar day N years/months later (2/10/2014 + 5 years
→ 2/10/2019): the convention CUAD's expert answers follow in most contracts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .dates import DateMention, get_dates
from .durations import DurationMention, get_durations, iso_duration, parse_iso_duration
from .schema import KeyDates

__all__ = ["get_key_dates", "explain_key_dates", "add_duration", "next_notice_deadline"]


# --- calendar arithmetic ----------------------------------------------------------------------------
def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_duration(d: dt.date, amount: int, unit: str, sign: int = 1) -> dt.date:
    """``d`` moved by a duration as written; months and years keep the day of month (clamped to month end)."""
    if unit == "years":
        return _add_months(d, sign * 12 * amount)
    if unit == "months":
        return _add_months(d, sign * amount)
    if unit == "quarters":
        return _add_months(d, sign * 3 * amount)
    if unit == "weeks":
        return d + dt.timedelta(days=sign * 7 * amount)
    if unit == "days":
        return d + dt.timedelta(days=sign * amount)
    if unit == "business_days":
        step, left = (1 if sign > 0 else -1), amount
        while left:
            d += dt.timedelta(days=step)
            if d.weekday() < 5:
                left -= 1
        return d
    raise ValueError(f"unknown unit {unit!r}")


def next_notice_deadline(
    expiration: dt.date | str | None,
    renewal_term: str | None,
    notice_period: str | None,
    as_of: dt.date | None,
) -> dt.date | None:
    """Last day to give notice before the next expiry/renewal date, the first such day on or after as_of.

    Rolls the expiry forward through renewal terms; None when any input is missing, when the contract
    is perpetual/evergreen, or when the term has ended and cannot renew.
    """
    if as_of is None or not isinstance(expiration, dt.date) or not notice_period:
        return None
    n_amount, n_unit = parse_iso_duration(notice_period)
    r: tuple[int, str] | None = None
    if renewal_term and renewal_term != "perpetual":
        r = parse_iso_duration(renewal_term)
    end = expiration
    for _ in range(1000):
        deadline = add_duration(end, n_amount, n_unit, sign=-1)
        if deadline >= as_of:
            return deadline
        if r is None:
            return None
        end = add_duration(end, r[0], r[1])
    return None


# --- text helpers -----------------------------------------------------------------------------------
_FOOTER = re.compile(r"Source:[^\n]{0,200}?\d{1,2}/\d{1,2}/\d{4}")  # EDGAR filing stamps in CUAD texts
_SENT_END = re.compile(r"(?:[.;!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9(])|\n\s*\n|\f)")


def _sentence(text: str, pos: int, end: int | None = None, limit: int = 700) -> tuple[int, int]:
    """Bounds of the sentence around text[pos:end], at most ``limit`` characters either side."""
    lo = max(0, pos - limit)
    start = lo
    for m in _SENT_END.finditer(text, lo, pos):
        start = m.end()
    hi = min(len(text), (end or pos) + limit)
    m2 = _SENT_END.search(text, end or pos, hi)
    return start, (m2.start() + 1 if m2 else hi)


@dataclass(frozen=True)
class _Ctx:
    text: str
    dates: tuple[DateMention, ...]  # full dates outside filing stamps

    def dates_in(self, lo: int, hi: int) -> list[DateMention]:
        return [d for d in self.dates if lo <= d.start and d.end <= hi]


def _context(text: str) -> _Ctx:
    stamps = [(m.start(), m.end()) for m in _FOOTER.finditer(text)]
    dates = tuple(
        d for d in get_dates(text) if d.value is not None and not any(s <= d.start < e for s, e in stamps)
    )
    return _Ctx(text, dates)


# --- agreement date ---------------------------------------------------------------------------------
_AGREEMENT_CUE = re.compile(
    r"(?:\bdated|\bmade|\bentered\s+into|\bexecuted|\beffective|\bsigned|\bconcluded|\bas\s+of|\bon"
    r"|\bdate\s*:|\bdated\s*:|\bthis|\bday\s+of)[^.;]{0,40}$",
    re.I,
)
_OTHER_AGREEMENT = re.compile(
    r"(?:that\s+certain|existing|original|prior|previous|underlying|pursuant\s+to|under\s+the|amended\s+and\s+restated)"
    r"[^.;]{0,120}(?:dated|of)\s+(?:as\s+of\s+)?$",
    re.I,
)
_HEAD = 4000


def _agreement_date(ctx: _Ctx) -> tuple[dt.date | None, str]:
    text = ctx.text
    head = [d for d in ctx.dates if d.start < _HEAD]
    for d in head:
        left = text[max(0, d.start - 80) : d.start]
        if _AGREEMENT_CUE.search(left) and not _OTHER_AGREEMENT.search(left):
            return d.value, text[max(0, d.start - 60) : d.end + 20]
    if head:
        d = head[0]
        return d.value, text[max(0, d.start - 60) : d.end + 20]
    return None, ""


# --- effective date ---------------------------------------------------------------------------------
_EFFECTIVE_DEF = re.compile(
    r"(?:\(\s*(?:the\s+|this\s+)?[\"“”']{0,2}\s*(?:effective|commencement|start)\s+date\s*[\"“”']{0,2}\s*\))"
    r"|(?:[\"“”']\s*(?:effective|commencement)\s+date\s*[\"“”']\s*(?:shall\s+)?(?:means?|is|shall\s+be))"
    r"|(?:effective\s+(?:as\s+of|on|from|date\s*:)|(?:shall\s+)?(?:commence|become\s+effective|be\s+effective)\s+(?:on|as\s+of|from))",
    re.I,
)


def _effective_date(ctx: _Ctx, agreement: dt.date | None) -> tuple[dt.date | None, str]:
    text = ctx.text
    for m in _EFFECTIVE_DEF.finditer(text, 0, min(len(text), 60000)):
        s, e = _sentence(text, m.start(), m.end(), limit=300)
        near = [d for d in ctx.dates_in(max(s, m.start() - 150), min(e, m.end() + 120))]
        if not near:
            continue
        # the date closest to the cue
        best = min(near, key=lambda d: min(abs(d.end - m.start()), abs(d.start - m.end())))
        return best.value, text[max(s, m.start() - 80) : min(e, m.end() + 80)]
    return agreement, "(agreement date)"


# --- term, expiration -------------------------------------------------------------------------------
_TERM_SENT = re.compile(
    r"\b(?:the\s+)?(?:initial\s+|original\s+)?term\s+(?:of\s+this\s+(?:agreement|contract)|shall|will|is|means|hereof)"
    r"|\bthis\s+(?:agreement|contract)\s+(?:shall|will|is\s+(?:to|for))\s+(?:\w+\s+){0,3}?"
    r"(?:commence|continue|remain|expire|terminate|be\s+(?:effective|valid|in\s+(?:full\s+)?(?:force|effect)|for))"
    r"|\binitial\s+term\b|\bterm\s*:",
    re.I,
)
_PERPETUAL = re.compile(
    r"perpetu|indefinite|until\s+(?:terminated|either\s+party\s+terminates|such\s+time\s+as\s+(?:it\s+is\s+)?terminated)"
    r"|unless\s+and\s+until\s+terminated",
    re.I,
)
_END_CUE = re.compile(
    r"(?:until|through|thru|expir\w*\s+(?:on|at)|terminat\w*\s+on|end\w*\s+(?:on|at)|conclude\w*\s+on|to|including|-|–)\s*$",
    re.I,
)
_START_CUE = re.compile(r"(?:commenc\w*|begin\w*|start\w*|effective|from|as\s+of)\s+(?:on\s+)?$", re.I)
_FROM_ANCHOR = re.compile(
    r"(?:from|after|following|of|commencing\s+on|beginning\s+on)\s+(?:and\s+after\s+)?(?:the\s+)?"
    r"(?P<anchor>effective\s+date|commencement\s+date|date\s+(?:hereof|of\s+this\s+agreement|first\s+(?:above\s+)?written|of\s+execution)|execution)",
    re.I,
)
_ANNIVERSARY = re.compile(
    r"(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)?)\s*(?:\(\s*\d+\s*(?:st|nd|rd|th)?\s*\)\s*)?"
    r"(?:year\s+)?anniversary",
    re.I,
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10}  # fmt: skip
_CAL_YEAR_END = re.compile(r"end\s+of\s+the\s+(?:then\s+)?current\s+calendar\s+year", re.I)


@dataclass(frozen=True)
class _Term:
    expiration: dt.date | str | None
    initial: str | None
    start: int
    end: int
    start_date: dt.date | None = None


def _parse_term(ctx: _Ctx, s: int, e: int, effective: dt.date | None) -> _Term | None:
    text = ctx.text
    sent = text[s:e]
    dates = ctx.dates_in(s, e)
    start_date: dt.date | None = None
    for d in dates:
        left = text[max(s, d.start - 30) : d.start]
        if _START_CUE.search(left):
            start_date = d.value
            break
    for d in dates:
        left = text[max(s, d.start - 25) : d.start]
        if _END_CUE.search(left) and d.value != start_date:
            return _Term(d.value, None, s, e, start_date)
    base = start_date or effective
    m = _ANNIVERSARY.search(sent)
    if m and base:
        tok = m.group("ord").lower()
        n = _ORDINALS.get(tok) or int(re.sub(r"\D", "", tok) or 0)
        if n:
            return _Term(add_duration(base, n, "years"), iso_duration(n, "years"), s, e, start_date)
    durs = [d for d in get_durations(sent) if d.unit in ("years", "months", "weeks", "days", "quarters")]
    # skip durations that are notice periods or cure periods
    durs = [
        d for d in durs
        if not re.search(r"notice|prior|advance|written|cure", sent[d.end : d.end + 30], re.I)
        and not re.search(r"(?:upon|least|with|giving|than)\s*$", sent[max(0, d.start - 20) : d.start], re.I)
    ]  # fmt: skip
    if _CAL_YEAR_END.search(sent) and base:
        return _Term(dt.date(base.year, 12, 31), None, s, e, start_date)
    if durs:
        d0 = durs[0]
        iso = iso_duration(d0.amount, d0.unit)
        exp = add_duration(base, d0.amount, d0.unit) if base else None
        return _Term(exp, iso, s, e, start_date)
    if _PERPETUAL.search(sent):
        return _Term("perpetual", None, s, e, start_date)
    return None


def _term(ctx: _Ctx, effective: dt.date | None) -> tuple[_Term | None, str]:
    text = ctx.text
    for m in _TERM_SENT.finditer(text):
        s, e = _sentence(text, m.start(), m.end())
        t = _parse_term(ctx, s, e, effective)
        if t is not None:
            return t, text[s:e]
    return None, ""


# --- renewal ----------------------------------------------------------------------------------------
_RENEW = re.compile(r"\b(?:renew|extend|extension|successive|continue\s+(?:thereafter|on\s+a)|year[\s-]+to[\s-]+year)", re.I)
_AUTO = re.compile(
    r"automatic|tacit|evergreen|year[\s-]+to[\s-]+year|month[\s-]+to[\s-]+month|non-?renewal|not\s+to\s+renew"
    r"|(?:intention|intent|desire)\s+not\s+to|unless\s+(?:either|a|one|the)\s+part(?:y|ies)\s+(?:gives?|provides?|notif)",
    re.I,
)
_OPTIONAL = re.compile(
    r"\boption\b|right\s+(?:to|of)\s+renew|exercise|discretion|mutual|consent\s+of\s+both|may\s+agree"
    r"|\bagree\b|written\s+agreement|by\s+amendment|renewable|\belects?\b|\bmay\b",
    re.I,
)
_NOTICE_BEFORE = re.compile(r"(?:prior|before|in\s+advance|preceding|notice|written)", re.I)


@dataclass(frozen=True)
class _Renewal:
    term: str | None
    auto: bool
    notice: str | None
    start: int
    end: int


def _renewal(ctx: _Ctx, term: _Term | None) -> tuple[_Renewal | None, str]:
    text = ctx.text
    for m in _RENEW.finditer(text):
        s, e = _sentence(text, m.start(), m.end())
        sent = text[s:e]
        if not re.search(r"\b(?:agreement|term|contract)\b", sent, re.I):
            continue
        durs = list(get_durations(sent))
        notice: DurationMention | None = None
        period: DurationMention | None = None
        for d in durs:
            after = sent[d.end : d.end + 40]
            before = sent[max(0, d.start - 30) : d.start]
            if _NOTICE_BEFORE.search(after) or re.search(r"(?:least|than|upon|with|giving)\s*$", before, re.I):
                notice = notice or d
            elif period is None and d.unit in ("years", "months", "weeks", "quarters"):
                period = d
        auto = bool(_AUTO.search(sent)) or not _OPTIONAL.search(sent)
        if period is None and not re.search(r"year[\s-]+to[\s-]+year|annual", sent, re.I):
            continue
        term_iso = iso_duration(period.amount, period.unit) if period else "P1Y"
        return _Renewal(term_iso, auto, notice.iso() if notice else None, s, e), sent
    return None, ""


# --- public -----------------------------------------------------------------------------------------
def explain_key_dates(text: str, as_of: dt.date | None = None) -> tuple[KeyDates, dict[str, str]]:
    """Key dates and, per field, the text they were read from (for review screens and `milestones eval`)."""
    ctx = _context(text)
    evidence: dict[str, str] = {}
    agreement, evidence["agreement_date"] = _agreement_date(ctx)
    effective, evidence["effective_date"] = _effective_date(ctx, agreement)
    term, evidence["expiration_date"] = _term(ctx, effective)
    renewal, evidence["renewal_term"] = _renewal(ctx, term)
    evidence["auto_renewal"] = evidence["renewal_notice_period"] = evidence["renewal_term"]
    expiration = term.expiration if term else None
    kd = KeyDates(
        agreement_date=agreement,
        effective_date=effective,
        expiration_date=expiration,
        initial_term=term.initial if term else None,
        renewal_term=renewal.term if renewal else None,
        auto_renewal=renewal.auto if renewal else None,
        renewal_notice_period=renewal.notice if renewal else None,
        next_renewal_notice_deadline=next_notice_deadline(
            expiration, renewal.term if renewal else None, renewal.notice if renewal else None, as_of
        ),
    )
    return kd, evidence


def get_key_dates(text: str, as_of: dt.date | None = None) -> KeyDates:
    """Key dates of one contract; ``as_of`` is the explicit reference date for the next notice deadline."""
    return explain_key_dates(text, as_of)[0]
