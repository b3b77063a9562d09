"""Durations as written: "thirty (30) days", "one (1) year", "ten business days", "six months".

Values are kept as found (amount + unit); converting a month to days is the resolver's job, never ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DurationMention", "get_durations", "WORD_NUMBERS", "iso_duration"]

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a": 1, "an": 1,
}  # fmt: skip

UNITS = {
    "day": "days", "days": "days", "calendar day": "days", "calendar days": "days",
    "business day": "business_days", "business days": "business_days",
    "working day": "business_days", "working days": "business_days",
    "week": "weeks", "weeks": "weeks", "month": "months", "months": "months",
    "year": "years", "years": "years", "calendar month": "months", "calendar months": "months",
    "quarter": "quarters", "quarters": "quarters",
}  # fmt: skip

_WORD = r"(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|one\s+hundred(?:\s+(?:and\s+)?(?:twenty|eighty|fifty|thirty|sixty|ninety))?|a|an)"
_PATTERN = re.compile(
    rf"\b(?:(?P<word>{_WORD})\s*(?:\(\s*(?P<paren>\d+)\s*\))?|(?P<digits>\d+)(?:\s*\(\s*[a-z\s-]+\))?)"
    r"[\s-]+(?P<unit>(?:calendar\s+|business\s+|working\s+)?(?:days?|weeks?|months?|years?|quarters?))\b",
    re.I,
)


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
        raise ValueError(f"unknown unit {unit!r}")
    return f"P{amount}{code}"


def _word_value(word: str) -> int | None:
    parts = re.split(r"[\s-]+", word.lower())
    total = 0
    for part in parts:
        if part == "and":
            continue
        if part == "hundred":
            total = max(total, 1) * 100
            continue
        if part not in WORD_NUMBERS:
            return None
        total += WORD_NUMBERS[part]
    return total or None


def get_durations(text: str) -> Iterator[DurationMention]:
    for m in _PATTERN.finditer(text):
        amount: int | None
        if m.group("paren"):
            amount = int(m.group("paren"))
        elif m.group("digits"):
            amount = int(m.group("digits"))
        else:
            amount = _word_value(m.group("word"))
        if not amount:
            continue
        unit_text = re.sub(r"\s+", " ", m.group("unit").lower())
        unit = UNITS.get(unit_text)
        if unit is None:
            continue
        yield DurationMention(m.start(), m.end(), m.group(0), amount, unit)
