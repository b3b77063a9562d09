"""Dated obligations in a contract: who must do what, by when — one :class:`Milestone` per obligation.

For each sentence (and table row) that carries a time element (see :mod:`extractors.rules`), the clause
classifier (:mod:`extractors.classifier`, batched once per document) says whether it states a dated obligation
and of which type; the due rule comes from the text, the due date from resolving it against the contract's key
dates. Compound sentences are split ("30% upon signing, 40% upon completion of Phase 1 and 30% upon final
acceptance" → three payments).

Policy — what counts (the labelling guide in ``extractors/models/MODEL_CARD.md`` says the same):
an obligation is something a party must DO by a date or on a schedule: pay, deliver, report, notify, accept or
reject, maintain insurance or warranty cover for a stated period, give a renewal or option notice by a deadline,
return materials when the contract ends. Not obligations: definitions, recitals, governing law, "supersedes the
agreement dated …", survival periods, cure periods, confidentiality or non-compete durations, a right to
terminate on N days' notice, dates in signature blocks. A term that renews automatically yields a
``renewal_notice`` (the last day to say no) rather than an ``expiration``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .calendar import BusinessCalendar
from .classifier import NONE_LABEL, ObligationScorer, load_scorer, predict_proba
from .durations import iso_duration
from .keydates import next_notice_deadline
from .rules import DueRuleMention, get_due_rules, resolve
from .schema import DueRule, KeyDates, Milestone, SourceSpan
from .structure import get_sections, get_sentences, section_at
from .text import Document, page_at

__all__ = ["get_obligations", "DECISION_THRESHOLD", "anchors_from_key_dates", "candidate_evidence", "candidate_cues", "CUE_FEATURES"]

DECISION_THRESHOLD = 0.5  # P(obligation) needed to emit; chosen on the tuning contracts (see model card)
_MAX_UNIT = 2500
_CLASSIFY_CHARS = 900  # the classifier reads a clause's start: what it is about is said there, and it keeps extraction fast  # longer "sentences" are lists or tables flattened by the text layer: we read their start only

_QUICK = re.compile(
    r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d\d-\d\d|\$\s?\d|\b(?:days?|weeks?|months?|years?|annual|annually|quarter\w*|monthly|weekly|hours?|anniversar\w*|upon|prior|"
    r"before|after|following|within|net|each|every|immediately|promptly|concurrent\w*|simultaneous\w*|"
    r"execution|signing|termination|expiration|renew\w*|January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b",
    re.I,
)
_DEFINITION = re.compile(r"^\W{0,3}(?:\(?[a-z0-9]{1,3}[.)]\s*)?[\"“][^\"”]{1,60}[\"”]\s+(?:shall\s+)?(?:mean|means|has\s+the\s+meaning|refers?\s+to|shall\s+have\s+the\s+meaning)\b", re.I)
# Hard negatives: clauses with a date or duration that state no dated duty. Each rule runs only when its keyword
# is in the (lower-cased) text, which keeps the scan cheap on long contracts.
_NEGATIVE_RULES: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (r[0], re.compile(r[1], re.I)) for r in [
        (("whereas", "recital", "witness", "therefore"), r"^\W*(?:WHEREAS|RECITALS?|IN\s+WITNESS\s+WHEREOF|NOW,?\s+THEREFORE)\b"),
        (("supersede",), r"\bsupersede[sd]?\b"),
        (("mean", "defined"), r"^[^;]{0,150}?\b(?:shall\s+mean|means|is\s+defined\s+as)\b"),
        (("refer",), r"^[^.]{0,80}\b(?:refers?\s+to|shall\s+refer\s+to)\b"),
        (("duties", "obligations"), r"\ball\s+(?:rights\s+and\s+)?(?:duties|obligations)\b[^.]{0,80}\bshall\s+(?:terminate|cease)\b(?![^.]{0,40}\bexcept)"),
        (("late",), r"\blate\s+(?:fee|charge|payment\s+(?:fee|charge))"),
        (("interest", "penalt"), r"\b(?:interest|penalty)\b[^;]{0,60}\b(?:rate|per\s+(?:month|annum|day|week)|%|percent)"),
        (("valid",), r"\b(?:letter\s+of\s+credit|L/C|guarantee|bond|quotation|offer)\b[^.;]{0,40}\bvalid\b"),
        (("date",), r"^\W*(?:effective|commencement|execution|agreement)\s+date\s*:"),
        (("waiver",), r"\bdeemed\s+(?:to\s+be\s+)?(?:a\s+)?waiver"),
        (("surviv",), r"^\W*(?:the\s+)?(?:provisions?|obligations|sections?|articles?|terms)\b[^.]{0,200}\bsurviv"),
        (("deemed",), r"\bdeemed\s+(?:to\s+have\s+been\s+)?(?:duly\s+)?(?:given|received|delivered|made|served|effective)\b"),
        (("polic", "insur", "coverage"), r"\bnotice\s+(?:of|for)\s+(?:the\s+)?(?:any\s+)?(?:cancell?ation|non-?renewal|non-?payment|material\s+(?:change|reduction))\b[^.]{0,60}\b(?:insurance|polic|coverage)|"
                                          r"\b(?:polic(?:y|ies)|insurance|coverage)\b[^.]{0,80}\b(?:cancell?ed|cancell?ation)\b[^.]{0,60}\bnotice|"
                                          r"\bno\s+cancell?ation\b[^.]{0,80}\bwithout\b[^.]{0,60}\bnotice"),
        (("increased", "decreased", "adjusted", "reduced"), r"\bshall\s+be\s+(?:increased|decreased|adjusted|reduced)\s+by\b"),
        (("confidential",), r"\bconfidential\w*\b[^.]{0,80}\b(?:shall|will)\s+(?:continue|survive|remain|last|apply)\b[^.]{0,40}\b(?:years?|months?)"),
        (("governed",), r"\bgoverned\s+by\s+(?:and\s+construed\s+in\s+accordance\s+with\s+)?the\s+laws?\b"),
        (("counterpart",), r"\bcounterparts?\b"),
        (("by:", "name:", "title:", "date:", "signature", "source", "quicklinks", "executed"),
         r"^\s*(?:By|Name|Title|Date|Signature)\s*:|\bexecuted\s+(?:this|as\s+of)\b|^\s*Source\s*:|\bQuickLinks\b"),
        (("effective",), r"\b(?:notices?|communications?)\b[^.]{0,80}\b(?:shall\s+be|will\s+be|is|are|becomes?)\s+effective\s+(?:upon|on|when)"),
        (("title", "risk"), r"\b(?:title|risk\s+of\s+loss)\b[^.]{0,80}\bpass(?:es)?\b"),
        (("apply",), r"\bshall\s+not\s+apply\s+to\b"),
        (("disclos",), r"\b(?:required|compelled|requested)\b[^.]{0,80}\bdisclos\w+[^.]{0,160}\bnotice\b|"
                       r"\b(?:prior\s+to|before)\s+(?:making\s+)?(?:any\s+)?(?:such\s+)?(?:accessing\s+or\s+)?disclos"),
        (("dispute",), r"\b(?:resolve|settle)\w*\b[^.]{0,40}\bdisputes?\b|\bdisputes?\b[^.]{0,100}\b(?:resolv|settl|negotiat|mediat|arbitrat)"),
        (("arbitrator",), r"\barbitrators?\b[^.]{0,120}\b(?:within|days)\b"),
        (("rev", "page"), r"\bDoc\.?\s+Rev\b|\bPage\s+\d+\s+of\s+\d+"),
        (("transmission",), r"\btransmission\s+(?:control\s+)?report\b"),
        (("no charge", "no fee"), r"\bthere\s+(?:will|shall)\s+be\s+no\s+(?:charge|fee)"),
        (("vest",), r"\b(?:shall|will)\s+vest\b|\bvest(?:ing|s)?\s+(?:monthly|quarterly|annually)"),
        (("specify", "state", "set forth"), r"\bnotice\s+(?:of|to)\s+terminat\w*\s+(?:must|shall)\s+(?:specify|state|set\s+forth)"),
    ]
]  # fmt: skip


def _is_negative(text: str) -> bool:
    low = text.lower()
    return any(any(k in low for k in keys) and rx.search(text) for keys, rx in _NEGATIVE_RULES)



_RESTRICTIVE = re.compile(r"\b(?:not|nor|never)\b[^.;]{0,60}\b(?:compete|solicit|hire|disclose|use\s+or\s+disclose|engage\s+in|employ|contest|disparage|sell|approach|contact|market|induce|divert|"
                          r"licen[cs]e|grant|appoint|authori[sz]e)\b|\bnon-?(?:compet|solicit|disclos)(?!\w*\s+agreement)|\bno\s+(?:further\s+)?(?:\w+\s+){0,3}(?:will|shall)\s+be\s+(?:given|provided|made|granted)", re.I)
_CURE = re.compile(r"\bcure[ds]?\b|\bcuring\b|\bremed(?:y|ied)\b|\bremains?\s+in\s+default\b|\bdefault\s+(?:continues|is\s+not\s+(?:cured|remedied))", re.I)
_DUTY = re.compile(
    r"\b(?:shall|must|will|agrees?\s+to|undertakes?\s+to|is\s+(?:required|obligated)\s+to|are\s+(?:required|obligated)\s+to|"
    r"(?:is|are|becomes?)\s+(?:due|payable)|payable|due|warrant(?:s|ed)|may|should|to\s+be\s+(?:paid|made|delivered|received|provided|submitted)|"
    r"payment\s+terms|net\s+\d+|expires?|expiring|ends\s+(?:on|\w+\s+(?:months?|years?)|at)|commences?|(?:is|are)\s+responsible\s+for|"
    r"commits?\s+to|(?:has|have)\s+(?:a|an|\w+)\s+(?:[\w()-]+\s+){0,4}?(?:period|days?|hours|months?)\s+(?:\w+\s+){0,6}?to)\b|"
    r"\b(?:reporting|payment\s+terms|delivery|payment)\s*:|\b(?:agreement\s+|initial\s+)?(?:term|period)\s*:|[$€£]\s?\d",
    re.I,
)
_MONEY = re.compile(
    r"(?P<cur>US\$|USD\s?|\$|€|EUR\s?|£|GBP\s?|NTD\s?|NT\$|CDN\$|C\$|CAD\s?|RMB\s?|¥)\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<mult>million|thousand|billion))?",
    re.I,
)
_PERCENT = re.compile(r"(?P<pct>\d{1,3}(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)|\b(?P<frac>one[\s-]third|two[\s-]thirds|one[\s-]half|half|1/3|2/3|1/2|1/4|3/4)\b", re.I)
_FRACTIONS = {"one-third": "33.33", "one third": "33.33", "1/3": "33.33", "two-thirds": "66.67", "two thirds": "66.67",
              "2/3": "66.67", "one-half": "50", "one half": "50", "half": "50", "1/2": "50", "1/4": "25", "3/4": "75"}  # fmt: skip
_CURRENCY = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "ntd": "TWD",
             "nt$": "TWD", "cdn$": "CAD", "c$": "CAD", "cad": "CAD", "rmb": "CNY", "¥": "CNY"}  # fmt: skip
_SUBJECT = re.compile(
    r"(?P<subj>(?:[Ee]ach|[Ee]ither|[Bb]oth|[Tt]he|[Ss]uch|[Aa]ny)?\s*(?:[A-Z][\w&.'-]*\s+){0,4}?[A-Z][\w&.'-]*|"
    r"[Ee]ach\s+(?:of\s+the\s+)?[Pp]art(?:y|ies)|[Ee]ither\s+[Pp]arty|[Bb]oth\s+[Pp]arties|the\s+[Pp]arties|the\s+[a-z]+)"
    r"(?:\s*\([^)]{1,40}\))?\s+(?:shall|must|will|agrees?\s+to|undertakes?\s+to|is\s+required\s+to|may)\b"
)
_OBJECT = re.compile(
    r"\b(?:shall|will|must|agrees?\s+to|undertakes?\s+to|is\s+required\s+to)\s+(?:(?:promptly|immediately|also|then|"
    r"thereafter|each\s+year|annually|monthly|quarterly)\s+)?(?:(?:at\s+its\s+(?:own\s+)?(?:cost|expense)|"
    r"in\s+writing)\s*,?\s+)?(?P<verb>deliver|provide|submit|furnish|send|render|ship|pay|remit|give|notify|report|"
    r"prepare|complete|make\s+available|make|maintain|obtain|return|destroy|issue|install|perform|purchase|procure|"
    r"supply|invoice|hold|meet|develop|confirm|answer|respond|restore|resolve|correct|open|launch|appoint|name|cease)\s+"
    r"(?P<obj>[^,;.]{2,90}?)(?=\s+(?:within|no\s+later|not\s+later|on\s+or\s+before|by\s+(?:the\s+)?\w|to\s+(?:the\s+)?[A-Z]|"
    r"upon|prior|at\s+least|after|before|on\s+(?:the\s+)?\w|each|every|in\s+accordance|for\s+a\s+period|during|"
    r"throughout|promptly|in\s+(?:an?|the)\s+amount|as\s+follows)|[,;.:(]|$)",
)
_TYPE_NOUN = {
    "delivery": "Delivery", "payment": "Payment", "reporting": "Report", "renewal": "Renewal decision",
    "renewal_notice": "Non-renewal notice deadline", "termination_notice": "Termination notice deadline",
    "expiration": "Agreement expiration", "option_exercise": "Option exercise deadline", "acceptance": "Acceptance review",
    "insurance": "Insurance", "audit": "Audit", "sla": "Service level", "warranty": "Warranty period",
    "compliance": "Compliance action", "other": "Obligation",
}  # fmt: skip
_FREQ_WORD = {"weekly": "Weekly", "monthly": "Monthly", "quarterly": "Quarterly", "semiannually": "Semi-annual",
              "annually": "Annual", "biweekly": "Biweekly"}  # fmt: skip
_ANCHOR_WORDS = {
    "signing": "signing", "effective_date": "the Effective Date", "expiration_date": "expiration", "termination": "termination",
    "invoice_receipt": "invoice receipt", "delivery": "delivery", "acceptance": "acceptance", "phase_completion": "phase completion",
    "completion": "completion", "approval": "approval", "written_request": "written request", "order": "order",
    "quarter_end": "quarter end", "month_end": "month end", "year_end": "year end", "payment": "payment",
}  # fmt: skip
# event anchors too vague to make an obligation on their own ("upon request", "upon notice")
_WEAK_EVENT_ANCHORS = {"written_request", "notice", "receipt", "event", "renewal", "expiration_date", None}
_PERIOD_TYPES = {"insurance", "warranty", "sla", "compliance", "audit", "expiration", "renewal", "option_exercise", "acceptance"}
_CONTRACT_LEVEL = {"expiration", "renewal", "renewal_notice"}


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    text: str
    page: int | None


def anchors_from_key_dates(key_dates: KeyDates) -> dict[str, dt.date | None]:
    """Anchor dates known from the key dates; events (delivery, acceptance, invoices) stay unknown."""
    expiration = key_dates.expiration_date if isinstance(key_dates.expiration_date, dt.date) else None
    signing = key_dates.agreement_date or key_dates.effective_date
    return {
        "effective_date": key_dates.effective_date or key_dates.agreement_date,
        "signing": signing,
        "expiration_date": expiration,
        # schedules stop at the end of a fixed term; a term that renews itself keeps them going
        "schedule_end": None if key_dates.auto_renewal else expiration,
    }


_ANY_VERB = re.compile(
    r"\b(?:shall|must|will|may|is|are|be|been|agrees?|pays?|paid|delivers?|provides?|renews?|expires?|ends|commences?|"
    r"warrants?|terminates?|continues?|remains?|due|payable|should|has|have|responsible)\b|\b\w+(?:\s+\w+)?\s*:\s", re.I)
_VERB = re.compile(r"\b(?:shall|must|will|agrees?|is|are)\b", re.I)


def _units(doc: Document) -> list[_Unit]:
    """Sentences, with table-like blocks (several short verbless lines, as PDF text layers print tables)
    cut into one unit per line."""
    out: list[_Unit] = []
    for s in get_sentences(doc.text):
        text = s.text if len(s.text) <= _MAX_UNIT else s.text[:_MAX_UNIT]
        lines = text.split("\n")
        if (len(lines) >= 2 and all(len(x) < 160 and not _ROW_VERB.search(x) for x in lines)
                and sum(1 for x in lines if re.search(r"\d", x)) >= 2):
            pos = s.start
            for line in lines:
                lead = len(line) - len(line.lstrip())
                if line.strip():
                    out.append(_Unit(pos + lead, pos + len(line.rstrip()), line.strip(), None))
                pos += len(line) + 1
            continue
        out.append(_Unit(s.start, s.start + len(text), text, None))
    seen = {u.text.strip() for u in out}
    for row in getattr(doc, "tables", ()) or ():
        cells = [c.strip() for c in row if c and c.strip()] if isinstance(row, (tuple, list)) and row and isinstance(row[0], str) else []
        if not cells:
            # doc.tables may be a list of tables (rows of cells) rather than rows
            for r in row if isinstance(row, (tuple, list)) else ():
                out.extend(_row_unit(doc.text, r, seen))
            continue
        out.extend(_row_unit(doc.text, row, seen))
    return out


def _row_unit(text: str, row: Any, seen: set[str]) -> list[_Unit]:
    if not isinstance(row, (tuple, list)):
        return []
    cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
    if len(cells) < 2:
        return []
    joined = " | ".join(cells)
    if joined in seen:
        return []
    pos = text.find(cells[0])
    if pos < 0:
        return []
    seen.add(joined)
    last = text.find(cells[-1], pos)
    end = last + len(cells[-1]) if last >= 0 and last - pos < 2000 else pos + len(cells[0])
    return [_Unit(pos, end, joined, None)]


def _renews_past(rule: DueRule, due: dt.date | None, key_dates: KeyDates, as_of: dt.date) -> bool:
    """Whether a deadline counted back from the term's end has passed while the term renews itself."""
    return (rule.kind == "relative" and rule.anchor == "expiration_date" and rule.direction == "before" and bool(rule.amount)
            and rule.unit in ("days", "weeks", "months", "years") and bool(key_dates.auto_renewal) and bool(key_dates.renewal_term)
            and (due is None or due < as_of))  # fmt: skip


