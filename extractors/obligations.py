"""Dated obligations in a contract: who must do what, by when, found sentence by sentence.

First version (to be replaced by the classifier-based engine): sentences with a duty verb and a date or a
duration become milestones, typed by keywords.
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import get_dates
from .durations import get_durations
from .schema import DueRule, KeyDates, Milestone, SourceSpan
from .structure import get_sections, get_sentences, section_at
from .text import Document, page_at

__all__ = ["get_obligations"]

_DUTY = re.compile(r"\b(shall|must|will|agrees? to|is required to)\b", re.I)
_TYPES = [
    ("payment", r"\b(pay|payment|invoice|fee)"),
    ("reporting", r"\b(report|statement)"),
    ("delivery", r"\b(deliver|delivery|provide)"),
    ("insurance", r"\binsurance\b"),
    ("audit", r"\baudit"),
]


def get_obligations(
    doc: Document, key_dates: KeyDates, as_of: dt.date, review_threshold: float = 0.85
) -> list[Milestone]:
    sections = get_sections(doc.text)
    out: list[Milestone] = []
    for sent in get_sentences(doc.text):
        if not _DUTY.search(sent.text):
            continue
        dates = [d for d in get_dates(sent.text) if d.value]
        durs = list(get_durations(sent.text))
        if not dates and not durs:
            continue
        otype = next((t for t, rx in _TYPES if re.search(rx, sent.text, re.I)), "other")
        if dates:
            rule = DueRule(kind="absolute", date=dates[0].value)
            due = dates[0].value
        else:
            d = durs[0]
            rule = DueRule(kind="relative", amount=d.amount, unit=d.unit, direction="within")
            due = None
        sec = section_at(sections, sent.start)
        confidence = 0.5
        out.append(
            Milestone(
                milestone_name=f"{otype.title()} obligation",
                deliverable=None,
                due_date=due,
                responsible_party=None,
                condition=None,
                clause_reference=sec.reference if sec else None,
                obligation_type=otype,
                due_rule=rule,
                recurrence=None,
                confidence=confidence,
                needs_review=confidence < review_threshold,
                source_text=sent.text,
                source_span=SourceSpan(sent.start, sent.end, page_at(doc, sent.start)),
            )
        )
    return out
