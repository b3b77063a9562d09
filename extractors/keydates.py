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

import bisect
import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .dates import DateMention, get_dates
from .durations import get_durations, iso_duration, parse_iso_duration
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
    try:
        for _ in range(5000):
            deadline = add_duration(end, n_amount, n_unit, sign=-1)
            if deadline >= as_of:
                return deadline
            if r is None or r[0] <= 0:
                return None
            end = add_duration(end, r[0], r[1])
    except (OverflowError, ValueError):  # past year 9999
        return None
    return None


# --- text helpers -----------------------------------------------------------------------------------
_FOOTER = re.compile(r"Source:[^\n]{0,200}?\d{1,2}/\d{1,2}/\d{4}")  # EDGAR filing stamps in CUAD texts
_SENT_END = re.compile(
    r"(?:[.;!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9(])(?!(?:19|20)\d\d\b)"
    # a blank line ends a sentence, unless a lower-case word carries it on (a page break mid-sentence: "for 12\n\n\nmonths, each")
    r"|\n\s*\n(?!\s*(?!(?:[ivx]+|[a-z])[.)])[a-z])|\f"
    r"|\n(?=[ \t]*(?:\d+(?:\.\d+)+\.?|\d{1,2}\.|\([a-z0-9]{1,3}\)|ARTICLE|Article|SECTION|Section\s+\d)\s)"  # a numbered line starts a clause
    r"|[ \t]{2,}(?=(?:\d+\.\d+(?:\.\d+)*\.?|ARTICLE|SECTION)\s))"  # the same in texts whose line breaks became spaces
)


