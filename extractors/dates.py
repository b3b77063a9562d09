"""Absolute calendar dates as written in contracts ("June 1, 2019", "the 1st day of June, 2019", "6/1/19").

`get_dates` yields every mention with its offsets; partial dates ("June 2019", "____, 2020") keep the parts
that were written and a ``value`` of None.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DateMention", "get_dates", "MONTHS"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: dt.date | None
    year: int | None = None
    month: int | None = None
    day: int | None = None


_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_PATTERNS = [
    # the 1st day of June, 2019 / 1st day of June 2019
    re.compile(rf"(?:the\s+)?{_DAY}\s+day\s+of\s+{_MONTH},?\s*(?:in\s+the\s+year\s+)?{_YEAR}", re.I),
    # June 1, 2019 / June 1st, 2019 / June 1 2019
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),
    # 1 June 2019 / 1st June, 2019
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),
    # 6/1/19, 06/01/2019, 6-1-2019
    re.compile(r"\b(?P<month>[01]?\d)[/.-](?P<day>[0-3]?\d)[/.-](?P<year>(?:19|20)?\d{2})\b"),
    # 2019-06-01
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    # partial: June 2019, June, 2019
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.I),
]


def _month_number(token: str) -> int:
    if token.isdigit():
        return int(token)
    return MONTHS[token.lower().rstrip(".")]


def _year_number(token: str) -> int:
    y = int(token)
    if len(token) == 2:
        y += 2000 if y < 50 else 1900
    return y


def get_dates(text: str) -> Iterator[DateMention]:
    """Yield date mentions in text order; overlapping patterns keep the longest match."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            gd = m.groupdict()
            try:
                month = _month_number(gd["month"])
                year = _year_number(gd["year"])
                day = int(gd["day"]) if gd.get("day") else None
            except (KeyError, ValueError):
                continue
            if not 1 <= month <= 12:
                continue
            value = None
            if day is not None:
                try:
                    value = dt.date(year, month, day)
                except ValueError:
                    continue
            taken.append((s, e))
            found.append(DateMention(s, e, m.group(0), value, year, month, day))
    yield from sorted(found, key=lambda d: d.start)
