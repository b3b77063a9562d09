"""Key dates of a contract: agreement, effective and expiration dates, terms, renewal and notice.

First version (to be replaced by the tuned engine): the first full date near the top is the agreement
date, and an explicit "effective" date overrides it for the effective date.
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import get_dates
from .schema import KeyDates

__all__ = ["get_key_dates"]


def get_key_dates(text: str, as_of: dt.date | None = None) -> KeyDates:
    head = text[:3000]
    dates = [d for d in get_dates(head) if d.value]
    agreement = dates[0].value if dates else None
    effective = agreement
    m = re.search(r"effective\s+(?:as\s+of\s+|on\s+)?", text[:5000], re.I)
    if m:
        after = [d for d in get_dates(text[m.end() : m.end() + 60]) if d.value]
        if after:
            effective = after[0].value
    return KeyDates(agreement_date=agreement, effective_date=effective)