def _usable(m: DueRuleMention, text: str) -> bool:
    r = m.rule
    before = text[max(0, m.start - 60) : m.start]
    if _CURE.search(before) or _CURE.search(m.text):
        return False  # "fails to cure within thirty (30) days" is a remedy, not a deadline
    if re.search(r"surviv\w*\W+(?:\w+\W+){0,12}$", text[max(0, m.start - 100) : m.start], re.I):
        return False  # "shall survive for one year after termination" is a survival period
    if r.kind == "relative" and r.amount is None and r.direction in ("on", "before") and r.anchor in ("written_request", "notice", None):
        return False  # "upon request", "upon notice": no schedule to track
    return not (r.kind == "relative" and r.unit == "days" and r.direction is None)


_TERMINATION_RIGHT = re.compile(r"\bmay\s+(?:immediately\s+)?terminate\b|\bright\s+to\s+terminate\b|\bmay\s+be\s+terminated\b|\bterminable\b", re.I)


def _type_allows(m: DueRuleMention, otype: str) -> bool:
    """Vague events ("after the Transfer") only carry a payment; a period only bounds cover-type duties."""
    r = m.rule
    if r.kind == "relative" and r.amount is None and r.anchor in _WEAK_EVENT_ANCHORS:
        if r.direction == "before" and r.anchor == "event" and m.start <= 12:
            return True  # "Prior to the offering of each Tranche, GWG shall provide …" sets a deadline
        return otype == "payment" and r.anchor == "event"
    return not (m.period and otype not in _PERIOD_TYPES)


_MAY_ONLY_TYPES = {"option_exercise", "termination_notice", "renewal", "renewal_notice", "audit", "expiration", "acceptance"}


def _permission_only(text: str, mentions: Sequence[DueRuleMention]) -> bool:
    """Whether every deadline in ``text`` is governed by "may" ("EDGE may invoice Subcontractor, which invoice shall be
    paid net 30" keeps the duty in its second clause)."""
    modals = [(m.start(), m.group(0).lower()) for m in _MODAL.finditer(text)]
    if not modals:
        return False
    for m in mentions:
        before = [w for pos, w in modals if pos <= m.start]
        governing = before[-1] if before else modals[0][1]
        if governing != "may":
            return False
    return True
_STRONG_DUTY = re.compile(
    r"\b(?:shall|must|will|agrees?\s+to|undertakes?\s+to|is\s+(?:required|obligated)\s+to|are\s+(?:required|obligated)\s+to|"
    r"(?:is|are|becomes?)\s+(?:due|payable)|payable|due|warrant(?:s|ed)|should|to\s+be\s+(?:paid|made|delivered|received|provided|submitted)|"
    r"payment\s+terms|net\s+\d+|(?:is|are)\s+responsible\s+for|commits?\s+to|"
    r"(?:has|have)\s+(?:a|an|\w+)\s+(?:[\w()-]+\s+){0,4}?(?:period|days?|hours|months?)\s+(?:\w+\s+){0,6}?to)\b|\b(?:agreement\s+|initial\s+)?term\s*:|[$€£]\s?\d|"
    r"\b(?:reporting|payment\s+terms|delivery|payment)\s*:",
    re.I,
)


_SURVIVAL = re.compile(r"\bsurviv", re.I)
_OTHER_DUTY = re.compile(r"\b(?:shall|will|must|agrees?\s+to)\s+(?!survive|continue|remain|be\s+(?:deemed|binding)|not\b)(?:promptly\s+|immediately\s+)?\w+", re.I)