@functools.lru_cache(maxsize=4)
def _boundaries(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of every sentence break in ``text``, found in one pass and reused by each lookup."""
    starts: list[int] = []
    ends: list[int] = []
    for m in _SENT_END.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
    return starts, ends


def _sentence(text: str, pos: int, end: int | None = None, limit: int = 700) -> tuple[int, int]:
    """Bounds of the sentence around text[pos:end], at most ``limit`` characters either side."""
    starts, ends = _boundaries(text)
    lo = max(0, pos - limit)
    i = bisect.bisect_right(ends, pos) - 1
    start = ends[i] if i >= 0 and ends[i] >= lo else lo
    stop = end or pos
    hi = min(len(text), stop + limit)
    j = bisect.bisect_left(starts, stop)
    return start, (starts[j] + 1 if j < len(starts) and starts[j] < hi else hi)


def _iter_windows(
    rx: re.Pattern[str], text: str, words: tuple[str, ...], before: int, after: int, low: str | None = None
) -> Iterator[re.Match[str]]:
    """``rx.finditer`` restricted to windows around keyword hits found with ``str.find``.

    Python's regex engine has no fast scan for patterns that start with an alternation; finding the
    keywords first and matching only near them is ~10x faster on a 50-page contract.
    """
    low = low if low is not None else text.lower()
    points: list[int] = []
    for w in words:
        i = low.find(w)
        while i != -1:
            points.append(i)
            i = low.find(w, i + 1)
    points.sort()
    lo = hi = -1
    last_end = -1
    for p in points + [len(text) + before + after + 2]:  # a sentinel that always flushes the last window
        start, end = max(0, p - before), p + after
        if start <= hi:
            hi = end
            continue
        if hi >= 0:
            for m in rx.finditer(text, max(lo, last_end), min(hi, len(text))):
                last_end = m.end()
                yield m
        lo, hi = start, end


def _keyword_sentences(ctx: _Ctx, words: tuple[str, ...], limit: int = 600) -> Iterator[tuple[int, int]]:
    """Each sentence holding one of ``words`` once, in text order (keywords found with ``str.find``)."""
    points: list[int] = []
    for w in words:
        i = ctx.low.find(w)
        while i != -1:
            points.append(i)
            i = ctx.low.find(w, i + 1)
    points.sort()
    last_end = -1
    for p in points:
        if p < last_end:
            continue
        s, e = _sentence(ctx.text, p, p + 1, limit=limit)
        last_end = max(e, p + 1)
        yield s, e


@dataclass(frozen=True)
class _Ctx:
    text: str
    dates: tuple[DateMention, ...]  # full dates outside filing stamps
    low: str = ""  # text.lower(), computed once for keyword scans

    def dates_in(self, lo: int, hi: int) -> list[DateMention]:
        return [d for d in self.dates if lo <= d.start and d.end <= hi]


# page furniture: EDGAR filing stamps ("Source: ACME CORP, 8-K, 1/20/2009") and "Page 3 of 36" on lines of their own,
# and typewriter underlines left between the words of joined lines
_FURNITURE = re.compile(
    r"(?m)^[ \t]*(?:Source:[^\n]{0,200}?\d{1,2}/\d{1,2}/\d{4}|Page\s+\d+\s+of\s+\d+)[ \t]*$"
    r"|(?<=[ \t])-{3,}(?=[ \t])"  # a typewriter underline ("---------") that landed mid-line when lines were joined
)


def _without_furniture(text: str) -> str:
    """``text`` with page furniture blanked (same length, offsets kept), so a clause broken by a page break
    reads as one sentence again ("for Thirty-six (36) <page 3 footer> months following …")."""
    return _FURNITURE.sub(lambda m: " " * len(m.group(0)), text)


def _context(text: str) -> _Ctx:
    text = _without_furniture(text)
    stamps = [(m.start(), m.end()) for m in _FOOTER.finditer(text)]
    dates = tuple(
        d
        for d in get_dates(text)
        if d.value is not None
        and not any(s <= d.start < e for s, e in stamps)
        and not (d.text[:1].isdigit() and _PAGE_NUMBER_BEFORE.search(text, max(0, d.start - 12), d.start))
    )
    return _Ctx(text, dates, text.lower())


# "Page 3   May 2004" in a running footer: the 3 numbers the page, it is not the day of a date
_PAGE_NUMBER_BEFORE = re.compile(r"\bpage\s*$", re.I)


# --- agreement date ---------------------------------------------------------------------------------
_FILLER = (
    r"(?:[\s,]+(?:and|&|effective|as\s+of|as|on|this|the|at|for\s+reference|dated|made|entered\s+into|executed|of|from"
    r"|in\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?))*"
)
_SIGNED_CUE = re.compile(
    rf"(?:\bdated|\bmade|\bentered\s+into|\bexecuted|\bsigned|\bconcluded|\bupdated|\bdate\s*:|\bdate\s+of\s*:?|\bdated\s*:){_FILLER}[\s,:]*$"
    r"|(?-i:\bDated?\b[ \t:]+(?:[A-Z][\w.]*,?[ \t]+){1,4})$",  # "Date Bogota D.C. January 30, 2012"
    re.I,
)
_SOFT_CUE = re.compile(rf"(?:\bas\s+of|\beffective){_FILLER}[\s,:]*$", re.I)
_OWN_DOC = re.compile(
    r"\b(?:this|these)\s+(?:[\w&'\".“”()-]+\s+){0,8}?(?:agreement|contract|amendment|addendum|lease|licen[cs]e|memorandum"
    r"|letter|deed|plan|order|terms|mou|charter|arrangement)|\bby\s+and\s+(?:between|among)|\bbetween\b",
    re.I,
)
_ALONE = re.compile(r"(?:^|\n|\S[ \t]{4,})[ \t]*$")  # own line, or a column of its own in a laid-out header
_TITLE = re.compile(r"\b(?:AGREEMENT|CONTRACT|AMENDMENT|ADDENDUM|LICEN[CS]E|LEASE|MEMORANDUM)\b[^a-z\n]{0,40}$")
_DOC_NOUN = (
    r"(?:agreements?|contracts?|plan|licen[cs]e|lease|letter|memorandum|note|indenture|amendment|order|terms|arrangement"
    r"|deed|charter|policy|statement|notice|addendum|mou|loi|document|schedule\s+13[dg](?:/a)?)"  # an SEC filing
)
# the nearest document named before a date, with its determiner: "this Agreement" is ours, "that certain
# Merger Agreement" or "the Development Agreement" is another one
_NAMED_DOC = re.compile(
    rf"\b(?P<det>this|these|that(?:\s+certain)?|the|an?|said|such|existing|original|prior|previous|underlying|its|their|our)\s+"
    rf"(?:(?!(?:this|these|the|that|an?|its|their|our)\b)[\w&'.,/-]+\s+){{0,7}}?{_DOC_NOUN}\b",
    re.I,
)
_NAMED_OTHER = re.compile(r"(?<!this\s)(?<!This\s)(?-i:\b[A-Z][a-z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,4}\s+(?:Agreement|Contract|License|Lease))\s*,?\s*$")
_DATE_VERB = re.compile(r"\b(?:dated|made|entered|executed|signed|effective|as\s+of|of)\b", re.I)


def _other_agreement(left: str) -> bool:
    """True when the date belongs to another document named just before it ("that certain … dated")."""
    last = None
    for found in _NAMED_DOC.finditer(left):
        last = found
    if last is None:
        return False
    det = last.group("det").lower()
    if det in ("this", "these"):
        return False
    tail = _TITLE_TAIL.match(left, last.end())  # "that Software License, Customization, and Maintenance Agreement"
    between = left[tail.end() if tail else last.end() :]
    return bool(_DATE_VERB.search(between)) and len(between) < 120 and not _STOP_IN_BETWEEN.search(between)


_TITLE_TAIL = re.compile(
    r"(?:,?\s+(?:and\s+|&\s+)?(?-i:[A-Z][\w-]*))*\s+(?-i:Agreement|AGREEMENT|Contract|License|Licence|Lease|Amendment)\b"
)
# a sentence stop between the named document and its date; abbreviations ("ref.", "No.", "N. A.") are not stops
# a colon that opens a list or a blank line ends the reference too ("the following terms are defined as follows:\n\n(a) …")
_STOP_IN_BETWEEN = re.compile(r"(?<!\bref)(?<!\bno)(?<!\bnr)(?<!\bart)(?<!\b[A-Z])[.;]\s+[A-Z]|:\s*\n|\n[ \t]*\n")


_PAGE_BEFORE = re.compile(r"\bpage\s*$", re.I)
_WITNESS = re.compile(r"IN\s+WITNESS\s+WHERE(?:OF|FORE)|THUS\s+DONE\s+AND\s+SIGNED|AGREED\s+AND\s+ACCEPTED|ACCEPTED\s+AND\s+AGREED", re.I)
_SIGNATURE_MARK = re.compile(
    r"[/\\]s[/\\]|\bBy\s*:|\bName\s*:|\bTitle\b|\bSignature\b|\bDated?\s*:|\bSIGNED\b"
    r"|\b(?:President|Director|Officer|Manager|CEO|CFO|Secretary|Partner)\b|\bDate\b"
)
_ANNEX_HEADING = re.compile(r"\n[ \t]*(?-i:APPENDIX|EXHIBIT|SCHEDULE|ANNEX|ATTACHMENT|Appendix|Exhibit|Schedule|Annex|Attachment)\b[ \t]*[\w.-]{0,6}[ \t]*\n")
_HEAD = 5000
_SIGNED_AT = re.compile(r"IN\s+WITNESS\s+WHERE(?:OF|FORE)|[/\\]s[/\\]\s*\w")
_PREAMBLE = re.compile(
    r"\bTHIS\s+(?:[\w&'\".“”()-]+\s+){0,8}?(?:AGREEMENT|CONTRACT|AMENDMENT)\b[^.]{0,300}?"
    r"(?:made|entered|dated|effective|executed)", re.I
)


def _cue_score(text: str, d: DateMention) -> int:
    """3: "made/dated/entered into … DATE"; 2: a date on a line of its own (title or letter date);
    1: "as of / effective DATE" in a sentence about this agreement; 0: no cue; -1: another agreement's date."""
    left = text[max(0, d.start - 90) : d.start]
    if _PAGE_BEFORE.search(left) or _other_agreement(text[max(0, d.start - 260) : d.start]):
        return -1
    if len(_SIGNATURE_MARK.findall(text, max(0, d.start - 120), d.start)) >= 2:
        return 0  # a signature-block date: the block's latest date is chosen later
    if re.search(r"(?:effective|commencement)\s+date\s*[:\-–]?\s*$", left, re.I):
        return 0  # "Effective Date: January 1, 2019" says when it starts, not when it was made
    if re.match(r"(?:this|the)\s", d.text, re.I) or _SIGNED_CUE.search(left):
        return 3
    if _ALONE.search(left) and re.match(r"[ \t]*(?:\n|$)", text[d.end : d.end + 5]):
        return 2
    if d.start < 600 and _TITLE.search(left):
        return 2
    if _SOFT_CUE.search(left):
        s, e = _sentence(text, d.start, d.end, limit=300)
        if _OWN_DOC.search(text, s, e):
            return 1
    return 0


def _signature_date(ctx: _Ctx) -> DateMention | None:
    """Latest date of the first signature block: dates with signing marks ("By:", "/s/", "Date:") around."""
    text = ctx.text
    block: list[DateMention] = []
    for d in ctx.dates:
        if block and d.start - block[0].start > 1500:
            break
        if block and _ANNEX_HEADING.search(text, block[-1].end, d.start):
            break  # an appendix or exhibit after the signatures has dates of its own
        around = text[max(0, d.start - 200) : d.end + 120]
        if len(_SIGNATURE_MARK.findall(around)) >= 2:
            block.append(d)
    if not block:
        return None
    return max(block, key=lambda d: (d.value, -d.start))


def _agreement_date(ctx: _Ctx) -> tuple[dt.date | None, str]:
    text = ctx.text

    def shown(d: DateMention) -> str:
        return text[max(0, d.start - 70) : d.end + 20]

    limit = _HEAD
    pre = _PREAMBLE.search(text, 0, 40000)
    if pre and pre.start() > _HEAD - 600:
        limit = pre.start() + 1000  # a table of contents pushes the preamble down
    signed = _SIGNED_AT.search(text, 0, limit)
    if signed is not None and signed.start() > 300:
        limit = signed.start()  # what follows the signatures (an appendix, an exhibit) does not date this agreement
    head = [d for d in ctx.dates if d.start < limit]
    scored = [(d, _cue_score(text, d)) for d in head]
    first = next((i for i, (_d, sc) in enumerate(scored) if sc > 0), None)
    if first is not None:
        p = scored[first][0].start
        window = [(d, sc) for d, sc in scored[first:] if d.start - p <= 400 and sc > 0]
        best = max(window, key=lambda x: (x[1], -x[0].start))[0]
        return best.value, shown(best)
    for m in _WITNESS.finditer(text):
        s, e = _sentence(text, m.start(), m.end(), limit=400)
        inside = ctx.dates_in(m.start(), e)
        if inside:
            return inside[0].value, shown(inside[0])
    sig = _signature_date(ctx)
    if sig is not None:
        return sig.value, shown(sig)
    return None, ""


# --- effective date ---------------------------------------------------------------------------------
_Q = r"[\"“”'`]"
_EFF_CUE = re.compile(
    # (the "Effective Date") / ("EffectiveDate") / ("Amendment Effective Date") after a date
    rf"(?P<label>\(\s*(?:the\s+|this\s+|an?\s+)?{_Q}{{0,2}}[^)]{{0,40}}?(?P<lw>effective|commencement)\s*date\s*{_Q}{{0,2}}\s*\))"
    # "Effective Date" means / shall mean / is
    rf"|(?P<define>{_Q}\s*(?:[\w-]+\s+)?(?P<dw>effective|commencement)\s+date\s*{_Q}\s*(?:of\s+this\s+agreement\s+)?"
    r"(?:shall\s+|will\s+)?(?:means?|is|be|refers?\s+to)"
    r"|\b(?:effective|commencement)\s+date\s+(?:of|for)\s+(?:this|the)\s+(?:agreement|contract)\s+(?:shall\s+be|will\s+be|is)\b)"
    # Effective Date: June 1, 2019 / COMMENCEMENT DATE FOR MAINTENANCE UNDER THIS ADDENDUM: MARCH 1, 2001
    r"|(?P<field>(?P<fw>effective|commencement)\s+dates?\s*(?:of\s+(?:this\s+)?agreement\s*)?[:\-–]"
    r"|(?-i:(?:EFFECTIVE|COMMENCEMENT)\s+DATES?\b[^:\n.a-z]{0,50}:)|effective\s+date\s+(?:of\s+)?(?=\w+\.?\s+\d))"
    # effective as of / made and effective / effective this 17th day
    r"|(?P<effective>\beffective(?:\s+for\s+all\s+purposes[^.]{0,40}?\s+as\s+of)?(?:\s+(?:as\s+(?:of|from)|on|from|upon))?)"
    # shall commence on / come into force / take effect / become effective on
    r"|(?P<start>\b(?:commenc\w*|begin\w*|c[oa]me?s?\s+into\s+(?:force|effect)|t[ao]ke?s?n?\s+effect|enter\w*\s+into\s+(?:force|effect)"
    r"|becom\w*\s+effective|be\s+effective|be\s+in\s+effect\s+beginning|start\w*)\b)",
    re.I,
)
_SIGNING = re.compile(
    r"\bdate[^.;()\d]{0,40}?\b(?:below|beneath|above|hereof|herein)\b"
    r"|(?<!effective\s)(?<!commencement\s)date\s+(?:of\s+this\s+(?:agreement|contract|amendment)"
    r"|(?:of\s+)?(?:its\s+|the\s+)?(?:actual\s+|full\s+)?(?:execution|signature|signing))"
    r"|upon\s+(?:the\s+)?(?:its\s+)?(?:full\s+)?(?:execution|signature|signing)|(?:is|are|been|be|has|have)\s+(?:duly\s+)?(?:signed|executed)"
    r"|\bsign\w*\s+(?:and\s+execute\s+)?this\b|\bexecute\w*\s+this\s+(?:agreement|contract)"
    r"|signed\s+by\s+(?:both|all|the|each)\s+part|execution\s+(?:of|by)\s+(?:this|both|all|the)"
    r"|\bsignatures?\b|last\s+(?:signed|executed)|later\s+of\s+the|signed\s+acceptance|\bsimultaneously\b",
    re.I,
)
_LATEST = re.compile(r"\blast\b|\blater\b|\blatest\b|most\s+recent|both\s+part|all\s+part|below|beneath", re.I)
_SUBJECT = re.compile(
    r"\b(?:agreement|contract|amendment|addendum|term|contract\s+period|license|licence|joint\s+venture)\b[^.;]{0,100}$"
    r"|(?<![\w,]\s)(?<![\w,])it\s+(?:shall|will)\s+(?:be\s+)?$",  # "It shall be effective on …" opening a sentence: the contract itself
    re.I,
)
_NOT_A_START = re.compile(
    r"\s*(?:unless|only|if|until|when\s+(?:made|given|received)|at\s+any|immediately|on\s+or\s+(?:after|before)"
    r"|upon\s+(?:receipt|delivery|notice|written|termination))",
    re.I,
)
_PERIOD_BEFORE = re.compile(
    r"(?:fiscal|calendar|financial|sales|accounting)\s+(?:year|quarter|month|period|cycle)s?[\s,]*(?:(?:which|that)\s+)?$", re.I
)  # "the Licensee's fiscal year which begins on April 1": a period's start, not the agreement's
_COUNTERPARTS = re.compile(r"counterpart", re.I)
_SIGNED_AND = re.compile(r"(?:signed|made|executed|dated|entered\s+into)\s+(?:and\s+)?$", re.I)
_DAY_AFTER = re.compile(r"day\s+(?:after|following)\s+(?:the\s+)?$", re.I)
_NOT_SIGNING = re.compile(r"\d|after|following|within|prior|unless|only\s+if|\bif\b", re.I)
_DEFERS = re.compile(
    r"has\s+the\s+meaning|as\s+defined|set\s+forth\s+in\s+(?:section|article|the\s+preamble)"
    r"|(?:set\s+(?:out|forth)|specified|stated)\s+in\s+(?:the\s+|an?\s+)?(?:addendum|schedule|exhibit|annex|appendix|order)",
    re.I,
)
# a cue about another period ("the Standstill Period" means the period commencing …; "during the period commencing …")
_FOREIGN_PERIOD = re.compile(
    r"(?:during\s+the\s+period|[\"“](?!(?:initial\s+)?term\b|contract\s+period)[^\"”]{1,40}[\"”]\s+(?:shall\s+)?means?\s+(?:the\s+|that\s+)?period)"
    r"\s*(?:of\s+time\s+)?$",
    re.I,
)
_COUNTED_FROM = re.compile(r"\b(?:from|after|following|before|prior\s+to|since|until|of)\s+(?:the\s+)?[\"“”']{0,2}(?:effective|commencement)", re.I)
_EFF_WORDS = ("effect", "commenc", "begin", "start", "force")


def _effective_date(ctx: _Ctx, agreement: dt.date | None) -> tuple[dt.date | None, str]:
    """Definitions win ("Effective Date" means …), then "effective as of DATE", then commencement clauses;
    a start tied to signing ("effective as of the date first written above") takes the agreement date,
    or the last signature date when the last signature counts. No effectiveness language → None."""
    text = ctx.text
    best: tuple[int, int, dt.date | None, str] | None = None  # (rank, position, value, evidence)

    def signing_value(window: str) -> dt.date | None:
        if _LATEST.search(window):
            latest = _signature_date(ctx)
            if latest is not None:
                return latest.value
        return agreement

    for m in _iter_windows(_EFF_CUE, text, _EFF_WORDS, 90, 60, ctx.low):
        kind = m.lastgroup or ""
        if kind in ("lw", "dw", "fw"):
            kind = {"lw": "label", "dw": "define", "fw": "field"}[kind]
        word = (m.group("lw") or m.group("dw") or m.group("fw") or "").lower()
        rank = {"label": 0, "define": 0, "field": 0, "effective": 1, "start": 2}[kind]
        if word == "commencement":
            rank = 1
        if best is not None and (rank > best[0] or (rank == best[0] and m.start() > best[1])):
            continue
        s, e = _sentence(text, m.start(), m.end(), limit=300)
        value: dt.date | None = None
        found = False
        if kind == "label":
            if _COUNTED_FROM.search(m.group("label")):
                continue  # "(6 Months from the Effective Date)" counts from the date, it does not name one
            before = ctx.dates_in(max(s, m.start() - 80), m.start())
            after_is = [d for d in ctx.dates if m.end() <= d.start < m.end() + 25]
            if before:
                value, found = before[-1].value, True
            elif after_is and re.match(r"\s*(?:is|shall\s+be|will\s+be)\b", text[m.end() : m.end() + 12]):
                value, found = after_is[0].value, True
            else:
                sig = _SIGNING.search(text, max(s, m.start() - 100), m.start())
                if sig is not None:
                    value = signing_value(text[sig.start() : m.start()])
                    if value is not None and re.search(r"day\s+(?:after|following)", text[max(s, sig.start() - 40) : sig.start()], re.I):
                        value += dt.timedelta(days=1)
                    found = value is not None
        else:
            gap = 90 if kind == "define" else 40 if kind == "field" else 25
            stop = m.end() + gap if kind == "define" else min(e, m.end() + gap)
            after = [d for d in ctx.dates if m.start() <= d.start < stop and d.end > m.end()]
            if kind == "define" and _DEFERS.search(text, m.end(), m.end() + 40):
                continue
            if after and kind != "define" and _other_agreement(text[max(0, after[0].start - 160) : after[0].start]):
                continue
            if after and kind == "effective" and m.start() > 1500 and _NAMED_OTHER.search(text, max(s, m.start() - 80), m.start()):
                continue  # "the McKesson Distribution Agreement effective April 20, 2010" in the body names another one
            if kind in ("effective", "start"):
                if _NOT_A_START.match(text, m.end()) or _PERIOD_BEFORE.search(text, max(s, m.start() - 40), m.start()):
                    continue
                if _FOREIGN_PERIOD.search(text, max(s, m.start() - 90), m.start()):
                    continue
                if _COUNTERPARTS.search(text, s, e):
                    continue
                if kind == "effective" and after and _SIGNED_AND.search(text, max(s, m.start() - 25), m.start()):
                    pass
                elif not _SUBJECT.search(text, max(s, m.start() - 160), m.start()):
                    if not (kind == "effective" and after and _OWN_DOC.search(text, s, m.start())):
                        continue
            if after:
                value, found = after[0].value, True
            else:
                reach = 160 if kind in ("define", "field") else 80
                sig = _SIGNING.search(text, m.end(), min(e, m.end() + reach))
                if sig is not None and kind == "field" and not re.match(r"\s*means", text[m.end() : m.end() + 10]):
                    sig = None
                if sig is not None and not _NOT_SIGNING.search(text, m.end(), sig.start()):
                    value = signing_value(text[m.start() : min(e, sig.end() + 60)])
                    found = value is not None  # signing date unknown: a later cue may still date it
                elif sig is not None and _DAY_AFTER.search(text, m.end(), sig.start()):
                    base = signing_value(text[m.start() : min(e, sig.end() + 60)])
                    value, found = (base + dt.timedelta(days=1) if base else None), True
                elif kind == "define" and re.search(r"[\"“”']|\bmeans?\b|refers?\s+to", m.group(0), re.I):
                    value, found = None, True  # defined by an event ("the date of the Closing"): no calendar date
                # an unquoted "the Effective Date of this Agreement is …" with no date after it is a mention, not a definition
        if found and (kind != "start" or value is not None):
            best = (rank, m.start(), value, text[max(s, m.start() - 60) : min(e, m.end() + 80)])
    if best is None:
        return None, ""
    return best[2], best[3]


# --- term, expiration -------------------------------------------------------------------------------
_TERM_SUBJECT = re.compile(
    r"\b(?:the\s+)?(?:initial\s+|original\s+|primary\s+|basic\s+)?term\s+of\s+(?:this|the)\s+(?:(?:[\w-]+\s+){0,3}?"
    r"(?:agreement|contract|licen[cs]e|lease|jsma|appointment|services?)|(?-i:[A-Z][\w-]+))"
    r"|\b(?:this|the)\s+(?:[\w-]+\s+){0,3}?(?:agreement|contract|amendment|addendum|jsma|venture)\s+"
    r"(?:\([^)]{0,40}\)\s+)?(?:[^.;]{0,60}?\b(?:shall|will|is|to|be)\s+(?:\w+\s+){0,2}?)?"
    r"(?:commenc|begin|continu|remain|expir|terminat|becom|tak\w*\s+effect|enter\w*\s+into|com\w*\s+into|effective"
    r"|be\s+(?:valid|effective|in\s+effect|for)|is\s+(?:valid|for)|run|end|appl|last|have\s+a\s+(?:duration|term))"
    r"|\b(?:the\s+)?(?:initial|original|primary)\s+term\b"
    r"|\bthe\s+(?:effective\s+)?[\"“]?term[\"”]?\s+(?:\([^)]{0,30}\)\s+)?(?:shall|will|is|commences|begins)"
    r"|[\"“]?\s*(?:initial\s+)?term\s*[\"”]?\s*(?:shall\s+mean|means)|\bcontract\s+period\b|(?-i:\b(?:TERM|Term)\s*:)"
    r"|\bit\s+(?:shall|will)\s+(?:[^.;]{0,60}?\band\s+(?:shall|will)\s+)?have\s+a\s+(?:duration|term)\s+of|(?-i:\bTERM\s+OF\s+[A-Z]+\b)"
    r"|\(\s*(?:the\s+)?[\"“]\s*(?:initial\s+)?term\s*[\"”]\s*\)|\bduration\s+of\s+this\b"
    r"|\bthis\s+(?:agreement|contract)\s+is\s+(?:valid|for\s+a\s+(?:term|period))|\bterm\s+of\s+(?:cooperation|the\s+license)"
    r"|\b(?:your|the\s+executive'?s?|the\s+consultant'?s?)\s+(?:employment|engagement|appointment)\b"
    r"|\bthis\s+(?-i:[A-Z]{2,6})\s+(?:shall|will)\b"
    r"|\b(?:expiration|termination|expiry|end)\s+date\s*:",
    re.I,
)
_TERM_WORDS = ("term", "expir", "perpetu", "indefinite", "commenc", "continu", "remain", "effect", "force", "valid", "period")
# a term clause says when it ends: a year, a duration, an anniversary, or that it never does
_END_SIGNALS = ("19", "20", "year", "month", "week", "day", "anniversar", "perpetu", "indefinite", "until", "terminat", "long as",
                "expir", "through")
_HEADING = re.compile(r"(?:^|\n|\.\s)\s*(?:\d+(?:\.\d+)*\.?|[A-Z]\.|\([a-z0-9]+\)|article\s+\w+\.?|section\s+[\d.]+\.?)?\s*"
                      r"(?:initial\s+)?term(?:\s+of\s+(?:the\s+)?agreement|\s+and\s+termination|\s+of\s+contract)?\s*[.:\-–]?\s*$", re.I)
_SURVIVAL = re.compile(
    r"during\s+the\s+(?:initial\s+)?term|after\s+(?:the\s+|its\s+|such\s+)?(?:termination|expiration|expiry)"
    r"|following\s+(?:the\s+|its\s+|any\s+)?(?:termination|expiration|expiry)|surviv|\band\s+for\s+(?:a\s+period\s+of\s+)?[^.]{0,40}thereafter",
    re.I,
)
_NOT_TERM_CLAUSE = re.compile(
    r"calendar\s+quarter|\bquarter\b[\"”]?\s+means|(?:contract|agreement|calendar)\s+year[\"”]?\s+(?:shall\s+)?means?|confidential"
    r"|royalty\s+term[\"”]?\s+(?:shall\s+)?means?|\bterm\s+sheet|[\"“](?!initial|term)[\w\s-]{2,40}\sterm[\"”]\s+(?:shall\s+)?means?"
    r"|\b(?:shall|will)\s+(?:automatically\s+)?terminate\s+(?:if|in\s+the\s+event|upon\s+(?:the\s+)?(?:occurrence|breach|default))"
    r"|^\W*(?:\(?\w{1,3}[.)]\s*)?(?:either|each|any|the)\s+(?:party|parties|[A-Z]\w+)\s+may\s+(?:immediately\s+)?terminat"
    r"|^\W*(?:\(?\w{1,3}[.)]\s*)?this\s+agreement\s+may\s+(?:be\s+)?terminat|following\s+the\s+term\b",
    re.I,
)
_RANGE_ONLY = re.compile(r"(?:to|[-–])(?:\s+the)?", re.I)  # "to" ends a term only after a start date ("from X to Y")
_YEAR_END = re.compile(r"(?:until|through|to)\s+the\s+end\s+of\s+(?:calendar\s+(?:year\s+)?|the\s+year\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
_RENEWAL_VERB = re.compile(
    r"\brenew|\bextension|(?:automatically|may|option\s+to|right\s+to)\s+(?:be\s+)?extend|\bprolong|\bextended\s+automatically"
    r"|\bextend\w*\s+(?:\w+\s+){0,4}?for\s+(?:an?\s+|one\s+)?(?:additional|further|successive|renewal|subsequent)",
    re.I,
)
_THEREAFTER = re.compile(r"\s*(?:\([^)]{0,20}\)\s*)?(?:thereafter|therefrom|from\s+(?:such|that)\s+date|hence)", re.I)
_AFTER_INITIAL = re.compile(
    r"^\W*(?:\(?\w{1,3}[.)]\s*)?(?:thereafter|after\s+(?:the\s+)?(?:expiration\s+of\s+the\s+)?(?:initial|original)\s+term"
    r"|following\s+the\s+(?:initial|original|expiration)|upon\s+(?:the\s+)?expiration|at\s+the\s+end\s+of\s+the\s+(?:initial|original))",
    re.I,
)
_TERM_OPENING = re.compile(
    r"\s*(?:\(?\w{1,3}[.)]\s*)?(?:this|the)\s+(?:[\w-]+\s+){0,3}?(?:agreement|term|contract)\b", re.I
)
_EVENT_START = re.compile(
    r"(?:commenc|begin|effective|start)\w*\s+(?:as\s+of\s+|on\s+|upon\s+|with\s+)?(?:the\s+|that\s+)?(?:date|day)\s+"
    r"(?:\([^)]*\)\s*)?(?:on\s+which|upon\s+which|when|that|the|of)\s+"
    r"(?!(?:this\b|execution|signature|signing|its\s+(?:execution|signature)|the\s+(?:last\s+)?(?:execution|signature)|the\s+parties"
    r"|it\s+is\s+(?:signed|executed)|(?:it|this\s+agreement)\s+has\s+been\s+(?:signed|executed)))",
    re.I,
)
_CONTRACT_YEAR_END = re.compile(
    r"end\s+of\s+(?:the\s+)?(?:(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|fifteenth|twentieth)"
    r"\s*(?:\(\s*\d+\w*\s*\)\s*)?(?:contract\s+|agreement\s+)?year|(?:contract\s+|agreement\s+)?year\s+(?P<num>\d+))\b",
    re.I,
)
_PERPETUAL = re.compile(
    r"perpetu|indefinite(?:ly|\s+(?:period|term|duration|time))|in\s+perpetuity"
    r"|until\s+(?:it\s+is\s+|this\s+agreement\s+is\s+|so\s+)?terminated|unless\s+and\s+until|until\s+termination"
    r"|until\s+(?:either|one|a|the)\s+(?:party|parties)\s+(?:terminates|gives|informs|provides|notifies|elects)"
    # ends on an event, not a date ("until the expiration of the Royalty Term", "through the completion of the services")
    r"|(?:until|through)\s+(?:the\s+)?(?:later\s+of\s+|earlier\s+of\s+)?(?:the\s+)?(?:expiration|termination|completion|end)\s+(?:or\s+(?:earlier\s+)?termination\s+)?of\b"
    r"(?!\s+(?:the\s+|this\s+|its\s+)?(?:initial\s+|then[\s-]current\s+|renewal\s+)?(?:term|agreement)\b)"
    r"|\bday\s+following\s+(?:a|the)\s+(?:written\s+)?notice|until\s+the\s+earlier\s+to\s+occur"
    r"|(?:end|expire|terminate)s?\s+(?:only\s+)?when\s+terminated|for\s+so\s+long\s+as|as\s+long\s+as"
    ,
    re.I,
)
_END_CUE = re.compile(
    r"(?:until|till|through|thru|(?:expir|terminat|end|conclud)\w*(?:\s+(?:on|at|as\s+of|upon))?"
    r"|\bto|including|[-–]|later\s+than|extended\s+to|expiration\s+date\s*:|termination\s+date\s*:|expiry\s+date\s*:|end\s+date\s*:)"
    r"\s*(?:the\s+)?(?:(?:later|earlier)\s+of\s+(?:\(?[a-z0-9]{1,3}\)\s*)?)?(?:the\s+)?$",
    re.I,
)
# a dated item in a list of alternatives for the end ("shall expire upon the later of: (a) … and (b) the last day in
# February, 2023"): the date the clause schedules the end for
_LIST_ITEM_BEFORE = re.compile(r"(?:\band|\bor|[,;])\s*\(\s*(?:[b-f]|ii|iii|iv|[2-6])\s*\)\s*(?:the\s+)?$", re.I)
_LATER_OF = re.compile(
    r"(?:expir|terminat|end|conclud|continu)\w*[^.;]{0,60}?\b(?:later|earlier|latest|earliest|first)\s+(?:of|to\s+occur)\b", re.I
)
_START_CUE = re.compile(
    r"(?:commenc\w*|begin\w*|start\w*|effective|from|as\s+of|term\s*:|period\s*:)\s*(?:on|as\s+of|with)?\s*(?:the\s+)?$", re.I
)
_ANCHOR = re.compile(
    r"\s*(?:period\s+|term\s+)?(?:\([^)]{0,30}\)\s*)?(?:from|after|following|of|commencing|beginning|starting|since)\s+(?:on\s+|with\s+|from\s+|as\s+of\s+)?(?:and\s+(?:after|including)\s+)?(?:the\s+)?"
    r"(?P<anchor>(?:date\s+of\s+(?:the\s+)?)?effective\s+date|commencement\s+date|execution\s+date"
    r"|date\s+(?:hereof|of\s+(?:this\s+|the\s+)?(?:agreement|execution|signature)"
    r"|first\s+(?:above\s+)?(?:written|set\s+forth|stated))|execution|signing|date\s+of\s+the\s+last\s+signature"
    r"|(?P<other>(?-i:[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3}\s+[Dd]ate)|first\s+\w+|launch|in-service|completion|delivery|installation"
    r"|acceptance|closing|[\w\s']{0,40}?(?:in-service|launch)|date\s+of\s+(?:such|any|each|that)\s+(?!execution|signing|signature)\w+"
    r"|date\s+(?:on\s+which\s+|that\s+|when\s+)?(?:the\s+|a\s+|an\s+)?(?!hereof|of\b|first\b)[\w\s'@-]{1,60}?\s+(?:becomes|is|has|are|was)\b))",
    re.I,
)
_ANNIVERSARY = re.compile(
    r"(?:(?:the\s+)?(?:day|date)\s+(?:immediately\s+)?(?:prior\s+to|before|preceding)\s+(?:the\s+)?)?"
    r"(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|fifteenth|twentieth|\d+\s*(?:st|nd|rd|th|t\s?h)?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty)"
    r"\s*(?:\(\s*\d+\s*(?:st|nd|rd|th|t\s?h)?\s*\)\s*)?[\s-]*(?:year\s+)?anniversary(?:\s+of\s+(?:the\s+)?|(?P<thereof>\s+thereof))",
    re.I,
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20, "one": 1, "two": 2, "three": 3, "four": 4,
             "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20}  # fmt: skip
_CAL_YEAR_END = re.compile(r"end\s+of\s+the\s+(?:then\s+)?(?:current\s+)?calendar\s+year(?:\s+in\s+which)?", re.I)
_TERM_DURATION_BEFORE = re.compile(
    r"(?:\bfor|\bof|\bbe|\bis|\bwithin|\buntil|\bto|\bin|\bterm\s*:|\bshall\s+(?:last|run)|\bremain\s+in\s+(?:full\s+)?(?:force|effect)\s+for"
    r"|\bcontinue\w*\s+(?:in\s+(?:full\s+)?(?:force\s+and\s+)?effect\s+)?for|\bvalid\s+for|\bperiod\s+of|\bterm\s+of|\bthe"
    r"|\bend|\bexpire\w*|\bterminate\w*)"
    r"(?:\s+(?:a|an|the|initial|further|fixed|primary|minimum|maximum|full|first|period|term|of|one|single|entire|whole))*\s*$",
    re.I,
)
_NOT_TERM_DURATION_AFTER = re.compile(r"\s*(?:'s?|’s?)?\s*(?:\(\s*\w+\s*\)\s*)?(?:prior|notice|before|in\s+advance|written|advance|cure|after\s+(?:receipt|notice|written|the\s+date\s+of\s+(?:notice|receipt)))", re.I)
_NOT_TERM_DURATION_BEFORE = re.compile(
    r"(?:upon|least|with|giving|than|within|and\s+for|notice\s+of|only|additional|successive|renewal|extension"
    r"|renew\w*(?:\s+\w+){0,6}?\s+for)\s*(?:a|an|the|period\s+of|further)?\s*$",
    re.I,
)
_RENEWAL_WORDS = re.compile(r"additional|successive|further|renewal|extension", re.I)


_MONTH_END_OF = re.compile(r"\blast\s+(?:calendar\s+)?day\s+of\s+the\s+(?:calendar\s+)?month\b(?:\s+in\s+which)?[^.;]*$", re.I)
_END_FIELD = re.compile(r"(?-i:Expiration|EXPIRATION|Expiry|EXPIRY|Termination|TERMINATION)\s+(?-i:Date|DATE)\s*:")


@dataclass(frozen=True)
class _Term:
    expiration: dt.date | str | None
    initial: str | None
    start: int
    end: int
    score: int = 0
    explicit: bool = False


def _iso_between(start: dt.date, end: dt.date) -> str | None:
    """"P3Y" when end is start + whole years/months (or the day before), else None."""
    for months in range(1, 12 * 50 + 1):
        d = _add_months(start, months)
        if d == end or d - dt.timedelta(days=1) == end:
            return iso_duration(months // 12, "years") if months % 12 == 0 else iso_duration(months, "months")
        if d > end:
            return None
    return None


def _anchor_date(m: re.Match[str] | None, ctx_dates: dict[str, Any]) -> tuple[bool, dt.date | None]:
    """(anchored, base): anchored False when no "from …" follows; base None when the anchor is an event."""
    if m is None:
        return False, None
    if m.group("other"):
        return True, None
    word = m.group("anchor").lower()
    if word.startswith("effective") or word.startswith("commencement"):
        if ctx_dates.get("effective_is_event"):
            return True, None  # "the Effective Date" is itself an event the text does not date
        return True, ctx_dates["effective"] or ctx_dates["agreement"]
    return True, ctx_dates["agreement"] or ctx_dates["effective"]


def _parse_term(ctx: _Ctx, s: int, e: int, effective: dt.date | None, agreement: dt.date | None) -> _Term | None:
    """When the initial term of one clause ends: an end date, else the first anniversary or duration counted
    from its start, else a contract year or calendar year end, else "perpetual" for open-ended terms."""
    text = ctx.text
    sent = text[s:e]
    dates = ctx.dates_in(s, e)
    anchors: dict[str, Any] = {"effective": effective, "agreement": agreement}
    start_date: dt.date | None = None
    for d in dates:
        left = text[max(s, d.start - 45) : d.start]
        if _START_CUE.search(left) and not _END_CUE.search(left):
            start_date = d.value
            break
    # 1. an end date ("until December 31, 2004"; "from June 1, 2019 to May 31, 2020")
    for d in dates:
        left = text[max(s, d.start - 45) : d.start]
        m = _END_CUE.search(left)
        if m is None and _LIST_ITEM_BEFORE.search(left) and _LATER_OF.search(text, s, d.start):
            m = _LIST_ITEM_BEFORE.search(left)  # "expire upon the later of: (a) the end of the season and (b) DATE"
        if d.value != start_date and m and (start_date is not None or not _RANGE_ONLY.fullmatch(m.group(0).strip())):
            base = start_date or effective or agreement
            initial = _iso_between(base, d.value) if base and d.value and d.value > base else None
            return _Term(d.value, initial, s, e, explicit=True)
    m = _YEAR_END.search(sent)
    if m:
        return _Term(dt.date(int(m.group("year")), 12, 31), None, s, e, explicit=True)
    base_default = start_date or effective or agreement
    if start_date is None and _EVENT_START.search(sent):
        base_default = None  # the term starts on an event ("the date on which the Company delivers …")
        if effective is None:
            anchors = {"effective": None, "agreement": agreement, "effective_is_event": True}
    # 2. an anniversary or a duration, whichever the clause states first
    specs: list[tuple[int, _Term]] = []
    m = _ANNIVERSARY.search(sent)
    if m:
        tok = m.group("ord").lower()
        n = _ORDINALS.get(tok) or int(re.sub(r"\D", "", tok) or 0)
        if m.group("thereof"):
            abase: dt.date | None = base_default
        else:
            anchored, abase = _anchor_date(_ANCHOR.match(" from " + sent[m.end() :]), anchors)
            abase = abase if anchored else None  # the anniversary of an event we cannot date
        if n:
            # "through the day prior to the second anniversary" is the same term as "two years from": both expire
            # on the anniversary under the same-calendar-day convention (CUAD's answers agree)
            exp = add_duration(abase, n, "years") if abase else None
            specs.append((m.start(), _Term(exp, iso_duration(n, "years"), s, e)))
    renewal_at = _RENEWAL_VERB.search(sent)
    for dm in get_durations(sent):
        if dm.unit not in ("years", "months", "weeks", "days", "quarters"):
            continue
        if renewal_at is not None and renewal_at.start() < dm.start:
            break  # periods after "renew"/"extend" are renewal periods
        if _NOT_TERM_DURATION_AFTER.match(sent, dm.end) or _NOT_TERM_DURATION_BEFORE.search(sent[max(0, dm.start - 50) : dm.start]):
            continue
        if _RENEWAL_WORDS.search(dm.text) or (dm.unit in ("weeks", "days") and dm.amount < 60):
            continue
        anchor = _ANCHOR.match(sent, dm.end)
        thereafter = _THEREAFTER.match(sent, dm.end)
        if not (anchor or thereafter or _TERM_DURATION_BEFORE.search(sent[max(0, dm.start - 60) : dm.start])):
            continue
        anchored, base = _anchor_date(anchor, anchors)
        if not anchored:
            base = base_default
        exp = add_duration(base, dm.amount, dm.unit) if base else None
        specs.append((dm.start, _Term(exp, iso_duration(dm.amount, dm.unit), s, e)))
        break
    if specs:
        at, t = min(specs, key=lambda x: x[0])
        if isinstance(t.expiration, dt.date) and _MONTH_END_OF.search(sent, max(0, at - 90), at):
            # "on the last day of the month fifteen (15) years from the Effective Date": that month's end
            last = calendar.monthrange(t.expiration.year, t.expiration.month)[1]
            t = _Term(t.expiration.replace(day=last), t.initial, s, e)
        return t
    # 3. the end of a numbered contract year ("until the end of Year 3")
    m = _CONTRACT_YEAR_END.search(sent)
    if m and base_default:
        n = _ORDINALS.get((m.group("ord") or "").lower()) or int(m.group("num") or 0)
        if n:
            return _Term(add_duration(base_default, n, "years"), iso_duration(n, "years"), s, e)
    # 4. the end of the current calendar year
    if _CAL_YEAR_END.search(sent) and base_default:
        return _Term(dt.date(base_default.year, 12, 31), None, s, e)
    # 5. no fixed end
    if _PERPETUAL.search(sent):
        return _Term("perpetual", None, s, e)
    return None


# a clause that opens with the term itself, after its clause number if any ("14.1 The term of this Agreement …")
_TERM_LEAD = re.compile(
    r"\s*(?:(?:\d+(?:\.\d+)*\.?|\(?[a-z0-9]{1,3}[.)])\s+)?(?:(?:the\s+)?(?:initial\s+)?term\b|this\s+(?:[\w-]+\s+){0,3}?agreement\s+(?:shall|will|is))",
    re.I,
)


def _term(ctx: _Ctx, effective: dt.date | None, agreement: dt.date | None) -> tuple[_Term | None, str]:
    """The initial term from the best term clause: one that names this agreement's term and says when it
    ends; a clause under a "Term" heading beats one elsewhere, survival clauses never count."""
    text = ctx.text
    best: _Term | None = None
    for s, e in _keyword_sentences(ctx, _TERM_WORDS):
        low = ctx.low[s:e]
        if not any(w in low for w in _END_SIGNALS):
            continue
        heading = bool(_HEADING.search(text, max(0, s - 80), s))
        m = _TERM_SUBJECT.search(text, s, e if heading else min(e, s + 260))
        if m is None:
            continue
        if _END_FIELD.match(text, m.start()):
            s = m.start()  # "… Expiration Date: at midnight on …" in a laid-out list of fields starts a clause of its own
        sent = text[s:e]
        if _NOT_TERM_CLAUSE.search(sent) or _AFTER_INITIAL.match(sent):
            continue
        if _SURVIVAL.search(sent) and not re.search(r"(?:commenc|begin|effective)", sent, re.I):
            continue
        if m.start() - s > 160 and not heading and not _TERM_OPENING.match(sent) and "initial term" not in m.group(0).lower():
            continue
        t = _parse_term(ctx, s, e, effective, agreement)
        if t is None:
            continue
        score = 2
        if heading:
            score += 3
        if _TERM_LEAD.match(sent):
            score += 1
        if t.expiration == "perpetual":
            score -= 1
        if t.explicit:
            score += 1
        if t.expiration is None:
            score -= 2  # a term counted from an undated event loses to any clause that dates the end
        if s > 0.85 * len(text):
            score -= 2
        t = _Term(t.expiration, t.initial, t.start, t.end, score, t.explicit)
        if best is None or t.score > best.score:
            best = t
    if best is None:
        return None, ""
    return best, text[best.start : best.end]


# --- renewal ----------------------------------------------------------------------------------------
_RENEW_WORDS = ("renew", "extend", "extension", "to year", "to-year", "to month", "to-month", "evergreen", "tacit",
                "thereafter", "indefinite", "prolong", "successor")  # fmt: skip
_RENEWAL_CUE = re.compile(
    r"automatic(?:ally)?\s+(?:be\s+)?(?:renew|extend|extension|continu)|(?:renewed|extended|prolonged)\s+automatically|automatic\s+[\w\s()-]{0,20}?(?:renewal|extension)s?\b|\brenew(?:al|ed|s|able|ing)?\b"
    r"|\b(?:shall|will|may)\s+(?:\w+\s+){0,2}?(?:be\s+)?extend|\bextension\s+(?:term|period)|\bextended\s+term"
    r"|(?:year|month)[\s-]+to[\s-]+(?:year|month)|\bevergreen|\btacit"
    r"|\bthereafter\b[^.;]{0,80}\bcontinu"
    r"|\bcontinu\w*\s+(?:in\s+(?:full\s+)?(?:force\s+and\s+effect|force|effect)\s+)?(?:(?:thereafter|indefinitely)\b|from\s+year)"
    r"|indefinitely\s+after|(?:successive|additional|subsequent|consecutive)\s+(?:[\w()-]+\s+){0,4}?(?:terms?|periods?)\b"
    r"|\bsuccessor\s+franchise\b",  # a franchise renews as a "successor franchise" for a further term
    re.I,
)
_NOT_RENEWAL = re.compile(
    r"insurance|polic(?:y|ies)|permit|certificat|registration|letter\s+of\s+credit|guarant|warrant(?:y|ies)\b|purchase\s+order"
    r"|\bcure\b|force\s+majeure|statute|time\s+for|extend\s+(?:the\s+)?(?:time|deadline|date)|license\s+(?:fee|key)"
    r"|exclusivity|non-?compet|confidential",
    re.I,
)
_NEVER_RENEWAL = re.compile(
    r"surviv|(?:contract|calendar|agreement)\s+(?:year|quarter)[\"”]?\s+(?:shall\s+)?means?|\bquarter[\"”]?\s+means|negotiat|solicit|\bcure\b"
    r"|mutual(?:ly)?\s+(?:written\s+)?agree|by\s+(?:the\s+)?(?:mutual|written)\s+(?:written\s+)?(?:agreement|consent)|consent\s+of\s+(?:both|all)"
    r"|if\s+(?:both|the)\s+parties\s+(?:so\s+)?agree|parties\s+may\s+agree"
    r"|^\W*(?:\(?\w{1,3}[.)]\s*)?upon\s+(?:the\s+)?(?:termination|expiration)\s+of\s+this\s+agreement\s*(?:,|in\s+accordance)"
    r"|[\"“](?!(?:initial|renewal|extension|extended|additional)\b)[^\"”]{1,40}[\"”]\s+(?:shall\s+)?means?\b",
    re.I,
)
_RENEW_PREDICATE = re.compile(
    r"(?:shall|will|may|to|automatically|be|is|are|been|and)[\s,]+(?:[\w]+[\s,]+){0,4}?(?:renew|extend|continu|prolong)"
    r"|renewal\s+(?:terms?|periods?)\s+(?:of|shall|will)|(?:year|month)[\s-]+to[\s-]+(?:year|month)|evergreen|tacit"
    r"|automatic\s+[\w\s()-]{0,20}?(?:renewal|extension)|renewed|extended|option\s+to\s+(?:renew|extend)|right\s+to\s+(?:renew|extend)"
    r"|right\s+to\s+(?:obtain|acquire|be\s+granted)\s+(?:a\s+)?successor\s+franchise\b",
    re.I,
)
_INITIAL_BEFORE = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|\d+)\s*(?:\(\d+\)\s*)?(?:years?|months?)\b"
    r"|initial\s+term|anniversary|contract\s+year|(?:19|20)\d\d"
    r"|^\W*(?:\(?\w{1,3}[.)]\s*)?(?:thereafter|after|following|upon|at\s+the\s+end)",
    re.I,
)
_BEYOND = re.compile(
    r"renew|additional|further|successive|another|subsequent|consecutive|thereafter|after\s+(?:the\s+)?(?:initial|expir|end)"
    r"|upon\s+(?:the\s+)?expir|(?:year|month)[\s-]+to[\s-]+(?:year|month)|evergreen|tacit|extension|indefinitely\s+after"
    r"|automatic|monthly|annual|yearly",
    re.I,
)
_AUTO_STRONG = re.compile(
    r"automatic|tacit|evergreen|year[\s-]+to[\s-]+year|month[\s-]+to[\s-]+month|non-?renewal|not\s+(?:to\s+)?(?:renew|extend)"
    r"|(?:intention|intent|desire|election)\s+(?:not\s+to|to\s+terminate)|deemed\s+(?:to\s+be\s+)?(?:renewed|extended)"
    r"|unless\s+(?:(?:either|a|one|the|such)\s+)?(?:party|parties|(?-i:[A-Z]\w+))\s+(?:shall\s+)?(?:gives?|provides?|notif|deliver|terminat|elect)"
    r"|unless\s+(?:(?:written\s+)?notice|terminated)|until\s+(?:terminated|either\s+party|one\s+party)|indefinitely|perpetu",
    re.I,
)
_OPTIONAL = re.compile(
    r"\boption\b|\bright\s+(?:to|of)\s+(?:renew|extend|renewal)|exercis|discretion|mutual|consent|\bmay\b|\bagree(?:s|d|ing)?\b"
    r"|\belects?\s+to|\brequest|renewable|negotiat|if\s+(?:both|the)\s+parties",
    re.I,
)
_WILL = re.compile(r"\b(?:shall|will)\s+(?:\w+\s+){0,2}?(?:be\s+)?(?:renew|extend|continu)", re.I)
_PERIOD_WORDS = [
    (re.compile(r"year[\s-]+to[\s-]+year|\bannual(?:ly)?\b|\byearly\b|(?:each|every)\s+year|one[\s-]year", re.I), "P1Y"),
    (re.compile(r"month[\s-]+to[\s-]+month|\bmonthly\b", re.I), "P1M"),
    (re.compile(r"half\s+a\s+year|six[\s-]month", re.I), "P6M"),
    (re.compile(r"\bquarterly\b", re.I), "P3M"),
]
_SAME_LENGTH = re.compile(r"(?:equal|like|same|similar|identical)\s+(?:length|duration|period|term)|same\s+duration", re.I)
_EVERGREEN = re.compile(
    r"(?:thereafter|after\s+that|indefinitely)[^.;]{0,120}?until\s+(?:terminated|either|one|a\s+party)"
    r"|continu\w*\s+(?:in\s+(?:full\s+)?(?:force\s+and\s+effect|force|effect)\s+)?(?:thereafter\s+)?(?:indefinitely|in\s+perpetuity)"
    r"|indefinitely\s+after|renew\w*\s+for\s+an\s+(?:unlimited|indefinite)\s+period|automatic\s+renewal\s+for\s+an\s+indefinite",
    re.I,
)
_NOTICE_AFTER = re.compile(
    r"\s*(?:'s?|’s?)?\s*(?:\(\s*[\w\s-]{1,20}\)\s*)?(?:calendar\s+|business\s+)?(?:prior|advance|written|notice|before|in\s+advance"
    r"|preceding|ahead|notification|in\s+writing)",
    re.I,
)
_NOTICE_BEFORE = re.compile(
    r"(?:least|than|minimum\s+of|upon|with|giving|provides?|providing|within(?:\s+a\s+period\s+of)?)\s*$", re.I
)
_NOTICE_CONTEXT = re.compile(
    r"renew|expir|end\s+of|anniversary|terminat|extend|extension|non-?renewal|then[\s-]current|initial\s+term|cancel", re.I
)
# a notice that stops the renewal, stated anywhere: "notice of non-renewal at least 90 days prior to the end of the term"
_STOP_RENEWAL = re.compile(
    r"non-?renewal|not\s+to\s+(?:renew|extend)|elect\w*\s+not\s+to|intention\s+not\s+to|(?:intent|intention|desire)\s+to\s+terminate"
    r"|(?:terminat|cancel)\w*[^.;]{0,100}?(?:at\s+the\s+)?(?:end|expiration|expiry)\s+of\s+(?:the\s+|its\s+|any\s+|such\s+)?"
    r"(?:then[\s-]current\s+|initial\s+|original\s+|renewal\s+)?(?:term|renewal|period)"
    r"|(?:following|after)\s+the\s+(?:initial|original)\s+term[^.;]{0,80}terminat",
    re.I,
)


@dataclass(frozen=True)
class _Renewal:
    term: str | None
    auto: bool
    notice: str | None
    start: int
    end: int
    score: int = 0


def _notice_in(text: str, s: int, e: int) -> str | None:
    sent = text[s:e]
    if not _NOTICE_CONTEXT.search(sent) or not re.search(r"notice|notif|notify|in\s+writing|advise", sent, re.I):
        return None
    for dm in get_durations(sent):
        if _NOTICE_AFTER.match(sent, dm.end) or _NOTICE_BEFORE.search(sent[max(0, dm.start - 25) : dm.start]):
            if dm.unit in ("days", "business_days", "weeks", "months", "years", "quarters"):
                return dm.iso()
    return None


_RENEW_VERB_AT = re.compile(r"renew|extend|extension|prolong", re.I)
_FOR_BEFORE = re.compile(r"(?:\bfor|terms?\s+of|periods?\s+of|basis\s+of|\bof|\beach)\s*(?:(?:a|an|the|one|\(\d+\)|additional|successive|further|subsequent|consecutive|renewal|extended|period|periods|term|terms|of)\s+)*$", re.I)
_CAP_BEFORE = re.compile(r"(?:up\s+to|maximum\s+of|total\s+of|aggregate|initial|original|first|primary|such|said)\s*(?:\w+\s+){0,2}(?:\(\w+\)\s*)?$", re.I)


_NON_RENEWAL = re.compile(r"non-?renewal|not\s+to\s+(?:renew|extend)|elect\w*\s+not\s+to\s+renew|intention\s+not\s+to\s+renew", re.I)
_BEFORE_END = re.compile(
    r"(?:prior\s+to|before|preceding|in\s+advance\s+of)\s+(?:the\s+)?(?:end|expiration|expiry|anniversary|renewal|then[\s-]current)", re.I
)


_SUBJECT_NP = re.compile(
    r"(?P<named>(?-i:(?:[A-Z][\w&'-]*\s+){1,4}(?:Agreement|Period|Term|Contract)s?))\b"
    r"|\bthis\s+(?:[\w-]+\s+){0,3}?(?:agreement|contract|term|jsma)\b"
    r"|\bthe\s+(?:agreement|contract|(?:initial\s+|renewal\s+|then[\s-]current\s+)?term)\b|\bit\b",
    re.I,
)
_OWN_NAMES = re.compile(r"(?:^|\s)(?:this|the|initial|renewal|extension|extended|original|then[\s-]current)\s", re.I)


def _foreign_subject(left: str, term_clause: str = "") -> bool:
    """True when the nearest thing named before a renewal verb is another agreement or period; a named term that
    the contract's own term clause starts ("The first (Initial) Maintenance Term shall commence …") is its own."""
    last = None
    for found in _SUBJECT_NP.finditer(left):
        last = found
    if last is None or not last.group("named"):
        return False
    named = " " + last.group("named")
    if _OWN_NAMES.search(named) or re.match(r"\s*(?:This|THIS)\b", named):
        return False
    name = last.group("named").strip()
    return not (term_clause and re.search(rf"\b(?:initial|original|first)\)?\s+{re.escape(name)}", term_clause, re.I))


def _foreign_notice(text: str, s: int, e: int) -> bool:
    """The non-renewal of an insurance policy, a permit or a guarantee is not this agreement's."""
    return bool(_NOT_RENEWAL.search(text, s, e)) and not re.search(r"this\s+agreement", text[s:e], re.I)


def _stop_renewal_notice(ctx: _Ctx, strict: bool = False) -> tuple[str | None, tuple[int, int] | None]:
    """A notice period for ending the term at its end, stated in a clause of its own; ``strict`` accepts
    only explicit non-renewal notices (for renewals that are not automatic)."""
    text = ctx.text
    for s, e in _keyword_sentences(ctx, ("non-renewal", "nonrenewal", "not to renew", "not to extend", "end of", "expiration of",
                                         "expiry of", "intention to terminate", "intent to terminate")):  # fmt: skip
        if _foreign_notice(text, s, e):
            continue
        if (_NON_RENEWAL.search(text, s, e) if strict else _STOP_RENEWAL.search(text, s, e)):
            notice = _notice_in(text, s, e)
            if notice is not None:
                return notice, (s, e)
    return None, None


def _renewal_period(sent: str, cue_at: int, initial: str | None) -> str | None:
    """The period a renewal adds: the first duration after a renewal verb ("renew for successive one (1)
    year terms"); notice periods, caps ("up to ten years") and the initial term are skipped."""
    verbs = [m.start() for m in _RENEW_VERB_AT.finditer(sent)]
    first_verb = min([cue_at] + verbs)
    best: tuple[int, str] | None = None
    tail = sent[first_verb:]
    worded = next((iso for rx, iso in _PERIOD_WORDS if rx.search(tail)), None)
    for dm in get_durations(sent):
        if dm.start < first_verb:
            continue
        if worded and dm.unit in ("days", "business_days"):
            continue
        if _NOTICE_AFTER.match(sent, dm.end) or _NOTICE_BEFORE.search(sent[max(0, dm.start - 25) : dm.start]):
            continue
        if _CAP_BEFORE.search(sent[max(0, dm.start - 25) : dm.start]):
            continue
        if re.match(r"\s*(?:prior|before|after|following|from|of\s+(?:receipt|the\s+date)|(?:immediately\s+)?preceding)\b", sent[dm.end : dm.end + 30], re.I):
            continue
        if not (dm.unit in ("years", "months", "weeks", "quarters") or (dm.unit == "days" and dm.amount >= 30)):
            continue
        rank = 0 if _FOR_BEFORE.search(sent[max(0, dm.start - 60) : dm.start]) else 1
        if best is None or rank < best[0]:
            best = (rank, dm.iso())
        if rank == 0:
            break
    if best is not None:
        return best[1]
    if worded:
        return worded
    if _SAME_LENGTH.search(sent) and initial:
        return initial
    return None


_CONTINGENT_EXTENSION = re.compile(
    r"\bif\b(?:(?!notice|notif|terminat|cancel|elect|renew|extend)[^;]){0,400}?,\s*then\s+the\s+(?:initial\s+)?term\b[^.;]{0,60}?"
    r"\bautomatically\s+(?:be\s+)?(?:extend|renew)",
    re.I,
)  # the condition is not the usual "if neither party gives notice": that is an ordinary automatic renewal
# the renewal period blacked out in the filing ("renew for additional successive [***] terms"): the contract renews
# by itself, for a period we cannot read
_REDACTED_PERIOD = re.compile(
    r"\bfor\s+(?:(?:a|an|one|additional|successive|further|subsequent|consecutive|renewal)\s+)*"
    r"(?:\[\s*\*+\s*\]|\*{3,}|\[\s*(?:redacted|omitted)\s*\]|\[\s*[•●_]*\s*\]|_{3,})",
    re.I,
)


def _renewal(ctx: _Ctx, term: _Term | None) -> tuple[_Renewal | None, str, str]:
    """The renewal clause: its period, whether it renews by itself, and the notice that stops it."""
    text = ctx.text
    best: _Renewal | None = None
    initial = term.initial if term else None
    for s, e in _keyword_sentences(ctx, _RENEW_WORDS):
        m = _RENEWAL_CUE.search(text, s, e)
        if m is None:
            continue
        sent = text[s:e]
        if not re.search(r"\b(?:agreement|term|contract|jsma|it|license|licence|franchise)\b", sent, re.I):
            continue
        if not _RENEW_PREDICATE.search(sent):
            continue
        never = _NEVER_RENEWAL.search(sent)
        if never and re.search(r"mutual|consent|agree", never.group(0), re.I):
            # the renewal itself needs both parties, unless it is automatic or only its price/terms are agreed
            about_terms = re.search(r"(?:terms|conditions|consideration|price|fees?|rates?|goals)[^.;]{0,40}$", sent[: never.start()], re.I)
            if re.search(r"automatic", sent, re.I) or about_terms:
                never = None
        if never:
            continue
        if _NOT_RENEWAL.search(sent) and not re.search(r"automatic|this\s+agreement", sent, re.I):
            continue
        ev = _EVERGREEN.search(sent)
        # "continues indefinitely" with no initial period first is an open-ended term, not a renewal
        evergreen = ev is not None and bool(_INITIAL_BEFORE.search(sent[: ev.start() + 12]))
        if not _BEYOND.search(sent):
            continue  # "shall extend for a period of fifty years" states the term itself
        pred = _RENEW_PREDICATE.search(sent)
        if pred is not None and _foreign_subject(sent[max(0, pred.start() - 300) : pred.end()], text[max(0, s - 600) : s]):
            continue  # "the Support Period shall automatically be extended": another period renews
        period = _renewal_period(sent, m.start() - s, initial)
        if evergreen and (period is None or period == initial):
            period = "perpetual"
        redacted = period is None and bool(_REDACTED_PERIOD.search(sent, m.start() - s))
        if period is None and not redacted:
            continue
        clause = sent[max(0, min(m.start() - s, pred.start() if pred else len(sent)) - 80) :]
        if _AUTO_STRONG.search(clause):
            auto = True
        elif _OPTIONAL.search(clause):
            auto = False
        else:
            auto = bool(_WILL.search(clause))
        if redacted and not auto:
            continue  # a blacked-out period only tells us something when the renewal happens by itself
        if _CONTINGENT_EXTENSION.search(sent):
            continue  # "if <condition>, then the Term shall automatically extend …": a contingency, not a renewal
        score = 2 + (2 if auto else 0) + (1 if _notice_in(text, s, e) else 0)
        if term is not None and 0 <= s - term.start <= 1500:
            score += 2
        if _NOT_RENEWAL.search(sent):
            score -= 2
        cand = _Renewal(period, auto, None, s, e, score)
        if best is None or cand.score > best.score:
            best = cand
    if best is None:
        return None, "", ""
    notice, notice_span = _renewal_notice(ctx, best)
    best = _Renewal(best.term, best.auto, notice, best.start, best.end, best.score)
    return best, text[best.start : best.end], text[notice_span[0] : notice_span[1]] if notice_span else ""


def _renewal_notice(ctx: _Ctx, r: _Renewal) -> tuple[str | None, tuple[int, int] | None]:
    """The notice that stops the renewal: in the renewal sentence, the next two sentences, or a non-renewal
    clause elsewhere. The notice that exercises an option to renew is not one (CUAD: "notice to terminate
    renewal")."""
    text = ctx.text
    ns, ne = r.start, r.end
    for i in range(3):
        # beside the renewal sentence, only a notice about the end of the term counts (not "terminate on 30 days' notice")
        # an option is exercised by notice; only a notice of non-renewal counts as one that stops a renewal
        if not r.auto:
            ok = bool(_NON_RENEWAL.search(text, ns, ne))
        else:
            ok = i == 0 or bool(_STOP_RENEWAL.search(text, ns, ne) or _BEFORE_END.search(text, ns, ne))
        if ok and i > 0 and _foreign_notice(text, ns, ne):
            ok = False
        if ok:
            notice = _notice_in(text, ns, ne)
            if notice is not None:
                return notice, (ns, ne)
        nxt = ne
        while nxt < len(text) and (text[nxt].isspace() or text[nxt] in ".;"):
            nxt += 1  # past the break, so the next sentence does not reach back over this one
        if nxt >= len(text):
            break
        ns, ne = _sentence(text, nxt, nxt + 1, limit=600)
    return _stop_renewal_notice(ctx, strict=not r.auto)


# --- public -----------------------------------------------------------------------------------------
def explain_key_dates(text: str, as_of: dt.date | None = None) -> tuple[KeyDates, dict[str, str]]:
    """Key dates and, per field, the text they were read from (for review screens and `milestones eval`)."""
    ctx = _context(text)
    evidence: dict[str, str] = {}
    agreement, evidence["agreement_date"] = _agreement_date(ctx)
    effective, evidence["effective_date"] = _effective_date(ctx, agreement)
    term, evidence["expiration_date"] = _term(ctx, effective, agreement)
    renewal, evidence["renewal_term"], evidence["renewal_notice_period"] = _renewal(ctx, term)
    evidence["auto_renewal"] = evidence["renewal_term"]
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
