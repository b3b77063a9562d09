"""Calendar arithmetic for deadlines: business days, public holidays, month ends — always from explicit dates.

Holidays come from the `holidays` package (US federal by default; any supported country/subdivision, plus
extra closing days a contract names). Nothing here reads the clock: every function takes the dates it works on.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import MilestonesError

__all__ = ["BusinessCalendar", "add_months", "month_end", "quarter_end", "year_end", "get_calendar"]

_ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a day past the target month's end clamps to its last day (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _stdcal.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, _stdcal.monthrange(day.year, day.month)[1])


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    return month_end(dt.date(day.year, month, 1))


def year_end(day: dt.date) -> dt.date:
    return dt.date(day.year, 12, 31)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one jurisdiction: weekdays that are not public holidays nor listed closing days.

    country/subdiv use the `holidays` package codes ("US", "GB", ("US", "NY")); ``extra_holidays`` adds days
    a contract or a company calendar names; ``weekend`` lists ``date.weekday()`` numbers (5, 6 = Sat, Sun).
    """

    country: str = "US"
    subdiv: str | None = None
    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({5, 6})
    _cache: dict[int, frozenset[dt.date]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdiv, years=[2000])
        except (NotImplementedError, KeyError) as exc:
            raise MilestonesError(
                f"unknown holiday calendar {self.country!r}/{self.subdiv!r}: use a country code the `holidays` "
                "package supports (e.g. 'US', 'GB', 'DE') and one of its subdivisions, or none"
            ) from exc
        if not set(self.weekend) <= set(range(7)):
            raise MilestonesError(f"weekend days {sorted(self.weekend)} must be weekday numbers 0 (Mon) to 6 (Sun)")
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        object.__setattr__(self, "weekend", frozenset(self.weekend))

    def holidays_in(self, year: int) -> frozenset[dt.date]:
        if year not in self._cache:
            import holidays

            days = holidays.country_holidays(self.country, subdiv=self.subdiv, years=[year])
            self._cache[year] = frozenset(days.keys())
        return self._cache[year]

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.extra_holidays or day in self.holidays_in(day.year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def roll_forward(self, day: dt.date) -> dt.date:
        """The day itself if it is a business day, else the next one ("following" convention)."""
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def roll_backward(self, day: dt.date) -> dt.date:
        while not self.is_business_day(day):
            day -= _ONE_DAY
        return day

    def roll_modified_following(self, day: dt.date) -> dt.date:
        """Next business day unless that leaves the month; then the previous one (month-end rolling)."""
        nxt = self.roll_forward(day)
        return nxt if nxt.month == day.month else self.roll_backward(day)

    def add_business_days(self, day: dt.date, count: int) -> dt.date:
        """Count ``count`` business days after ``day`` (before it when negative); ``day`` itself is not counted."""
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def nth_business_day(self, year: int, month: int, n: int) -> dt.date:
        """The n-th business day of a month (n ≥ 1)."""
        if n < 1:
            raise MilestonesError(f"business day number {n} must be 1 or more")
        day = self.roll_forward(dt.date(year, month, 1))
        return self.add_business_days(day, n - 1) if n > 1 else day

    def shift(self, day: dt.date, amount: int, unit: str) -> dt.date:
        """``day`` moved by ``amount`` of ``unit`` (negative amounts go back); calendar units never roll."""
        if unit == "business_days":
            return self.add_business_days(day, amount)
        if unit == "days":
            return day + dt.timedelta(days=amount)
        if unit == "weeks":
            return day + dt.timedelta(weeks=amount)
        if unit == "months":
            return add_months(day, amount)
        if unit == "quarters":
            return add_months(day, 3 * amount)
        if unit == "years":
            return add_months(day, 12 * amount)
        raise MilestonesError(f"unknown duration unit {unit!r}: use days, business_days, weeks, months, quarters or years")


def get_calendar(country: str = "US", subdiv: str | None = None, extra_holidays: Iterable[dt.date] = ()) -> BusinessCalendar:
    """A validated business calendar; raises MilestonesError for an unknown country or subdivision."""
    return BusinessCalendar(country=country, subdiv=subdiv, extra_holidays=frozenset(extra_holidays))