_HEADER = re.compile(
    r":\s*$|\bas\s+follows\b|\bbelow\b|\bset\s+out\s+in\s+the\s+(?:table|schedule)\b|"
    r"\bthe\s+following\s+(?:table|schedule|deliverables?|milestones?|dates?|amounts?|install?ments?|payments?|times?|"
    r"response\s+times?|fees?|shipments?)\b",
    re.I,
)
_TABLE_TITLE = re.compile(r"^(?=.{0,70}$)(?!.*(?:\b(?:shall|must|will|may|is|are|(?:19|20)\d\d)\b|:))\W*[\w ,&/#*()-]{0,60}\b(?:schedule|table|milestones?|deliverables)\b[\w ,&/#*()-]{0,40}\W*$", re.I)
_TABLE_INTRO = re.compile(r"\b(?:set\s+(?:out|forth)\s+in|following|below)\b[^.;]{0,30}\b(?:table|schedule)\b", re.I)  # "fees are set out in the following fee schedule"
_ROW_VERB = re.compile(r"\b(?:shall|must|will|may|is|are|be|agrees?|commences?|expires?|ends|continues?|remains?|has|have)\b", re.I)
_BARE_HOURS = re.compile(r"(?<![\w.])(?P<n>\d{1,3}|one|two|three|four|six|eight|twelve|twenty[\s-]four|forty[\s-]eight|seventy[\s-]two)\s*"
                         r"(?:business\s+)?(?P<u>hours?|hrs?|minutes?|business\s+days?|days?)\b", re.I)
_SEVERITY_TABLE = re.compile(r"\b(?:severity|priority|level)\s*(?:level\s*)?[1-4I]\b", re.I)


_RATE = re.compile(r"\s*(?:per|a|each|every)\s+(?:day|week|month)\b", re.I)
_WORD_HOURS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "eight": 8, "twelve": 12, "twenty four": 24, "forty eight": 48,
               "seventy two": 72}  # fmt: skip


def _row_mentions(text: str) -> list[DueRuleMention]:
    """Rows of a response-time table ("Priority 1 | 1 hour | 8 hours"): each bare duration is a window."""
    out = []
    for m in _BARE_HOURS.finditer(text):
        if _RATE.match(text, m.end()):
            continue  # "24 hours per day"
        unit = m.group("u").lower()
        unit = "hours" if unit.startswith(("hour", "hr")) else "minutes" if unit.startswith("minute") else (
            "business_days" if unit.startswith("business") else "days")
        n = int(m.group("n")) if m.group("n").isdigit() else _WORD_HOURS[re.sub(r"[\s-]+", " ", m.group("n").lower())]
        rule = DueRule(kind="relative", amount=n, unit=unit, direction="within", anchor="event")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.7))
    return out


@dataclass
class _Cand:
    """A unit that may state a dated obligation: its due-rule mentions, the text the classifier reads, where its
    time element comes from (``own`` words, a table ``row`` under its header, a list ``item`` under its lead-in, or
    the ``context`` of an "Effect of termination" block) and the headings it sits under."""

    unit: _Unit
    mentions: list[DueRuleMention]
    read: str
    source: str = "own"
    heading: str = ""
    lead: str = ""


_ITEM_START = re.compile(r"^\W{0,3}(?:\((?:[a-zA-Z]{1,2}|[ivxlcIVXLC]{1,6}|\d{1,2})\)|(?:[a-zA-Z]|[ivx]{1,4}|\d{1,2})[.)](?!\d)|[•●·▪◦\-–o](?=\s))\s*")
_BARE_MARK = re.compile(r"^\W{0,3}(?:\(?(?:[a-zA-Z]{1,2}|[ivxlc]{1,6}|\d{1,2}(?:\.\d{1,2})?)[.)])\s*$")
_LEAD_END = re.compile(r"(?::|\bas\s+follows\W*|\bshall|\bwill|\bmust|\bagrees?\s+to)\s*(?:\(?[a-z0-9ivx]{1,4}[.)])?\s*$", re.I)  # run on a line's tail
_BACKREF = re.compile(r"\b(?:in\s+(?:any\s+)?such\s+(?:event|case)|thereupon|in\s+that\s+event|at\s+such\s+time|in\s+(?:the\s+)?event\s+of\s+(?:any\s+)?such)\b", re.I)
_TERM_CONTEXT = re.compile(
    r"\b(?:effects?|consequences?|obligations?|rights?\s+and\s+obligations|duties|procedures?|actions?)\s+(?:of|on|upon|following|after)\s+"
    r"(?:the\s+)?(?:expiration\s+or\s+|expiry\s+or\s+)?(?:termination|expiration|expiry)|\b(?:upon|on|after|following|in\s+the\s+event\s+of)\s+(?:the\s+)?"
    r"(?:(?:effective\s+date\s+of\s+)?(?:any\s+)?(?:expiry|expiration)\s+or\s+)?(?:termination|expiration|expiry)\b|post[-\s]termination|\btermination\s+(?:assistance|obligations)",
    re.I,
)
_TRIGGER_ANCHORS = {"termination", "signing", "effective_date", "closing", "expiration_date"}
_DEPENDENCY_ANCHORS = ("phase_completion", "completion", "approval", "acceptance")
# "acceptance of the related milestone", "receipt of each Deliverable", "its acceptance": a rule applied to every
# item, not a link to one named predecessor (no depends_on, so nothing dangles)
_GENERIC_TRIGGER = re.compile(r"\b(?:each|every|any|its|their|such|the\s+(?:related|relevant|corresponding|applicable|respective))\b"
                              r"|\b(?:a|an)\s+(?:deliverable|milestone)\b", re.I)


def _depends_on(rule: DueRule, trigger: str | None) -> str | None:
    """The predecessor a dependent milestone names ("Client's approval of the Phase 1 Deliverables"), as written."""
    if rule.anchor not in _DEPENDENCY_ANCHORS or not trigger or _GENERIC_TRIGGER.search(trigger):
        return None
    return re.sub(r"\s+", " ", trigger).strip()
_HEAD_PREFIX = re.compile(r"^\W{0,3}(?:(?:ARTICLE|Article|SECTION|Section)\s+\S+\s*)?(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?\s*)?"
                          r"(?P<h>(?:[A-Z][A-Z&/,'-]+\s+){0,5}[A-Z][A-Z&/'-]+(?=\s+[A-Z]?[a-z(])|(?:[A-Z][a-z]+[ &/,-]*){1,5}(?=[.:]\s))")


def _section_headings(sections: Sequence[Any]) -> tuple[list[int], list[tuple[int, int, str]]]:
    heads = [(s.start, s.end if s.end is not None else s.start + 4000, s.heading) for s in sections if s.heading]
    return [h[0] for h in heads], heads


def _headings_at(index: tuple[list[int], list[tuple[int, int, str]]], offset: int) -> str:
    """Headings of the sections enclosing ``offset``, outermost first (at most three)."""
    starts, heads = index
    i = bisect.bisect_right(starts, offset) - 1
    found: list[str] = []
    while i >= 0 and len(found) < 3 and offset - heads[i][0] < 60000:
        if offset < heads[i][1]:
            found.append(heads[i][2])
        i -= 1
    return " / ".join(reversed(found))


def _inline_heading(text: str) -> str:
    """A heading printed at the start of the sentence itself ("PAYMENT TERMS The Distributor …", "Insurance: During …")."""
    m = _HEAD_PREFIX.match(text)
    return m.group("h").strip(" ,") if m and len(m.group("h")) >= 4 else ""


def _trigger(text: str) -> DueRuleMention | None:
    """The contract event a lead-in or heading sets for what follows ("Upon termination of this Agreement:")."""
    for m in get_due_rules(text):
        r = m.rule
        if r.kind == "relative" and r.amount is None and r.direction == "on" and r.anchor in _TRIGGER_ANCHORS:
            anchor = "termination" if r.anchor == "expiration_date" else r.anchor
            return DueRuleMention(0, 0, m.text, replace(r, anchor=anchor), m.trigger, 0.7)
    if _TERM_CONTEXT.search(text):
        rule = DueRule(kind="relative", direction="on", anchor="termination")
        return DueRuleMention(0, 0, "upon termination", rule, "termination", 0.65)
    return None


def _usable_mentions(text: str) -> list[DueRuleMention]:
    return [m for m in get_due_rules(text) if _usable(m, text)]


