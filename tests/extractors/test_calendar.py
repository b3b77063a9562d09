"""Business-day arithmetic: weekends, US federal holidays (observed days), month-end clamping and rolling.

Fixtures are written for this project from the 2026/2027 US federal calendar (development tables).
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.calendar import BusinessCalendar, add_months, get_calendar, month_end, quarter_end, year_end
from extractors.errors import MilestonesError

D = dt.date
US = get_calendar("US")


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday → Monday
        (D(2026, 11, 25), 1, D(2026, 11, 27)),  # skips Thanksgiving (Thu 26 Nov)
        (D(2026, 7, 2), 1, D(2026, 7, 6)),  # Fri 3 Jul 2026 is Independence Day observed
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas (Fri) then the weekend
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day 2027 is a Friday
        (D(2027, 1, 14), 5, D(2027, 1, 22)),  # MLK day (Mon 18 Jan) inside the window
        (D(2026, 9, 1), 10, D(2026, 9, 16)),  # Labor Day (7 Sep) inside the window
        (D(2026, 11, 30), -1, D(2026, 11, 27)),  # counting backwards over the weekend
        (D(2026, 7, 6), -1, D(2026, 7, 2)),  # backwards over a holiday
        (D(2026, 6, 18), 1, D(2026, 6, 22)),  # Juneteenth (Fri 19 Jun)
        (D(2026, 11, 9), 2, D(2026, 11, 12)),  # Veterans Day (Wed 11 Nov)
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
    ],
)
def test_add_business_days(start: dt.date, count: int, expected: dt.date) -> None:
    assert US.add_business_days(start, count) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 5, 10), 0, D(2026, 5, 10)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("day", "roll", "expected"),
    [
        (D(2026, 5, 30), "forward", D(2026, 6, 1)),  # Saturday
        (D(2026, 5, 30), "modified_following", D(2026, 5, 29)),  # forward would leave May
        (D(2026, 5, 25), "forward", D(2026, 5, 26)),  # Memorial Day
        (D(2026, 10, 31), "modified_following", D(2026, 10, 30)),
        (D(2026, 8, 1), "modified_following", D(2026, 8, 3)),
        (D(2026, 11, 26), "backward", D(2026, 11, 25)),
    ],
)
def test_rolling(day: dt.date, roll: str, expected: dt.date) -> None:
    fn = {"forward": US.roll_forward, "backward": US.roll_backward, "modified_following": US.roll_modified_following}[roll]
    assert fn(day) == expected


@pytest.mark.parametrize(
    ("year", "month", "n", "expected"),
    [(2026, 9, 1, D(2026, 9, 1)), (2027, 1, 1, D(2027, 1, 4)), (2026, 11, 3, D(2026, 11, 4)), (2026, 2, 1, D(2026, 2, 2))],
)
def test_nth_business_day(year: int, month: int, n: int, expected: dt.date) -> None:
    assert US.nth_business_day(year, month, n) == expected


def test_period_ends() -> None:
    assert month_end(D(2026, 2, 3)) == D(2026, 2, 28)
    assert quarter_end(D(2026, 5, 3)) == D(2026, 6, 30)
    assert quarter_end(D(2026, 12, 31)) == D(2026, 12, 31)
    assert year_end(D(2026, 1, 1)) == D(2026, 12, 31)


def test_other_country_and_extra_days() -> None:
    gb = BusinessCalendar(country="GB")
    assert not gb.is_business_day(D(2026, 12, 28))  # Boxing Day (substitute) in England
    assert US.is_business_day(D(2026, 12, 28))
    closed = get_calendar("US", extra_holidays=[D(2026, 12, 28)])
    assert closed.add_business_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


@pytest.mark.parametrize("kwargs", [{"country": "XX"}, {"country": "US", "subdiv": "ZZ"}, {"weekend": frozenset({9})}])
def test_bad_settings_raise_project_error(kwargs: dict) -> None:
    with pytest.raises(MilestonesError):
        BusinessCalendar(**kwargs)


def test_unknown_unit_and_bad_nth() -> None:
    with pytest.raises(MilestonesError):
        US.shift(D(2026, 1, 1), 1, "fortnights")
    with pytest.raises(MilestonesError):
        US.nth_business_day(2026, 1, 0)
