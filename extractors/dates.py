"""Absolute calendar dates as written in contracts ("June 1, 2019", "the 1st day of June, 2019", "6/1/19").

`get_dates` yields every mention with its offsets. Partial dates ("June 2019", "June __, 2019",
"____, 2020", "[•], 2019") keep the parts that were written and have ``value`` None; text that only
refers to a date ("as of the date last signed below") is not a date mention.

Numeric dates are read month-first (US filings) unless the first number cannot be a month
("29/3/18"); dotted dates ("1.4.2011") are read day-first and need a four-digit year, so section
numbers such as "6.1.19" are never dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DateMention", "get_dates", "parse_date", "MONTHS", "ORDINAL_WORDS"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: dt.date | None  # None when a part is blank or missing ("June __, 2019", "____, 2020")
    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def partial(self) -> bool:
        return self.value is None


# --- building blocks ---------------------------------------------------------------------------------
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?"
)
# ordinal suffixes, including the OCR splits CUAD texts carry ("20t h day", "1 st")
_SUFFIX = r"(?:\s?(?:st|nd|rd|th|t\s?h|s\s?t|n\s?d|r\s?d)(?![a-z]))"
_DAY = rf"(?P<day>[0-3]?\d){_SUFFIX}?"
_ORD_WORD = (
    r"(?P<dayword>(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
    r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_ORD_FIGURES = rf"(?:\s*\(\s*[0-3]?\d{_SUFFIX}?\s*\))"  # "first (1st)"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"
_BLANK = r"(?:_{2,}|\[\s*[•●·*_\s]*\s*\]|\(\s*[•●·_\s]*\s*\)|[•●])"  # "____", "[•]", "[ ]", "( )"
_BLANK_YEAR = rf"(?P<year>(?:19|20)\d{{2}}|(?:19|20)\s*{_BLANK}|{_BLANK})(?!\d)"
_SEP = r"\s*,?\s*"  # "June 1, 2019", "June 1 , 2019", "June 1,2019", "June 1 2019"

_FULL = [
    # the 1st day of June, 2019 / this 15th day of March 2004 / 31  day of July 2019 / day of June in the year 2019
    # the first (1st) day of January, 1996 (a word ordinal with its figures in brackets)
    rf"(?:(?<![\w-])(?:the|this)\s+)?(?:(?<![\d.,/-]){_DAY}|(?<![\w-]){_ORD_WORD}{_ORD_FIGURES}?)\s+day\s+of\s+{_MONTH}(?:\.\s*|{_SEP})(?:in\s+the\s+year\s+(?:of\s+)?)?{_YEAR}",
    # June 1, 2019 / June 1st, 2019 / Dec. 31 , 2004 / March 18. 2021
    rf"\b{_MONTH}\s*{_DAY}(?:\.\s*|{_SEP}){_YEAR}",
    # 1 June 2019 / 1st of June, 2019 / 31st December, 2004
    rf"(?<![\d.,/-]){_DAY}\s*(?:of\s+)?{_MONTH}{_SEP}{_YEAR}",
    # the last day of February, 2023 / the last day in June 2019: that month's end
    rf"(?<![\w-])(?:the\s+)?(?P<last>last)\s+(?:calendar\s+)?day\s+(?:of|in)\s+(?:the\s+month\s+of\s+)?{_MONTH}{_SEP}{_YEAR}",
]
_NUMERIC = [
    # 6/1/19, 06/01/2019, 3-14-18 (month first unless the first number is > 12)
    r"(?<![\w./-])(?P<a>[0-3]?\d)(?P<sep>[/-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)?\d{2})(?![\w/-]|\.\d)",
    # 1.4.2011 (day first, four-digit year only)
    r"(?<![\w./-])(?P<a>[0-3]?\d)\.(?P<b>[0-3]?\d)\.(?P<y>(?:19|20)\d{2})(?![\w/-]|\.\d)",
    # 2019-06-01
    r"(?<![\w./-])(?P<y>(?:19|20)\d{2})-(?P<a>[01]\d)-(?P<b>[0-3]\d)(?![\w/-]|\.\d)",
]
_PARTIAL = [
    # ____ day of June, 2019 / [•] day of ______, 20__
    rf"(?<![\w-])(?:(?:the|this)\s+)?{_BLANK}\s*(?:day\s+)?(?:of\s+)?(?:{_MONTH}|{_BLANK}){_SEP}{_BLANK_YEAR}",
    # the 1st day of ______, 2019
    rf"(?<![\w-])(?:(?:the|this)\s+)?{_DAY}\s+day\s+of\s+{_BLANK}{_SEP}{_BLANK_YEAR}",
    # June __, 2019 / June [•], 2019 / June , 2019 / June   , 20__
    rf"\b{_MONTH}\s*(?:{_BLANK})?\s*,\s*{_BLANK_YEAR}",
    # ________, 2020 / [•], 2019 / [ ], 20[ ]
    rf"{_BLANK}\s*,\s*{_BLANK_YEAR}",
    # June 2019 / June, 2019 / June of 2019
    rf"\b{_MONTH}\s*,?\s*(?:of\s+)?{_YEAR}",
]

_FULL_RX = [re.compile(p, re.I) for p in _FULL]
_LAST_DAY = len(_FULL) - 1  # "the last day of June 2019": only tried where "last" is written
_SECTION_BEFORE = re.compile(r"(?:section|clause|article|paragraph|para|sections|§)s?\.?\s*$", re.I)
_NUMERIC_RX = [re.compile(p) for p in _NUMERIC]
_PARTIAL_RX = [re.compile(p, re.I) for p in _PARTIAL]
# every date mention holds a year, a numeric date or a blank; patterns run only in windows around these.
# Three anchors with a literal first character scan far faster than one alternation.
_YEAR_ANCHOR = re.compile(r"(?:19|20)\d\d")
_NUM_ANCHOR = re.compile(r"[/-]\d{1,2}[/-]\d\d")
_BLANK_ANCHOR = re.compile(r"[_•●\[]")
_BRACKET_BLANK = re.compile(r"\[\s*[•●·*_\s]*\s*\]")
_BEFORE, _AFTER = 80, 34


def _month_number(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def _year_number(token: str) -> int:
    y = int(token)
    if len(token) == 2:
        y += 2000 if y < 50 else 1900
    return y


def _day_number(gd: dict[str, str | None]) -> int | None:
    if gd.get("last") and gd.get("month") and gd.get("year"):
        return calendar.monthrange(_year_number(gd["year"]), _month_number(gd["month"]))[1]  # type: ignore[arg-type]
    if gd.get("day"):
        return int(gd["day"])  # type: ignore[arg-type]
    word = gd.get("dayword")
    if word:
        parts = re.split(r"[\s-]+", word.lower())
        if len(parts) == 2:
            return {"twenty": 20, "thirty": 30}[parts[0]] + ORDINAL_WORDS[parts[1]]
        return ORDINAL_WORDS[parts[0]]
    return None


def _lowercase_may(m: re.Match[str]) -> bool:
    """"may" in lower case is the verb ("the Company may 15 days …"), not the month."""
    month = m.groupdict().get("month")
    return month is not None and month.lower() == "may" and month == "may"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _anchors(text: str) -> list[int]:
    points = [m.start() for m in _YEAR_ANCHOR.finditer(text)]
    points += [m.start() for m in _NUM_ANCHOR.finditer(text)]
    for m in _BLANK_ANCHOR.finditer(text):
        i, ch = m.start(), m.group()
        if (ch == "_" and text[i + 1 : i + 2] == "_") or ch in "•●" or (ch == "[" and _BRACKET_BLANK.match(text, i)):
            points.append(i)
    points.sort()
    return points


def _gap_before(text: str, p: int, limit: int = 240) -> int:
    """Length of the whitespace run that ends at ``p`` (at most ``limit``)."""
    i = p
    while i > 0 and p - i < limit and text[i - 1].isspace():
        i -= 1
    return p - i


def _windows(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p in _anchors(text):
        # a year pushed far right by joined lines ("31 December,<80 spaces>1996") still sees its day and month
        lo, hi = max(0, p - _BEFORE - _gap_before(text, p)), p + _AFTER
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


_MONTH_PREFIXES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _candidates(text: str, lo: int, hi: int) -> Iterator[DateMention]:
    # cheap gates: most windows hold only a year, so skip the patterns that cannot match there
    window = text[lo:hi]
    low = window.lower()
    has_month = any(p in low for p in _MONTH_PREFIXES)
    has_blank = any(c in window for c in "_•●[(")
    full = [rx for i, rx in enumerate(_FULL_RX) if i != _LAST_DAY or "last" in low] if has_month else []
    for rx in full:
        for m in rx.finditer(text, lo, hi):
            if _lowercase_may(m):
                continue
            gd = m.groupdict()
            month, year, day = _month_number(gd["month"]), _year_number(gd["year"]), _day_number(gd)
            if day is None:
                continue
            value = _safe_date(year, month, day)
            if value is not None:
                yield DateMention(m.start(), m.end(), m.group(0), value, year, month, day)
    numeric = _NUMERIC_RX if ("/" in window or "-" in window or "." in window) else []
    for i, rx in enumerate(numeric):
        for m in rx.finditer(text, lo, hi):
            a, b, year = int(m.group("a")), int(m.group("b")), _year_number(m.group("y"))
            if i == 1:  # dotted: day first, unless it is a section number ("Section 2.1.2020")
                if _SECTION_BEFORE.search(text, max(0, m.start() - 14), m.start()):
                    continue
                month, day = b, a
            elif i == 2:
                month, day = a, b
            elif a > 12 >= b:  # 29/3/18
                month, day = b, a
            else:
                month, day = a, b
            value = _safe_date(year, month, day)
            if value is not None:
                yield DateMention(m.start(), m.end(), m.group(0), value, year, month, day)
    partial = [rx for i, rx in enumerate(_PARTIAL_RX) if (has_month if i in (2, 4) else has_blank)]
    for rx in partial:
        for m in rx.finditer(text, lo, hi):
            if _lowercase_may(m):
                continue
            gd = m.groupdict()
            ytoken = gd.get("year") or ""
            yield DateMention(
                m.start(), m.end(), m.group(0), None,
                int(ytoken) if ytoken.isdigit() and len(ytoken) == 4 else None,
                _month_number(gd["month"]) if gd.get("month") else None,
                _day_number(gd),
            )  # fmt: skip


def get_dates(text: str) -> Iterator[DateMention]:
    """Yield date mentions in text order; where candidates overlap, full dates beat partial ones, then longer."""
    cands = [c for lo, hi in _windows(text) for c in _candidates(text, lo, hi)]
    cands.sort(key=lambda d: (d.value is None, -(d.end - d.start), d.start))
    taken: list[tuple[int, int]] = []
    chosen: list[DateMention] = []
    for d in cands:
        if any(d.start < te and ts < d.end for ts, te in taken):
            continue
        taken.append((d.start, d.end))
        chosen.append(d)
    yield from sorted(chosen, key=lambda d: d.start)


def parse_date(text: str) -> dt.date | None:
    """The first full date in a short string, or None ("June 1, 2019" → 2019-06-01)."""
    for d in get_dates(text):
        if d.value is not None:
            return d.value
    return None