def _candidates(units: Sequence[_Unit], sections: Sequence[Any] = ()) -> list[_Cand]:
    """Every unit that may be an obligation, with its due-rule mentions and the text the classifier reads.

    A short verbless row under a header sentence ("Supplier shall deliver the following Deliverables:") is read with
    its header, so schedules and response-time tables are typed by what they list. A list item under a lead-in
    ("Upon termination of this Agreement, Licensee shall: (a) return …; (b) cease …") is read with the lead-in and
    takes its trigger; so does a duty in an "Effect of termination" section that names no time of its own.
    """
    out: list[_Cand] = []
    header: str | None = None
    header_age = 0
    lead: _Unit | None = None
    lead_trigger: DueRuleMention | None = None
    prev: _Unit | None = None
    term_ctx = -10**9
    prev_own: _Unit | None = None
    index = _section_headings(sections)
    for u in units:
        header_age += 1
        if header_age > 25:
            header = None
        low = u.text.lower()
        own_duty = bool(_DUTY.search(u.text))
        if ((own_duty or _TABLE_INTRO.search(u.text)) and len(u.text) < 600 and _HEADER.search(u.text)) or (
                len(u.text) <= 75 and _TABLE_TITLE.match(u.text)):
            header, header_age = u.text, 0
        is_item = bool(_ITEM_START.match(u.text)) or (prev is not None and bool(_BARE_MARK.match(prev.text)))
        if lead is not None and (u.start - lead.end > 2500 or _NEW_CLAUSE.match(u.text)):
            lead, lead_trigger = None, None
        head_low = low[:200]
        if ("terminat" in head_low or "expir" in head_low) and _TERM_CONTEXT.search(u.text[:160]):
            term_ctx = u.end  # "Upon termination of this Agreement: …" colours the duties that follow it
        tail = u.text.rstrip()[-45:]
        if len(u.text) < 700 and (tail.endswith(":") or _LEAD_END.search(tail)) and not _DEFINITION.search(u.text):
            lead = u
            lead_trigger = _trigger(u.text)
            if lead_trigger is None and prev is not None and (_BACKREF.search(u.text) or len(u.text) < 80):
                lead_trigger = _trigger(prev.text)
            prev = u
            own = [m for m in _usable_mentions(u.text)] if _QUICK.search(u.text) else []
            if not any(m.rule.amount or m.rule.date or m.rule.kind == "recurring" for m in own) and u.text.rstrip().endswith(":"):
                continue  # "Upon termination of this Agreement:" introduces duties; it is not one
        elif not _BARE_MARK.match(u.text):
            prev_own, prev = prev, u
        if _BARE_MARK.match(u.text) or (len(u.text) < 80 and _HEADING_ONLY.match(u.text)):
            continue
        if own_duty and any(w in low for w in _CEASE_WORDS) and (rc := _RIGHTS_CEASE.search(u.text)) and not _DUTY_AFTER.search(u.text, rc.end()):
            continue  # "all rights … shall cease" alone; "…, and Licensee shall immediately delete …" is a duty
        quick = bool(_QUICK.search(u.text))
        in_list = lead is not None and u is not lead and is_item
        if not quick and not in_list and not (own_duty and any(w in low for w in _CONTEXT_WORDS)):
            continue  # no time of its own and nothing around it that could lend one
        heading = (_headings_at(index, u.start) + " / " + _inline_heading(u.text)).strip(" /")
        is_row = (quick and header is not None and len(u.text) < 300 and not _ROW_VERB.search(u.text)
                  and not re.match(r"^\W*[\d.]*\s*(?:[A-Z][\w ]{0,30})?\b(?:term|date|period)\s*:", u.text, re.I))
        if is_row:
            if _DEFINITION.search(u.text) or _is_negative(u.text):
                continue
            mentions = _usable_mentions(u.text)
            mentions = [m for m in mentions if m.rule.amount or m.rule.date or m.rule.kind == "recurring" or
                        (m.rule.direction == "on" and m.rule.anchor not in _WEAK_EVENT_ANCHORS
                         and re.search(r"[$€£%]|\d", re.sub(r"^\W*[\d.()a-z]{0,8}\s", "", u.text)))]
            if not any(m.rule.amount or m.rule.date or m.rule.kind == "recurring" for m in mentions):
                mentions = mentions + _row_mentions(u.text)
            if mentions:
                out.append(_Cand(u, mentions, f"{header} {u.text}", "row", heading))
            continue
        ctx_duty = in_list and bool(_DUTY.search(lead.text if lead else ""))
        if not (own_duty or ctx_duty) or _DEFINITION.search(u.text) or _is_negative(u.text):
            continue
        if not own_duty and not re.match(r"^\W{0,3}(?:\S{1,6}\s+)?(?:the\s+\w+\s+)?[a-z]+\b", _ITEM_START.sub("", u.text)):
            continue  # an item without its own duty must start with what to do ("return all …", "provide …")
        if not _ANY_VERB.search(u.text) and not ctx_duty:
            continue
        if _SURVIVAL.search(u.text) and not _OTHER_DUTY.search(u.text):
            continue
        mentions = _usable_mentions(u.text) if quick else []
        if len(_SEVERITY_TABLE.findall(u.text)) >= 2 and re.search(r"respon|resol|restor", low):
            mentions = [m for m in mentions if m.rule.unit != "hours"] + _row_mentions(u.text)  # "Severity 1 Every Two Hours …"
        if mentions and (in_list and lead_trigger is not None and lead_trigger.rule.anchor == "termination" or (
                own_duty and (u.start - term_ctx < 1500 or _TERM_CONTEXT.search(heading)))):
            # "Upon termination: … all copies shall be destroyed within five business days" counts from termination
            mentions = [replace(m, rule=replace(m.rule, anchor="termination")) if m.rule.kind == "relative" and m.rule.amount
                        and m.rule.anchor in (None, "event") and m.rule.direction != "before" else m for m in mentions]
        if mentions:
            read = f"{lead.text[-200:]} {u.text}" if in_list and lead is not None else u.text
            out.append(_Cand(u, mentions, read, "item" if in_list else "own", heading, lead.text if in_list and lead else ""))
            continue
        trig = lead_trigger if in_list else None
        source = "item"
        if trig is None and own_duty and prev_own is not None and _BACKREF.search(u.text[:40]):
            trig, source = _trigger(prev_own.text), "context"  # "In such a case, the remaining stock shall be returned"
        if trig is None and (own_duty or in_list) and (_TERM_CONTEXT.search(heading) or (
                _WIND_DOWN.search(u.text) and (u.start - term_ctx < 2500 or re.search(r"terminat|expir", heading, re.I)))):
            trig, source = _trigger(heading) or DueRuleMention(0, 0, "upon termination", DueRule(kind="relative", direction="on", anchor="termination"),
                                                               "termination", 0.6), "context"
        if trig is not None and _ACTION.search(u.text):
            read = f"{lead.text[-200:]} {u.text}" if in_list and lead is not None else f"Upon termination: {u.text}"
            out.append(_Cand(u, [trig], read, source, heading, lead.text if in_list and lead else ""))
    return out


_HEADING_ONLY = re.compile(r"^\W{0,3}(?:[\d.]+\s*)?(?:[A-Z][A-Z&/,'-]+\s*){1,6}\W{0,2}$|^\W{0,3}(?i:monthly|quarterly|annually|weekly|yearly)\W{0,2}$")
_CEASE_WORDS = ("cease", "terminat", "expire", "revert", "lapse", "void", "cancel")
_CONTEXT_WORDS = ("immediately", "forthwith", "promptly", "payable", "such", "thereupon", "that event", "return", "cease", "destroy",
                  "discontinue", "deliver", "transfer", "pay", "refund", "remove", "cooperate", "assist", "surrender", "vacate")  # fmt: skip
_RIGHTS_CEASE = re.compile(
    r"^(?:\W{0,3}(?:\d{1,2}(?:\.\d{1,2})*\.?|\(?[a-z]{1,3}\))\s+)?[^.;]{0,160}\b(?:rights?|licen[cs]es?|obligations?|options?|warrants|fees)\b[^.;]{0,160}\b(?:shall|will)\s+(?:\w+\s+){0,2}?"
    r"(?:cease|terminate|expire|revert|lapse|be\s+(?:void|terminated|cancell?ed))\b(?![^.;]{0,20}\bexcept)",
    re.I,
)
_DUTY_AFTER = re.compile(
    r"[,;]\s+and\s+(?:the\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:shall|will|must|agrees\s+to)\b(?!\s+(?:not|have|be\s+entitled)\b)", re.I)
_NEW_CLAUSE = re.compile(r"^\W{0,3}(?:\d{1,2}\.\d{1,2}\b|(?:ARTICLE|Article|SECTION|Section)\s+\w|\d{1,2}\.\s+[A-Z][A-Za-z]+)")
_WIND_DOWN = re.compile(
    r"^(?!(?:[^.;]{0,80}\b(?:obligations?|rights?|licen[cs]es?|agreement|provisions?|documents?)\b[^.;]{0,40}\b(?:shall|will|must)\b))"
    r"[^.;]*?\b(?:shall|will|must)\s+(?:\w+\s+){0,2}?(?:immediately|forthwith|promptly)\s+(?:\w+\s+)?(?:cease|discontinue|return|destroy|deliver|pay|refund|remove|stop|delete)|"
    r"\b(?:shall|will)\s+(?:immediately\s+|forthwith\s+)?become\s+(?:immediately\s+)?due\s+and\s+payable",
    re.I,
)
_ACTION = re.compile(
    r"\b(?:return|destroy|delete|erase|cease|discontinue|stop|deliver|transfer|assign|pay|refund|repay|remit|provide|"
    r"furnish|send|remove|vacate|surrender|cancel|withdraw|assist|cooperate|complete|certify|account|turn\s+over|"
    r"hand\s+over|make\s+available|notify|release|de-?register|terminate\s+(?:any|all|the)|(?:due\s+and\s+)?payable)\w*\b",
    re.I,
)


def _money(segment: str) -> tuple[str | None, str | None]:
    m = _MONEY.search(segment)
    if not m:
        return None, None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None, None
    mult = (m.group("mult") or "").lower()
    value *= {"million": Decimal(1_000_000), "thousand": Decimal(1000), "billion": Decimal(1_000_000_000)}.get(mult, Decimal(1))
    cur = _CURRENCY.get(m.group("cur").strip().lower())
    return f"{value:.2f}", cur


def _percent(segment: str) -> str | None:
    m = _PERCENT.search(segment)
    if not m:
        return None
    if m.group("pct"):
        return m.group("pct")
    return _FRACTIONS.get(re.sub(r"\s+", " ", m.group("frac").lower()))


_MODAL = re.compile(r"\b(?:shall|must|will|agrees?\s+to|undertakes?\s+to|is\s+required\s+to|commits?\s+to|may|warrants|represents)\b", re.I)
_COLLECTIVE = re.compile(r"^(?:each|either|both|all|the\s+parties|parties|neither)\b", re.I)


_BY_AGENT = re.compile(
    r"\b(?:payable|paid|made|performed|delivered|exercised|given|received)\s+by\s+(?:the\s+)?(?P<who>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})|"
    r"\bunless\s+(?:the\s+)?(?P<who2>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,2})\s+(?:gives|provides|delivers|sends|notifies|elects)"
)
_INVOICE_TO = re.compile(r"\binvoice\s+(?:is\s+)?(?:received\s+)?by\s+(?:the\s+)?(?P<who>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})")


def _named(mention: str, parties: Sequence[Any], resolve_party: Any) -> str | None:
    if parties and resolve_party is not None:
        try:
            party = resolve_party(mention, parties)
        except Exception:  # a helper from another module must not break extraction
            party = None
        if party is not None:
            return " ".join(str(party.name).split())
    return None


def _responsible(text: str, parties: Sequence[Any], resolve_party: Any, otype: str = "other") -> str | None:
    """The party who must act: the party named last before the first duty verb, else a role word as written.

    Passive duties name the actor after "by" ("payable by Distributor"); a payer is whoever receives the
    invoice; rent is the tenant's. None for duties of "either party" / "both parties".
    """
    agent = _BY_AGENT.search(text) or (_INVOICE_TO.search(text) if otype == "payment" else None)
    if agent:
        who = _named(agent.group("who") or agent.group("who2"), parties, resolve_party)
        if who:
            return who
    if otype == "payment" and re.search(r"\brent\b", text, re.I):
        tenant = next((p for p in parties or () if str(getattr(p, "role", "") or "").lower() in ("lessee", "tenant")), None)
        if tenant is not None:
            return " ".join(str(tenant.name).split())
    modal = _MODAL.search(text)
    if not modal:
        return None
    window = text[max(0, modal.start() - 160) : modal.start()]
    m = _SUBJECT.search(text)
    subj = re.sub(r"^(?:the|such|any)\s+", "", m.group("subj").strip(), flags=re.I).strip() if m and m.start() < modal.start() + 5 else ""
    if subj and _COLLECTIVE.match(subj):
        return None
    best: tuple[int, str] | None = None
    for party in parties or ():
        for alias in (*getattr(party, "aliases", ()), getattr(party, "name", "")):
            alias = " ".join(str(alias).split())
            if len(alias) < 2:
                continue
            for hit in re.finditer(rf"\b{re.escape(alias)}\b", " ".join(window.split())):
                if best is None or hit.end() > best[0]:
                    best = (hit.end(), " ".join(str(party.name).split()))
    if best is not None:
        return best[1]
    if not subj:
        return None
    head = subj.split()[-1].lower().strip(".,")
    from .parties import ROLE_WORDS

    if head in ROLE_WORDS or re.fullmatch(r"(?:Party|PARTY)\s+[A-Z0-9]", subj):
        if parties and resolve_party is not None:
            try:
                party = resolve_party(subj, parties)
            except Exception:  # a helper from another module must not break extraction
                party = None
            if party is not None:
                return " ".join(str(party.name).split())
        return subj
    return None


