"""Calendar arithmetic for the sample portfolio: the same rules the ground truth promises.

Business days skip Saturdays, Sundays and US federal holidays (the ``holidays`` package, observed dates
included); months and years add on the calendar, clamping to the month's last day (Jan 31 + 1 month = Feb 28).
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

__all__ = [
    "add_months",
    "add_years",
    "add_business_days",
    "add_duration",
    "is_business_day",
    "period_ends",
    "next_recurring",
    "number_words",
    "long_date",
]

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """English words for 0 <= n < 1000 ("one hundred twenty")."""
    if not 0 <= n < 1000:
        raise ValueError(f"number_words supports 0..999, got {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    return _ONES[hundreds] + " hundred" + (" " + number_words(rest) if rest else "")


def long_date(d: dt.date) -> str:
    """'March 15, 2027'."""
    return f"{calendar.month_name[d.month]} {d.day}, {d.year}"


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


@lru_cache(maxsize=64)
def _us_holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_business_day(d: dt.date) -> bool:
    return d.weekday() < 5 and d not in _us_holidays(d.year)


def add_business_days(d: dt.date, n: int) -> dt.date:
    """The n-th business day after d (n > 0) or before d (n < 0); d itself is never counted."""
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        d += dt.timedelta(days=step)
        if is_business_day(d):
            left -= 1
    return d


def add_duration(d: dt.date, amount: int, unit: str, sign: int = 1) -> dt.date:
    """d moved by amount units (days, business_days, weeks, months, years) forwards (sign=1) or back (-1)."""
    n = sign * amount
    if unit == "days":
        return d + dt.timedelta(days=n)
    if unit == "business_days":
        return add_business_days(d, n)
    if unit == "weeks":
        return d + dt.timedelta(weeks=n)
    if unit == "months":
        return add_months(d, n)
    if unit == "years":
        return add_years(d, n)
    raise ValueError(f"unit {unit!r} has no calendar arithmetic (hours are event-anchored)")


def period_ends(frequency: str, start: dt.date, count: int = 80) -> list[dt.date]:
    """Calendar period ends (month, quarter or year) on or after ``start``."""
    step = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}[frequency]
    # last day of the period containing start
    month = start.month
    if step > 1:
        month = ((start.month - 1) // step + 1) * step
    first = dt.date(start.year, month, calendar.monthrange(start.year, month)[1])
    out = []
    for i in range(count):
        e = add_months(dt.date(first.year, first.month, 1), i * step)
        out.append(dt.date(e.year, e.month, calendar.monthrange(e.year, e.month)[1]))
    return out


def next_recurring(
    as_of: dt.date,
    frequency: str,
    *,
    after_period_end: tuple[int, str] | None = None,
    anniversary_of: dt.date | None = None,
    not_before: dt.date | None = None,
) -> dt.date:
    """The next occurrence on or after as_of of a recurring deadline.

    ``after_period_end=(45, "days")``: N units after the end of each calendar month/quarter/year, counting
    only periods that end on or after ``not_before`` (the effective date). ``anniversary_of``: the same
    calendar day every period from that date (first occurrence = that date).
    """
    if after_period_end is not None:
        amount, unit = after_period_end
        for end in period_ends(frequency, not_before or as_of - dt.timedelta(days=400)):
            due = add_duration(end, amount, unit)
            if due >= as_of:
                return due
        raise ValueError("no occurrence found")  # pragma: no cover
    if anniversary_of is not None:
        step = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}[frequency]
        i = 0
        while True:
            due = add_months(anniversary_of, i * step)
            if due >= as_of:
                return due
            i += 1
    raise ValueError("next_recurring needs after_period_end or anniversary_of")
