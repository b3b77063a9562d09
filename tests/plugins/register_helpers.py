"""Shared set-up for tests that load the register."""

from __future__ import annotations

from pathlib import Path

_TEMPLATES: dict[tuple[int, int], Path] = {}


def seed_business_calendar(warehouse: Path, first_year: int, last_year: int) -> None:
    """Give a new warehouse a filled raw.business_calendar (weekends and US holidays, the rows
    register.write_business_calendar writes). That function inserts row by row (~11 s for the 13 years a
    load asks for); here the rows go in with one bulk insert into a template made once per test session and
    copied, so the loader finds the calendar complete and tests spend their time on what they test."""
    import shutil
    import tempfile

    key = (first_year, last_year)
    if key not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix="register-template-")) / "warehouse.duckdb"
        _fill(template, first_year, last_year)
        _TEMPLATES[key] = template
    if Path(warehouse).exists():
        _fill(Path(warehouse), first_year, last_year)
    else:
        shutil.copyfile(_TEMPLATES[key], warehouse)


def _fill(warehouse: Path, first_year: int, last_year: int) -> None:
    import datetime as dt

    import holidays
    import pandas as pd
    from milestones.register import open_register

    cal = holidays.country_holidays("US", years=range(first_year, last_year + 1))
    days = pd.date_range(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31), freq="D").date
    df = pd.DataFrame({"calendar_date": days,
                       "is_business_day": [d.weekday() < 5 and cal.get(d) is None for d in days],
                       "holiday_name": [cal.get(d) for d in days]})  # fmt: skip
    with open_register(warehouse) as con:
        con.execute("delete from raw.business_calendar")
        con.register("seed_calendar", df)
        con.execute("insert into raw.business_calendar select calendar_date, is_business_day, holiday_name "
                    "from seed_calendar")