def _deliverable(text: str) -> str | None:
    m = _OBJECT.search(text)
    if not m:
        return None
    obj = re.sub(r"^(?:to\s+)?(?:the\s+other\s+party|[A-Z][\w&.-]*)\s+(?:with\s+)?(?=\w)", "", m.group("obj")).strip()
    obj = re.sub(r"^(?:a|an|the|its|all|any|such|each)\s+", "", obj, flags=re.I).strip()
    if len(obj) < 3 or re.match(r"(?:it|them|this|that|such|for|to|with|by|of|in|at|from|on|as|any)\b", obj, re.I):
        return None
    return obj[:80]


def _name(otype: str, rule: DueRule, deliverable: str | None, index: int, total: int, percentage: str | None,
          amount: str | None, currency: str | None) -> str:  # fmt: skip
    base = _TYPE_NOUN.get(otype, "Obligation")
    if otype in ("delivery", "reporting", "compliance", "other", "audit") and deliverable:
        base = deliverable[0].upper() + deliverable[1:]
    freq = _FREQ_WORD.get(rule.frequency or "")
    if freq and rule.kind == "recurring" and not base.lower().startswith(freq.lower()):
        base = f"{freq} {base[0].lower() + base[1:]}"
    if total > 1:
        what = f"{percentage}%" if percentage else (f"{currency or ''} {amount}".strip() if amount else None)
        when = _when(rule)
        label = f"{base} {index} of {total}"
        tail = " ".join(x for x in (what, when) if x)
        return f"{label} — {tail}" if tail else label
    return base[:90]


def _when(rule: DueRule) -> str | None:
    anchor = _ANCHOR_WORDS.get(rule.anchor or "", (rule.anchor or "").replace("_", " "))
    if rule.kind == "absolute" and rule.date:
        return f"by {rule.date.isoformat()}"
    if rule.kind == "relative" and rule.amount is None and anchor:
        return f"on {anchor}"
    if rule.kind == "relative" and rule.amount:
        unit = rule.unit.replace("_", " ") if rule.unit else ""
        return f"{rule.amount} {unit} {'before' if rule.direction == 'before' else 'after'} {anchor}".strip()
    return None


def _recurrence(rule: DueRule) -> str | None:
    return rule.frequency if rule.kind == "recurring" else None


# --- type-specific interpretation --------------------------------------------------------------------------------

_ROW_TYPES = [
    ("sla", re.compile(r"\brespon(?:d|se)|\bresol(?:ve|ution)|\bpriority|\bseverity|\bincident", re.I)),
    ("payment", re.compile(r"\bpa(?:y|id)\b|\bpayments?\b|\bfees?\b|\binstall?ments?\b|\binvoice", re.I)),
    ("delivery", re.compile(r"\bdeliver|\bdeliverables?\b|\bship|\bmilestones?\b", re.I)),
]
_EXPIRY = re.compile(
    r"\b(?:agreement\s+|initial\s+|contract\s+)?(?:term|period)\s*:\s*[^.;]{0,40}?\b(?:to|through|until|thru)\b|"
    r"\b(?:this\s+(?:agreement|sow|lease|contract|amendment|statement\s+of\s+work)|the\s+(?:initial\s+)?term(?:\s+of\s+this\s+\w+)?)\b[^.;]{0,120}?"
    r"\b(?:expires?|shall\s+expire|will\s+expire|terminates?\s+on|ends?\s+on|ends\s+\w+|end\s+on|"
    r"continue[sd]?\s+(?:in\s+(?:full\s+)?(?:force|effect)\s+)?(?:until|through)|remain\s+in\s+(?:full\s+)?(?:force\s+and\s+effect|force|effect)\s+(?:until|through))\b",
    re.I,
)
# "This Agreement shall continue for four (4) years", "The term of the Agreement will be for 12 months": a fixed length
# rather than an end date (the rule parse supplies the duration; auto-renewing contracts drop the expiration later).
_TERM_LENGTH = re.compile(
    r"\b(?:this\s+(?:\w+\s+){0,2}?(?:agreement|sow|lease|contract)|the\s+agreement|(?<!during\s)the\s+(?:initial\s+)?term(?:\s+of\s+(?:this|the)\s+(?:\w+\s+)?\w+)?)\b"
    r"[^.;]{0,120}?\b(?:continue[sd]?\s+(?:in\s+(?:full\s+)?(?:force\s+and\s+effect|force|effect)\s+)?for|"
    r"(?:shall|will)\s+be\s+(?:for\s+)?(?:a\s+(?:period|term)\s+of\s+)?(?:\w+\s+){0,2}?(?:\(\d+\)\s+)?(?:years?|months?)|"
    r"(?:shall|will)\s+have\s+an?\s+(?:initial\s+)?term\s+of)\b",
    re.I,
)
_AUTO_RENEW = re.compile(r"\bautomatic(?:ally)?\s+(?:be\s+)?(?:renew|extend|continue)|\b(?:renew|extend|continu)\w*\s+automatically|\bsuccessive\b|\bevergreen\b|\bshall\s+(?:be\s+)?(?:renewed|extended)\s+for\b|"
                         r"\bindefinitely\b|\bmonth[\s-]to[\s-]month\b|\byear[\s-]to[\s-]year\b|\brenewed\s+tacitly|\btacitly\s+renew", re.I)
_CONTINUANCE_APPROVAL = re.compile(r"\bprovided\s+(?:that\s+)?(?:such\s+)?(?:continuance|continuation)\b[^.]{0,60}\bapproved\b|\bcontinuation\s+shall\s+be\s+specifically\s+approved", re.I)
_NOT_RENEW = re.compile(r"\bnon[\s-]?renewal|\bnot\s+(?:to\s+)?(?:renew|extend)|\bintent(?:ion)?\s+not\s+to|\bunless\b[^.]{0,160}\bnotice|\bterminat\w*\b[^.]{0,80}\bnotice", re.I)


def _pick(mentions: Sequence[DueRuleMention], otype: str) -> DueRuleMention:
    """The mention that best states the deadline for a single obligation."""
    def rank(m: DueRuleMention) -> tuple[float, ...]:
        r = m.rule
        s = m.confidence
        if r.kind == "recurring" and (r.anchor or r.amount):
            s += 0.3
        if r.kind == "relative" and r.amount:
            s += 0.2
        if r.kind == "absolute" and r.date:
            s += 0.25
        if m.period and otype not in _PERIOD_TYPES:
            s -= 0.5
        if otype in ("renewal_notice", "option_exercise", "renewal") and r.direction == "before":
            s += 0.3
        if otype == "expiration" and r.direction == "before" and r.kind == "relative":
            s -= 0.4
        return (s, -m.start)

    return max(mentions, key=rank)


def _deadline_like(m: DueRuleMention) -> bool:
    r = m.rule
    if m.period:
        return False
    if r.kind == "absolute":
        return r.date is not None or bool(r.anchor)
    if r.kind == "recurring":
        return True
    if r.amount is not None:
        return m.confidence >= 0.6
    return r.direction in ("on", "before") and r.anchor not in _WEAK_EVENT_ANCHORS


def _same_rule(a: DueRule, b: DueRule) -> bool:
    return (a.kind, a.amount, a.unit, a.anchor, a.frequency, a.date) == (b.kind, b.amount, b.unit, b.anchor, b.frequency, b.date)


_RATE_BEFORE = re.compile(r"(?:[$€£]\s?[\d,.]+(?:\s*(?:million|thousand|billion))?|\d[\d,.]*\s*(?:%|percent|dollars|euros)|\bUS\$\s?[\d,.]+)\s*(?:\([^)]{0,60}\)\s*)?$|\bfor\s+$", re.I)
_CONDITION_AFTER = re.compile(r"\s+(?:that|in\s+which|during\s+which|where)\b", re.I)


def _split(otype: str, text: str, mentions: list[DueRuleMention]) -> list[tuple[DueRuleMention, str]]:
    """(mention, segment) per obligation: one for most sentences, one per installment for schedules."""
    deadlines: list[DueRuleMention] = []
    counted_anchors = {m.rule.anchor for m in mentions if m.rule.kind == "relative" and m.rule.amount and _deadline_like(m)}
    for m in mentions:
        if m.rule.kind == "relative" and m.rule.amount is None and m.rule.anchor in counted_anchors:
            continue  # "Upon termination … within 30 days after termination": one deadline, not two
        if _deadline_like(m) and not any(_same_rule(m.rule, d.rule) for d in deadlines):
            deadlines.append(m)
    if otype == "payment" and len(deadlines) >= 2:
        # "a fee of US$300,000 annually, to be paid quarterly": the bare frequency after an amount is a rate;
        # "for each month that MA has no sales" is a condition — neither is a schedule of its own
        rated = [m for m in deadlines if not (m.rule.kind == "recurring" and not m.rule.anchor and not m.rule.amount and (
            _RATE_BEFORE.search(text[max(0, m.start - 40) : m.start]) or _CONDITION_AFTER.match(text, m.end)))]
        deadlines = rated or deadlines
    if otype == "payment" and any(m.rule.kind == "recurring" for m in deadlines):
        # "$23,000 per month, with payments to commence on March 1, 2018": the date starts the schedule
        deadlines = [m for m in deadlines if not (m.rule.kind == "absolute" and re.search(
            r"(?:commenc\w*|beginning|starting|start)\s+(?:on\s+|in\s+)?(?:the\s+)?$", text[max(0, m.start - 30) : m.start], re.I))]
        if len(deadlines) == 1:
            return [(deadlines[0], text)]
    if otype in ("payment", "delivery") and len(deadlines) >= 2:
        # a bare "monthly" next to "within 15 days after receipt of an invoice" is two obligations (bill, pay)
        out = []
        prev_end = 0
        for m in deadlines:
            seg_start = prev_end
            out.append((m, text[seg_start : m.end]))
            prev_end = m.end
        return out
    if otype in ("reporting", "sla") and len(deadlines) >= 2:
        distinct = {(m.rule.kind, m.rule.amount, m.rule.unit, m.rule.frequency, m.rule.anchor) for m in deadlines}
        if len(distinct) == len(deadlines):
            prev_end = 0
            out = []
            for m in deadlines:
                out.append((m, text[prev_end : m.end]))
                prev_end = m.end
            return out
    return [(_pick(mentions, otype), text)]


_PAY_DUTY = re.compile(
    r"\b(?:shall|will|must|agrees?\s+to)\s+(?:\w+\s+){0,2}?(?:pay|remit)\b|"
    r"\b(?:shall|will|must)\s+(?:\w+\s+){0,2}?(?:furnish|submit|deliver|send)\s+(?:to\s+)?(?:\w+\s+){0,3}?(?:fees|royalt\w+|payments?|invoices?)\b|"
    r"\(\w{1,4}\)\s+(?:the\s+|full\s+)?payment\s+of\b", re.I)
