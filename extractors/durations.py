"""Durations as written: "thirty (30) days", "one (1) year", "ten business days", "a period of two years".

Values are kept as found (amount + unit); converting a month to days is the resolver's job, never ours.
When words and digits disagree ("thirty (60) days") the digits win: they are what drafters check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DurationMention", "get_durations", "WORD_NUMBERS", "UNITS", "iso_duration", "parse_iso_duration", "word_number"]

WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
    "single": 1,
}  # fmt: skip

UNITS = {
    "day": "days", "calendar day": "days", "business day": "business_days", "working day": "business_days",
    "banking day": "business_days", "week": "weeks", "calendar week": "weeks", "month": "months",
    "calendar month": "months", "year": "years", "calendar year": "years", "contract year": "years",
    "quarter": "quarters", "calendar quarter": "quarters", "fiscal quarter": "quarters",
}  # fmt: skip

_ONES = r"one|two|three|four|five|six|seven|eight|nine"
_TEENS = r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = r"twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety"
_UNDER_100 = rf"(?:(?:{_TENS})(?:[\s-]+(?:{_ONES})(?![a-z]))?|{_TEENS}|{_ONES})"
_WORD = rf"(?:(?:{_ONES})\s+hundred(?:\s+(?:and\s+)?{_UNDER_100})?|{_UNDER_100}|a|an|single)"
_FILLER = r"(?:(?:full|consecutive|additional|successive|complete|entire|further|more)\s+)?"
_UNIT = r"(?P<unit>(?:(?:calendar|business|working|banking|contract|fiscal)\s+)?(?:days?|weeks?|months?|years?|quarters?))"
_PATTERN = re.compile(
    r"(?<![\w$€£.,-])(?:"
    rf"(?P<word>{_WORD})(?![a-z])\s*(?:\(\s*(?P<paren>[\dIl]{{1,4}})\s*\))?"  # thirty (30) / one (I)
    r"|\(\s*(?P<bare>\d{1,4})\s*\)"  # (30) days
    r"|(?P<digits>\d{1,4})(?:\s*\(\s*[a-z][a-z\s-]*\))?"  # 30 (thirty) days
    r")"
    rf"(?:\s+|\s*-\s*|(?<=\))){_FILLER}{_UNIT}(?![a-z])"
    r"(?:\s*\(\s*(?P<after>\d{1,4})\s*\))?",  # two years (2)
    re.I,
)
_UNIT_ANCHOR = re.compile(r"(?:day|week|month|year|quarter)", re.I)
_BEFORE, _AFTER = 72, 16
# "once a year", "24 hours a day", "per a month" describe frequency, not a period
_HALF_BEFORE = re.compile(r"\bhalf\s+$", re.I)
_FREQUENCY_BEFORE = re.compile(r"(?:once|twice|times|hours|per|each|every)\s*$", re.I)


@dataclass(frozen=True)
class DurationMention:
    start: int
    end: int
    text: str
    amount: int
    unit: str  # days | business_days | weeks | months | years | quarters

    def iso(self) -> str:
        return iso_duration(self.amount, self.unit)


def iso_duration(amount: int, unit: str) -> str:
    """ISO-8601 duration for an amount and unit; business days are written as days ("P10D")."""
    code = {"days": "D", "business_days": "D", "weeks": "W", "months": "M", "years": "Y"}.get(unit)
    if unit == "quarters":
        return f"P{amount * 3}M"
    if code is None:
        raise ValueError(f"unknown unit {unit!r}; use days, business_days, weeks, months, years or quarters")
    return f"P{amount}{code}"


_ISO_RX = re.compile(r"^P(\d+)([DWMY])$")


def parse_iso_duration(value: str) -> tuple[int, str]:
    """Inverse of :func:`iso_duration` for the single-unit forms we write ("P3Y" → (3, "years"))."""
    m = _ISO_RX.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a single-unit ISO-8601 duration such as P30D or P1Y")
    return int(m.group(1)), {"D": "days", "W": "weeks", "M": "months", "Y": "years"}[m.group(2)]


def word_number(word: str) -> int | None:
    """"one hundred twenty" → 120, "thirty-six" → 36, "a" → 1; None when a part is not a number word."""
    total = 0
    for part in re.split(r"[\s-]+", word.lower().strip()):
        if part in ("and", ""):
            continue
        if part == "hundred":
            total = max(total, 1) * 100
            continue
        if part not in WORD_NUMBERS:
            return None
        total += WORD_NUMBERS[part]
    return total


def _unit(unit_text: str) -> str | None:
    key = re.sub(r"\s+", " ", unit_text.lower())
    if key.endswith("s"):
        key = key[:-1]
    return UNITS.get(key)


def _matches(text: str) -> Iterator[re.Match[str]]:
    """The pattern run only in windows ending just after a unit word (a scan of the whole text is 10x slower)."""
    lo = hi = -1
    windows: list[tuple[int, int]] = []
    for a in _UNIT_ANCHOR.finditer(text):
        start, end = max(0, a.start() - _BEFORE), a.end() + _AFTER
        if start <= hi:
            hi = end
        else:
            if hi >= 0:
                windows.append((lo, hi))
            lo, hi = start, end
    if hi >= 0:
        windows.append((lo, hi))
    for lo, hi in windows:
        yield from _PATTERN.finditer(text, lo, hi)


def get_durations(text: str) -> Iterator[DurationMention]:
    """Yield duration mentions in text order with their offsets and the amount/unit as written."""
    for m in _matches(text):
        amount: int | None = None
        for group in ("paren", "bare", "digits", "after"):
            token = m.group(group)
            if token and token.isdigit():
                amount = int(token)
                break
        if amount is None and m.group("word"):
            amount = word_number(m.group("word"))
        if not amount:
            continue
        if m.group("word") and m.group("word").lower() in ("a", "an", "single"):
            before = text[max(0, m.start() - 12) : m.start()]
            if _FREQUENCY_BEFORE.search(before):
                continue
            half = _HALF_BEFORE.search(before)
            if half:  # "half a year" is six months; half of any other unit is not a whole amount
                if _unit(m.group("unit")) == "years":
                    start = m.start() - (len(before) - half.start())
                    yield DurationMention(start, m.end(), text[start : m.end()], 6, "months")
                continue
        unit = _unit(m.group("unit"))
        if unit is None:
            continue
        yield DurationMention(m.start(), m.end(), m.group(0), amount, unit)
