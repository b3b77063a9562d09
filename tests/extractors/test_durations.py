"""Duration mentions: one row per written form, with hard negatives.

Fixtures are hand-written contract phrases (development set, not held out).
"""

from __future__ import annotations

import pytest

from extractors.durations import get_durations, iso_duration, parse_iso_duration, word_number

FORMS = [
    # text, matched text, amount, unit
    ("within thirty (30) days of receipt", "thirty (30) days", 30, "days"),
    ("for one (1) year", "one (1) year", 1, "years"),
    ("for one (I) year", "one (I) year", 1, "years"),
    ("within ten business days", "ten business days", 10, "business_days"),
    ("five (5) Business Days after", "five (5) Business Days", 5, "business_days"),
    ("six (6) weeks", "six (6) weeks", 6, "weeks"),
    ("for twelve months", "twelve months", 12, "months"),
    ("one hundred twenty (120) days", "one hundred twenty (120) days", 120, "days"),
    ("three hundred sixty-five (365) days", "three hundred sixty-five (365) days", 365, "days"),
    ("for a period of two years", "two years", 2, "years"),
    ("a five-year term", "five-year", 5, "years"),
    ("a 30-day cure period", "30-day", 30, "days"),
    ("upon 90 days' notice", "90 days", 90, "days"),
    ("ninety (90) days' prior written notice", "ninety (90) days", 90, "days"),
    ("Thirty-six (36)months", "Thirty-six (36)months", 36, "months"),
    ("forty-five (45) days", "forty-five (45) days", 45, "days"),
    ("sixty (60) calendar days", "sixty (60) calendar days", 60, "days"),
    ("twelve (12) full calendar months", "twelve (12) full calendar months", 12, "months"),
    ("for two years (2), unless", "two years (2)", 2, "years"),
    ("(30) days", "(30) days", 30, "days"),
    ("30 (thirty) days", "30 (thirty) days", 30, "days"),
    ("thirty (60) days", "thirty (60) days", 60, "days"),  # digits win
    ("two (2) consecutive quarters", "two (2) consecutive quarters", 2, "quarters"),
    ("an additional year", "an additional year", 1, "years"),
    ("the fifteen (15) Contract Years", "fifteen (15) Contract Years", 15, "years"),
    ("for an additional period of half a year unless", "half a year", 6, "months"),
]


@pytest.mark.parametrize(("text", "matched", "amount", "unit"), FORMS, ids=[f[0] for f in FORMS])
def test_duration_forms(text: str, matched: str, amount: int, unit: str) -> None:
    found = list(get_durations(text))
    assert [(d.text, d.amount, d.unit) for d in found] == [(matched, amount, unit)]
    assert text[found[0].start : found[0].end] == matched


NEGATIVES = [
    "the 30th day after delivery",
    "once a year",
    "24 hours a day",
    "a fee of $30 days",  # money, not a duration
    "1.5 years",  # fractional amounts are not read (would misread as 5 years)
    "within the meaning of Rule 10b-5",
    "an annual fee",
    "a reasonable period",
    "Section 30 hereof",
    "24 hours",
    "half a day",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives(text: str) -> None:
    assert list(get_durations(text)) == []


def test_renewal_phrase_yields_the_period_not_the_count() -> None:
    found = list(get_durations("renew for two (2) successive one-year periods"))
    assert [(d.amount, d.unit) for d in found] == [(1, "years")]


@pytest.mark.parametrize(
    ("amount", "unit", "iso"),
    [(30, "days", "P30D"), (10, "business_days", "P10D"), (6, "weeks", "P6W"), (6, "months", "P6M"),
     (1, "years", "P1Y"), (2, "quarters", "P6M")],
)  # fmt: skip
def test_iso_duration(amount: int, unit: str, iso: str) -> None:
    assert iso_duration(amount, unit) == iso


def test_iso_roundtrip_and_errors() -> None:
    assert parse_iso_duration("P3Y") == (3, "years")
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_iso_duration("3 years")
    with pytest.raises(ValueError, match="unknown unit"):
        iso_duration(3, "fortnights")


@pytest.mark.parametrize(
    ("word", "value"),
    [("one hundred twenty", 120), ("thirty-six", 36), ("a", 1), ("twelve", 12), ("lots", None)],
)
def test_word_number(word: str, value: int | None) -> None:
    assert word_number(word) == value