_REPORT_DUTY = re.compile(
    r"(?:\b(?:accompanied\s+by|together\s+with|along\s+with)\s+|\band\s+(?:shall|will|must)\s+(?:also\s+|further\s+)?(?:furnish|provide|submit|deliver|send|render)\b[^.;]{0,40}?\s|\(\w{1,4}\)\s+)"
    r"(?:a|an|the|its|such)\s+(?:written\s+|detailed\s+|monthly\s+|quarterly\s+|annual\s+|royalty\s+|sales\s+)*(?:report|statement|accounting)s?\b", re.I)


def _pay_and_report(text: str, otype: str) -> str | None:
    """The other duty of a sentence that both pays and reports on one deadline (the labelling guide: one record each)."""
    if otype not in ("payment", "reporting") or not (_PAY_DUTY.search(text) and _REPORT_DUTY.search(text)):
        return None
    return "reporting" if otype == "payment" else "payment"


_CLAUSE_MODAL = re.compile(r"\b(?:shall|must|will|agrees?\s+to)\b", re.I)
_CLAUSE_TYPES = ("payment", "delivery", "reporting", "acceptance", "compliance")


def _clause_items(text: str, mentions: list[DueRuleMention], otype: str, p: Mapping[str, float]) -> list[tuple[str, DueRuleMention, str]]:
    """"Seller shall deliver within 14 days of notice, and Buyer must pay within 30 days of delivery": two duties of
    two kinds. Each deadline is typed by the duty verb of its own clause when the clauses say different things."""
    if otype not in _CLAUSE_TYPES:
        return []
    deadlines = [m for m in mentions if _deadline_like(m)]
    modals = [m.start() for m in _CLAUSE_MODAL.finditer(text)]
    if len(deadlines) < 2 or len(modals) < 2:
        return []
    bounds = []
    for pos in modals:
        cut = max(text.rfind(",", 0, pos), text.rfind(";", 0, pos), text.rfind(" and ", 0, pos))
        bounds.append(max(cut, 0))
    bounds = sorted(set(bounds)) + [len(text)]
    ranked = sorted((t for t in p if t != NONE_LABEL), key=lambda t: -p[t])[:4]
    out = []
    for m in deadlines:
        i = max(k for k in range(len(bounds) - 1) if bounds[k] <= m.start) if bounds[0] <= m.start else 0
        clause = text[bounds[i] : bounds[i + 1]]
        cue = next((t for t, rx in _VERB_CUES if rx.search(clause)), None)
        t = cue if cue in _CLAUSE_TYPES and cue in ranked else otype
        out.append((t, m, clause))
    return out if len({t for t, _, _ in out}) > 1 else []


_CHANGE_NOTICE = re.compile(
    r"\b(?:increase|raise|decrease|lower|change|modify|revise|adjust|discontinue)\w*\b[^.;]{0,60}\b(?:prices?|pricing|fees?|rates?|charges?|products?|services)\b[^.;]{0,120}\b(?:notice|notify|notifying)\b|"
    r"\b(?:notice|notify|notifying)\b[^.;]{0,120}\b(?:price|fee|rate|pricing|product|service)s?\s+(?:change|increase|decrease|revision|modification|discontinu)|"
    r"\b(?:price|fee|rate|pricing)s?\b[^.;]{0,30}\b(?:change|increase|decrease|revision|adjustment)s?\b[^.;]{0,80}\bnotif",
    re.I,
)
_PRICE_CHANGE = re.compile(r"\b(?:increase|raise|decrease|lower|change|modify|revise|adjust)\w*\b[^.]{0,60}\b(?:fees?|prices?|pricing|rates?|charges?|compensation)\b|"
                           r"\b(?:fees?|prices?|pricing|rates?|compensation)\b[^.]{0,40}\b(?:increase|decrease|change|modif|revis|adjust)|"
                           r"\b(?:discontinue|add\s+or\s+delete|withdraw)\w*\b[^.]{0,40}\bproducts?\b|\b(?:change|modification)s?\s+(?:\w+\s+){0,3}to\s+the\s+services\b", re.I)


def _term_obligations(text: str, mentions: list[DueRuleMention], otype: str, contract_auto_renews: bool = False) -> list[tuple[str, DueRuleMention]]:
    """Contract-level readings of a term/renewal clause: expiration, renewal decision, non-renewal notice."""
    out: list[tuple[str, DueRuleMention]] = []
    auto = bool(_AUTO_RENEW.search(text))
    approval = _CONTINUANCE_APPROVAL.search(text)
    if approval:
        # fund agreements: "continues for successive annual periods provided such continuance is approved at least
        # annually by the Board" — the first term ends on its own; the yearly approval is a duty of its own
        auto = False
        yearly_all = [m for m in mentions if m.rule.kind == "recurring" and m.rule.frequency == "annually"]
        # the approval's own "at least annually", not "periods ending on January 18th of each year" before it
        yearly = next((m for m in yearly_all if m.start >= approval.start()), None)
        if yearly is None and yearly_all:
            yearly = DueRuleMention(approval.start(), approval.end(), approval.group(0), DueRule(kind="recurring", frequency="annually"), None, 0.7)
        if yearly is not None:
            out.append(("compliance", yearly))
    befores = [m for m in mentions if m.rule.direction == "before" and (m.rule.amount or m.rule.date)]
    if otype in ("renewal", "renewal_notice") and befores and _PRICE_CHANGE.search(text) and not _NOT_RENEW.search(text):
        return [("other", befores[0])]  # "may increase the fees for a Renewal Term on 90 days' notice"
    if auto and _NOT_RENEW.search(text) and befores:
        m = befores[0]
        rule = m.rule
        if rule.kind == "relative":
            rule = replace(rule, anchor="expiration_date")
        out.append(("renewal_notice", replace(m, rule=rule)))
        return out
    if otype in ("renewal", "renewal_notice") and befores:
        m = befores[0]
        rule = replace(m.rule, anchor="expiration_date") if m.rule.kind == "relative" else m.rule
        kind = "renewal_notice" if re.search(r"\bnon[\s-]?renewal|\bnot\s+(?:to\s+)?(?:renew|extend)|\bintent\w*\s+not", text, re.I) else "renewal"
        if auto or contract_auto_renews:
            kind = "renewal_notice"
        out.append((kind, replace(m, rule=rule)))
        return out
    if otype == "expiration" and not auto:
        ends = [m for m in mentions if m.rule.kind == "absolute" and m.rule.date] or [
            m for m in mentions if m.rule.kind == "relative" and (m.rule.amount or m.rule.unit in ("months", "years")) and m.rule.direction != "before"
        ] or [m for m in mentions if m.rule.kind == "relative" and m.rule.amount is None and m.rule.direction == "on"]
        if ends:
            m = ends[-1] if ends[-1].rule.kind == "absolute" else ends[0]
            rule = m.rule
            if rule.kind == "absolute":
                rule = replace(rule, direction="on")
            elif rule.amount:
                # a term counts from the Effective Date unless it names its own start ("one year from the Rig Release Date")
                anchor = rule.anchor if rule.anchor not in (None, "event") or (rule.anchor == "event" and m.trigger) else "effective_date"
                rule = replace(rule, direction="after", anchor=anchor)
            out.append(("expiration", replace(m, rule=rule)))
    return out


_TYPE_OVERRIDES: list[tuple[str, re.Pattern[str]]] = [
    ("reporting", re.compile(r"^\W*[\d.]*\s*reporting\s*:", re.I)),
    ("payment", re.compile(r"^\W*[\d.]*\s*payment(?:\s+terms)?\s*:", re.I)),
    ("compliance", re.compile(r"\bsecurity\s+(?:incident|breach)|\bpersonal\s+data\s+breach|\bdata\s+breach|\bsub-?processors?\b|"
                              r"\bSOC\s*[12]\b|\bISO\s*\d{4,5}|\bcode\s+of\s+conduct|\bsafety\s+inspection|"
                              r"\breturn\s+or\s+(?:delete|destroy)|\b(?:delete|destroy)\s+(?:all\s+)?(?:\w+\s+)?(?:data|confidential)", re.I)),
    ("other", re.compile(r"\b(?:shall|must|will|agrees?\s+to)\s+(?:purchase|order|buy)\b[^.]{0,100}\b(?:not\s+less\s+than|at\s+least|a\s+minimum|minimum)\b", re.I)),
    ("audit", re.compile(r"\b(?:retain|keep|maintain|preserve)\b[^.]{0,60}\b(?:books|records)\b[^.]{0,80}\b(?:years?|months?)\b", re.I)),
    ("payment", re.compile(r"\b(?:rent|fees?|royalt\w*|installments?|invoices?)\b[^.;]{0,60}\b(?:is|are|shall\s+be)\s+(?:due|payable|paid)\b", re.I)),
    ("option_exercise", re.compile(r"^(?:(?!\bparties\b).){0,80}\b(?:may|shall\s+have\s+the\s+(?:right|option)\s+to)\s+(?:extend|renew|purchase|buy|acquire)\b[^.]{0,120}\b(?:notice|notify|notifying)", re.I)),
]


def _override_type(text: str, otype: str) -> str:
    """A few unambiguous phrasings fix the type whatever the classifier's second thoughts (see model card)."""
    if otype in ("termination_notice", "renewal_notice") and not re.search(r"\b(?:extend|purchase|buy)\b", text, re.I):
        return otype
    for t, rx in _TYPE_OVERRIDES:
        if rx.search(text):
            return t
    return otype


# --- evidence for typing -----------------------------------------------------------------------------------------
# What real contracts carry besides the sentence's words: the duty verb and its object, the heading the clause sits
# under and the anchor its deadline counts from. Each cue names the obligation type it points to; the learned scorer
# in :mod:`extractors.classifier` weighs them against the sentence classifier (see the model card).

_OBJ_GOODS = r"(?:products?|goods|units?|materials?|deliverables?|content|titles?|software|copies|cop(?:y|ies)\s+of|batch(?:es)?|samples?|equipment|documentation|source\s+code|systems?|items?|shipments?|orders?|shares|certificates\s+for|work\s+product|master\s+batch|api|licensed\s+products)"
_OBJ_INFO = r"(?:reports?|statements?|forecasts?|(?:marketing|sales|business|annual|maintenance|staffing|development)\s+plans?|lists?\s+of|listing|summar(?:y|ies)|accountings?|budgets?|updates?|information|results|analys[ie]s|measurements|minutes|feedback|notices?\s+of|written\s+notice\s+of|schedules?\s+(?:of|that|which)|records\s+of\s+(?:the\s+)?sales)"
_VERB_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("other", re.compile(r"\b(?:increase|decrease|change|modif\w+|revis\w+|adjust\w*)\b[^.;]{0,40}\b(?:prices?|pricing|fees?|rates?|charges?)\b[^.;]{0,80}\bnoti(?:ce|fy)|"
                         r"\b(?:prices?|pricing|fees?|rates?)\b[^.;]{0,30}\b(?:change|increase|decrease|adjustment|revision)s?\b[^.;]{0,80}\bnoti(?:ce|fy)|"
                         r"\bnoti(?:ce|fy)\b[^.;]{0,80}\b(?:price|fee|rate)s?\s+(?:change|increase|decrease)", re.I)),
    ("delivery", re.compile(r"\b(?:deliver|submit|provide|complete)\w*\s+(?:to\s+\w+\s+)?(?:the\s+|a\s+|its\s+)?(?:final|draft|initial|phase\s+\w+)\s+(?:written\s+)?(?:\w+\s+)?report\b", re.I)),
    ("acceptance", re.compile(r"\baccept(?:ance)?\s+or\s+reject|\breject(?:ion)?\b|revocation\s+of\s+acceptance|\bdeemed\s+(?:to\s+have\s+been\s+)?(?:accepted|approved)|"
                              r"\b(?:approve|disapprove)\s+or\s+|\bapprov\w*\s+or\s+(?:reject|disapprov)|\bclaims?\s+(?:for|relating\s+to|regarding|of)\s+(?:any\s+)?(?:damage|shortage|quantity|defect|non-?conform)|"
                              r"\bnon-?conform\w*|\bacceptance\s+test|\b(?:damage|shortage|quantity|quality|defect)\s+claims?\b|\b(?:inspect|test)\w*\b[^.;]{0,60}\b(?:upon|after|within)\b[^.;]{0,40}\b(?:delivery|receipt|arrival)|\bquality\s+control\s+test", re.I)),
    ("insurance", re.compile(r"\binsurance\b|\binsured\b|\binsurer|certificates?\s+of\s+insurance", re.I)),
    ("audit", re.compile(r"\baudit\w*|\binspect\w*\s+(?:and\s+(?:copy|make\s+copies\s+of|audit)\s+)?(?:the\s+|its\s+|such\s+)?(?:books|records|accounts)|"
                         r"\b(?:keep|retain|maintain|preserve)\b[^.;]{0,80}\b(?:books|records|accounts|data)\b|\b(?:books|records)\b[^.;]{0,60}\bavailable\b", re.I)),
    ("reporting", re.compile(r"\b(?:provide|submit|deliver|furnish|send|present|render|prepare|give|supply|forward|make\s+available)\w*\b[^.;]{0,60}?" + _OBJ_INFO +
                             r"|\b(?:notify|inform|advise)\w*\b|\bgive\s+(?:\w+\s+){0,2}?(?:written\s+)?notice\b|\breport\w*\s+(?:to|in\s+writing|on|the)\b|\b(?:monthly|quarterly|annual|weekly|written)\s+(?:\w+\s+){0,2}?(?:reports?|statements?|forecasts?|lists?)", re.I)),
    ("payment", re.compile(r"\b(?:pay|pays|paid|payable|payments?|remit\w*|reimburs\w*|refund\w*|repay\w*|invoic\w*|bill(?:ed|ing)?\b|fees?\b|royalt\w*|"
                           r"compensat\w*|commissions?\b|instal+ments?|purchase\s+price|[$€£]\s?\d|US\$)", re.I)),
    ("delivery", re.compile(r"\b(?:deliver\w*|ship\w*|dispatch\w*|install\w*|supply|supplies|make\s+available|furnish|provide|transfer)\b[^.;]{0,60}?\b" + _OBJ_GOODS +
                            r"|\b(?:delivery|shipment)\s+(?:date|schedule)|\bdeliver\w*\b", re.I)),
    ("compliance", re.compile(r"\b(?:return|destroy|delete|erase|cease|discontinue|stop\s+using|de-?register|vacate|surrender|remove)\w*\b|\bcompl(?:y|iance)\s+with\b|\btransition\b|"
                              r"\bconfidential\s+information\b", re.I)),
    ("sla", re.compile(r"\brespon(?:d|se)\s+(?:time|to)|\bresol(?:ve|ution)\b|\brestor\w*|\bup-?time|\bavailab\w+\s+(?:of|at\s+least)|\bseverity|\bpriority\s+\d|\boutage|\bservice\s+levels?|\bsupport\s+(?:request|call|incident)", re.I)),
    ("warranty", re.compile(r"\bwarrant\w*|\bfree\s+(?:from|of)\s+(?:all\s+)?defects|\bdefects?\s+in\s+(?:materials?|workmanship)|\bguarant\w+", re.I)),
    ("option_exercise", re.compile(r"\boption\b|\bright\s+of\s+first|\bfirst\s+(?:refusal|offer|negotiation)|\belect\w*\s+(?:to|whether)|\bexercis\w+", re.I)),
    ("renewal", re.compile(r"\brenew\w*|\bextend\w*\s+(?:the\s+)?(?:term|agreement)|\bextension", re.I)),
    ("expiration", re.compile(r"\b(?:term\s+of\s+this|initial\s+term|this\s+agreement\s+shall\s+(?:remain|continue|expire|terminate\s+on)|expir\w+|shall\s+(?:remain\s+in\s+(?:full\s+)?(?:force|effect)|continue\s+(?:in\s+(?:full\s+)?(?:force|effect)\s+)?(?:until|for)))", re.I)),
    ("other", re.compile(r"\b(?:purchase|order|buy)\w*\b[^.;]{0,60}\b(?:minimum|at\s+least|not\s+less\s+than)|\bmeet\w*\b|\bconfer\b|\bcommittee|\breview\b|"
                         r"\b(?:change|increase|decrease|modif\w+|adjust\w*)\b[^.;]{0,40}\b(?:price|fees?|rates?|charges?|services)|\bdiscontinu\w+\s+(?:any\s+)?products?", re.I)),
    ("termination", re.compile(r"\bterminat\w*\b", re.I)),
]
_HEAD_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("payment", re.compile(r"payment|fees?\b|compensation|price|pricing|invoic|royalt|consideration|commission|billing|charges|financial\s+terms", re.I)),
    ("delivery", re.compile(r"deliver|shipment|shipping|supply|orders?\b|production|manufactur|forecast|logistics|title\s+and\s+risk", re.I)),
    ("reporting", re.compile(r"report|records?|statements?|information|notices?\b|communicat|forecast|plans?\b", re.I)),
    ("acceptance", re.compile(r"acceptance|inspection|testing|rejection|claims|returns?\b|non-?conform|quality", re.I)),
    ("insurance", re.compile(r"insurance", re.I)),
    ("audit", re.compile(r"audit|books|inspection\s+of\s+records", re.I)),
    ("warranty", re.compile(r"warrant", re.I)),
    ("sla", re.compile(r"service\s+levels?|support|maintenance|response|availability", re.I)),
    ("expiration", re.compile(r"\bterm\b|duration|effective\s+(?:date|period)", re.I)),
    ("renewal", re.compile(r"renew", re.I)),
    ("compliance", re.compile(r"terminat|expir|confidential|compliance|return\s+of", re.I)),
    ("other", re.compile(r"minimum|purchase|committee|meeting|exclusiv|marketing|promotion", re.I)),
]
_ANCHOR_GROUP = {
    "invoice_receipt": "invoice", "delivery": "delivery", "receipt": "delivery", "acceptance": "acceptance", "order": "order",
    "termination": "termination", "expiration_date": "expiration", "renewal": "expiration", "signing": "start", "effective_date": "start",
    "closing": "start", "quarter_end": "period_end", "month_end": "period_end", "year_end": "period_end", "month_start": "period_end",
    "quarter_start": "period_end", "year_start": "period_end", "written_request": "request", "notice": "notice", "incident_report": "incident",
    "payment": "payment", "completion": "completion", "phase_completion": "completion", "approval": "completion",
}  # fmt: skip
CUE_FEATURES: tuple[str, ...] = (
    *(f"verb={t}" for t, _ in _VERB_CUES), *(f"head={t}" for t, _ in _HEAD_CUES),
    *(f"verb1={t}" for t, _ in _VERB_CUES), *(f"head1={t}" for t, _ in _HEAD_CUES),
    *(f"anchor={a}" for a in sorted(set(_ANCHOR_GROUP.values()) | {"event", "none"})),
    "kind=absolute", "kind=relative", "kind=recurring", "rule=amount", "rule=hours", "rule=before", "rule=period",
    "src=row", "src=item", "src=context", "money", "percent", "may_only", "passive", "short", "no_modal", "xref",
)  # fmt: skip


def _main_mention(mentions: Sequence[DueRuleMention]) -> DueRuleMention | None:
    deadlines = [m for m in mentions if _deadline_like(m)]
    pool = deadlines or list(mentions)
    return max(pool, key=lambda m: (m.confidence + (0.2 if m.rule.amount or m.rule.date else 0.0), -m.start)) if pool else None


def candidate_cues(cand: _Cand) -> dict[str, float]:
    """The evidence features of one candidate (names in :data:`CUE_FEATURES`): verb/object, heading, anchor, form."""
    text = cand.unit.text
    duty = _MODAL.search(text)
    clause = text[duty.start():] if duty else text
    clause = clause[:400]
    f: dict[str, float] = {}
    for t, rx in _VERB_CUES:
        if rx.search(clause) or (cand.source in ("item", "context") and rx.search(text[:300])):
            f[f"verb={t}"] = 1.0
            if not any(k.startswith("verb1=") for k in f):
                f[f"verb1={t}"] = 1.0  # the first cue in priority order: what the duty is mainly about
    head = cand.heading
    for t, rx in _HEAD_CUES:
        if head and rx.search(head):
            f[f"head={t}"] = 1.0
            if not any(k.startswith("head1=") for k in f):
                f[f"head1={t}"] = 1.0
    m = _main_mention(cand.mentions)
    if m is None:
        f["anchor=none"] = 1.0
    else:
        r = m.rule
        group = _ANCHOR_GROUP.get(r.anchor or "", "event" if r.anchor else "none")
        if r.kind == "recurring" and not r.anchor:
            group = "period_end"
        f[f"anchor={group}"] = 1.0
        f[f"kind={r.kind}"] = 1.0 if r.kind in ("absolute", "relative", "recurring") else 0.0
        if r.amount:
            f["rule=amount"] = 1.0
        if r.unit == "hours":
            f["rule=hours"] = 1.0
        if r.direction == "before":
            f["rule=before"] = 1.0
        if m.period:
            f["rule=period"] = 1.0
    if cand.source != "own":
        f[f"src={cand.source}"] = 1.0
    if re.search(r"[$€£]\s?\d|\bUS\$|\bUSD\b", text):
        f["money"] = 1.0
    if re.search(r"\d\s?%|\bpercent\b", text, re.I):
        f["percent"] = 1.0
    if duty and duty.group(0).lower() == "may" and not _STRONG_DUTY.search(text):
        f["may_only"] = 1.0
    if re.search(r"\b(?:shall|will|must|to)\s+be\s+(?:paid|delivered|provided|submitted|made|returned|shipped|given|sent)\b", text, re.I):
        f["passive"] = 1.0
    if len(text) < 120:
        f["short"] = 1.0
    if not _CLAUSE_MODAL.search(text) and not re.search(r"\b(?:must|agrees?|undertakes?|commits?|is\s+(?:required|obligated))\b", text, re.I):
        f["no_modal"] = 1.0
    elif duty:
        word = duty.group(0).lower().split()[0]
        f[f"modal={word if word in ('shall', 'must', 'will', 'may') else 'agree'}"] = 1.0
    if re.match(r"^\W*(?:\(?[a-z0-9ivx]{1,4}[.)]\s*)?(?:if|in\s+the\s+event|should|in\s+case|where|unless)\b", text, re.I):
        f["conditional"] = 1.0
    if sum(1 for m in cand.mentions if _deadline_like(m)) > 1:
        f["multi_deadline"] = 1.0
    if _XREF.search(text):
        f["xref"] = 1.0
    return {k: v for k, v in f.items() if v}


_XREF = re.compile(r"\b(?:as\s+(?:set\s+(?:out|forth)|defined|provided|described|outlined)\s+in|in\s+accordance\s+with|pursuant\s+to|under)\s+(?:clause|section|paragraph|schedule|exhibit|article)s?\s+[\dA-Z]", re.I)


def candidate_evidence(doc: Document) -> list[tuple[int, int, str, dict[str, float]]]:
    """(start, end, text the classifier reads, cues) for every candidate of ``doc`` — what the second-stage scorer is
    trained on (:func:`extractors.classifier.build_scorer`)."""
    cands = _candidates(_units(doc), get_sections(doc.text))
    return [(c.unit.start, c.unit.end, c.read[:_CLASSIFY_CHARS], candidate_cues(c)) for c in cands]


# --- main ---------------------------------------------------------------------------------------------------


def get_obligations(
    doc: Document,
    key_dates: KeyDates,
    as_of: dt.date,
    review_threshold: float = 0.85,
    *,
    parties: Sequence[Any] | None = None,
    calendar: BusinessCalendar | None = None,
    model: Any = None,
    scorer: Any = None,
    decision_threshold: float | None = None,
    anchors: Mapping[str, dt.date | None] | None = None,
) -> list[Milestone]:
    """Every dated obligation in ``doc``, in text order; ``as_of`` is the explicit date schedules resolve from."""
    return _extract(doc, key_dates, as_of, review_threshold, parties=parties, calendar=calendar, model=model, scorer=scorer,
                    decision_threshold=decision_threshold, anchors=anchors)[0]


def _extract(
    doc: Document,
    key_dates: KeyDates,
    as_of: dt.date,
    review_threshold: float = 0.85,
    *,
    parties: Sequence[Any] | None = None,
    calendar: BusinessCalendar | None = None,
    model: Any = None,
    scorer: Any = None,
    decision_threshold: float | None = None,
    anchors: Mapping[str, dt.date | None] | None = None,
) -> tuple[list[Milestone], list[list[float]]]:
    """The milestones and, per milestone, the features its confidence is calibrated on (used by training)."""
    text = doc.text
    units = _units(doc)
    sections = get_sections(text)
    cands = _candidates(units, sections)
    if not cands:
        return [], []
    probs = predict_proba([c.read[:_CLASSIFY_CHARS] for c in cands], model)
    sc = load_scorer() if scorer is None else (scorer or None)  # scorer=False: the sentence classifier alone
    if sc is not None:
        probs = sc.predict_proba(probs, [candidate_cues(c) for c in cands])
    if decision_threshold is None:
        decision_threshold = float(getattr(sc, "threshold_", DECISION_THRESHOLD)) if sc is not None else DECISION_THRESHOLD
    known = dict(anchors) if anchors is not None else anchors_from_key_dates(key_dates)
    resolve_party = None
    if parties is None:
        try:
            from .parties import get_parties
            from .parties import resolve_party as _rp

            parties, resolve_party = get_parties(text), _rp
        except Exception:  # parties are a nicety: extraction goes on without names
            parties = ()
    else:
        try:
            from .parties import resolve_party as _rp2

            resolve_party = _rp2
        except ImportError:
            resolve_party = None
    auto_renews = bool(key_dates.auto_renewal)
    out: list[Milestone] = []
    features: list[list[float]] = []
    for cand, p in zip(cands, probs, strict=True):
        unit, mentions, read = cand.unit, cand.mentions, cand.read
        p_obl = 1.0 - p.get(NONE_LABEL, 0.0)
        if cand.source == "row":  # a table row: its header says what the table lists
            head = read[: len(read) - len(unit.text)]
            row_type = "payment" if re.search(r"[$€£]\s?\d|\d\s?%", unit.text) else next((t for t, rx in _ROW_TYPES if rx.search(head)), None)
            if row_type:  # a row of a schedule the header introduces: an obligation of the header's kind
                p = {**p, row_type: max(p.get(row_type, 0.0), 1.0 - p.get(NONE_LABEL, 0.0), 0.6), NONE_LABEL: min(p.get(NONE_LABEL, 0.0), 0.3)}
                p = {k: (v if k in (row_type, NONE_LABEL) else min(v, p[row_type] * 0.5)) for k, v in p.items()}
                p_obl = 1.0 - p[NONE_LABEL]
        if (_EXPIRY.search(unit.text) or _TERM_LENGTH.search(unit.text)) and not _AUTO_RENEW.search(unit.text) and any(
                m.rule.date or (m.rule.kind == "relative" and m.rule.unit in ("months", "years")) for m in mentions):
            p = {**p, "expiration": max(p["expiration"], 1.0 - p_obl, *(v for k, v in p.items() if k != NONE_LABEL))}
            p_obl = max(p_obl, p["expiration"])
        if _CHANGE_NOTICE.search(unit.text) and any(m.rule.direction == "before" and (m.rule.amount or m.rule.unit) for m in mentions):
            # the labelling guide: notice of a price, product or service change given N days ahead is an obligation
            p = {**p, "other": max(p["other"], 0.75), NONE_LABEL: min(p[NONE_LABEL], 0.25)}
            p_obl = 1.0 - p[NONE_LABEL]
        if p_obl < decision_threshold:
            continue
        otype = _override_type(unit.text, max((t for t in p if t != NONE_LABEL), key=lambda t: p[t]))
        p_type = p[otype] / p_obl if p_obl > 0 else 0.0
        if otype in _CONTRACT_LEVEL or (otype == "termination_notice"):
            pieces = _term_obligations(unit.text, mentions, otype, auto_renews) if otype in _CONTRACT_LEVEL else []
            if otype == "termination_notice":
                dated = sorted((m for m in mentions if m.rule.kind == "absolute" and m.rule.date),
                               key=lambda m: (not re.match(r"(?:no|not)\s+later|on\s+or\s+(?:before|prior)|by\b", m.text, re.I),
                                              m.rule.direction != "before", m.start))  # the notice deadline, not the effective day
                pieces = [("termination_notice", m) for m in dated][:1]
            if otype == "expiration" and auto_renews and not _CONTINUANCE_APPROVAL.search(unit.text):
                pieces = [x for x in pieces if x[0] != "expiration"]
            items = [(t, m, unit.text) for t, m in pieces]
        else:
            notice_of_change = bool(_PRICE_CHANGE.search(read)) and any(m.rule.direction == "before" for m in mentions)
            if cand.source != "row" and otype not in _MAY_ONLY_TYPES and not notice_of_change and (
                    not _STRONG_DUTY.search(read) or _permission_only(unit.text, mentions)):
                continue  # "X may pay monthly" grants a permission, not a duty
            usable = [m for m in mentions if _type_allows(m, otype)]
            if _TERMINATION_RIGHT.search(unit.text):
                # a right to terminate on notice, or after an uncured breach, is not a dated duty (see module doc)
                usable = [m for m in usable if m.rule.kind == "absolute" or m.rule.kind == "recurring"]
            if not usable:
                continue
            if _RESTRICTIVE.search(unit.text) and otype not in ("payment", "delivery", "reporting"):
                continue
            items = _clause_items(unit.text, usable, otype, p) or [(otype, m, seg) for m, seg in _split(otype, unit.text, usable)]
            if len(items) == 1 and cand.source != "row" and (second := _pay_and_report(unit.text, items[0][0])):
                items.append((second, items[0][1], items[0][2]))  # "pay the fees … and furnish a written statement": two duties, one deadline
        total = len(items)
        sec = section_at(sections, unit.start)
        page = page_at(doc, unit.start)
        responsible = _responsible(unit.text, parties or (), resolve_party, items[0][0] if items else "other")
        if responsible is None and cand.source != "own":  # a table row or list item: the header or lead-in names who acts
            responsible = _responsible(read[: len(read) - len(unit.text)], parties or (), resolve_party, items[0][0] if items else "other")
        deliverable = _deliverable(unit.text)
        for i, (t, m, seg) in enumerate(items, 1):
            rule = m.rule
            if t == "sla" and rule.unit == "hours" and rule.anchor in (None, "event"):
                rule = replace(rule, anchor="incident_report")  # response and resolution times run from the report
            due = resolve(rule, known, as_of, calendar)
            if t == "renewal_notice" and key_dates.next_renewal_notice_deadline and rule.kind != "absolute":
                due = key_dates.next_renewal_notice_deadline
            elif _renews_past(rule, due, key_dates, as_of):
                # "notice at least 90 days before the start of that Renewal Term": the next term end, not the first one
                due = next_notice_deadline(key_dates.expiration_date, key_dates.renewal_term, iso_duration(rule.amount or 0, rule.unit or "days"), as_of) or due
            amount, currency = _money(seg)
            pct = _percent(seg) if t == "payment" else None
            confidence = round(p_obl * (0.55 + 0.45 * p_type) * (0.6 + 0.4 * m.confidence), 3)
            calib = ObligationScorer.confidence_features(p_obl, p_type, m.confidence, total, cand.source)
            condition = m.trigger if rule.kind == "relative" and rule.amount is None and m.trigger else None
            if rule.kind == "relative" and rule.anchor not in (None, "effective_date", "signing", "expiration_date") and due is None:
                condition = condition or f"due date depends on {(_ANCHOR_WORDS.get(rule.anchor or '') or (rule.anchor or 'an event').replace('_', ' '))}"
            out.append(
                Milestone(
                    milestone_name=_name(t, rule, deliverable, i, total, pct, amount, currency),
                    deliverable=deliverable,
                    due_date=due,
                    responsible_party=responsible,
                    condition=condition,
                    clause_reference=sec.reference if sec else None,
                    obligation_type=t,
                    due_rule=rule,
                    recurrence=_recurrence(rule),
                    confidence=confidence,
                    needs_review=confidence < review_threshold,
                    source_text=unit.text,
                    source_span=SourceSpan(unit.start, unit.end, page),
                    amount=amount,
                    currency=currency,
                    percentage=pct,
                    depends_on=_depends_on(rule, m.trigger),
                )
            )
            features.append(calib)
    if sc is not None and hasattr(sc, "calibrator_") and out:
        # calibrated P(correct obligation of the right type) replaces the heuristic product (see the model card)
        out = [replace(ms, confidence=round(c, 3), needs_review=c < review_threshold)
               for ms, c in zip(out, sc.confidence(features), strict=True)]
    return out, features
