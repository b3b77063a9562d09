"""Due rules as written in a sentence: absolute dates, durations counted from an anchor, schedules, events.

`get_due_rules(text)` finds every time expression that can carry a deadline ("no later than March 15, 2027",
"within thirty (30) days after receipt of the invoice", "within 45 days after the end of each calendar quarter",
"on the first business day of each month", "upon Client's approval of Phase 1") and returns it with its
offsets and a :class:`~extractors.schema.DueRule` kept as found (amount + unit, never converted).
`resolve(rule, anchors, as_of, calendar)` turns a rule into a date once its anchor is known.

Conventions (documented in the model card):
- direction ``within``: "within N days (after|of) X" and "for a period of N … from X" (the duty runs from the
  anchor for N units); ``after``: "N days after X"; ``before``: "N days prior to X", "N days' notice";
  ``on``: "the Nth (business) day of each month"; ``upon``: event-conditioned, no offset — due when the event
  happens, so no date until the anchor is known.
- kind ``recurring`` carries ``frequency`` and, when the text says so, an offset from the period end
  ("within 45 days after the end of each calendar quarter" = quarterly, 45 days after quarter_end).
- the anchor is read from the anchor phrase cut at a clause break, a defined name in brackets ("the Effective Date
  (the "Term")") or an infinitive of purpose ("receipt of each Deliverable to accept it" → delivery); "receipt of
  notice …" counts from the notice whatever it announces; "discovery" / "learns of it" of a breach or incident is
  ``breach_discovery``; "N years thereafter" counts from the last start or end named before it ("unless earlier
  terminated" names neither); "N days …, excluding weekends" are business days.
- "within 30 days after the Effective Date and annually thereafter" is a yearly schedule; "at the beginning of each
  quarter" a ``quarter_start`` schedule; "the end of the quarter in which the first sale took place" one deadline,
  not a schedule ("the month in which such premiums are received" stays monthly).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .calendar import BusinessCalendar, add_months, month_end, quarter_end, year_end
from .dates import MONTHS, get_dates
from .durations import WORD_NUMBERS, get_durations
from .schema import DueRule

__all__ = [
    "DueRuleMention",
    "get_due_rules",
    "resolve",
    "ANCHORS",
    "FREQUENCIES",
    "anchor_of",
]

FREQUENCIES = ("weekly", "biweekly", "monthly", "quarterly", "semiannually", "annually")
ANCHORS = (
    "effective_date", "expiration_date", "termination", "signing", "invoice_receipt", "delivery", "acceptance",
    "notice", "written_request", "order", "receipt", "completion", "approval", "quarter_end", "month_end",
    "year_end", "month_start", "payment", "launch", "renewal", "closing", "event",
)  # fmt: skip

_PERIOD_MONTHS = {"weekly": 0, "biweekly": 0, "monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}
_PERIOD_END_ANCHOR = {"monthly": "month_end", "quarterly": "quarter_end", "annually": "year_end"}


@dataclass(frozen=True)
class DueRuleMention:
    """One time expression in a sentence: offsets into that sentence, the rule, and how sure the parse is.

    ``trigger`` is the anchor phrase as written ("receipt of the invoice", "Client's approval of Phase 1");
    ``period`` is True for durations that bound a duty ("for a period of two years after termination") rather
    than set a deadline.
    """

    start: int
    end: int
    text: str
    rule: DueRule
    trigger: str | None = None
    confidence: float = 0.8
    period: bool = False


# --- anchors -------------------------------------------------------------------------------------------------

_ANCHOR_TABLE: list[tuple[str, re.Pattern[str]]] = [
    (a, re.compile(p, re.I))
    for a, p in [
        ("invoice_receipt", r"\binvoice|\bbilling\b|\bstatement\s+of\s+account"),
        ("phase_completion", r"\b(?:completion|complete|completing|achiev\w*|approv\w*|accept\w*)\s+(?:of\s+)?(?:each\s+of\s+)?(?:each\s+|the\s+|such\s+|a\s+)?(?:verified\s+|applicable\s+|relevant\s+)?(?:phase|milestone|stage)|"
                         r"\b(?:achiev\w*|verified\s+achievement)\s+of\s+(?:the\s+|each\s+|such\s+|a\s+)?(?:[\w-]+\s+){0,2}?milestone"),
        ("breach_discovery", r"\b(?:becom\w+|being|is)\s+aware\b|\bdiscover\w*\b.{0,40}\b(?:breach|incident)|\bsecurity\s+(?:incident|breach)"),
        ("incident_report", r"\b(?:reports?|reported|logs?|logged|notifies|notified)\s+(?:it|the\s+(?:incident|problem|issue|error|call))|\bservice\s+call|\b(?:incident|ticket|error|problem)\s+(?:report|notification)|\breceipt\s+of\s+(?:a|the|any)\s+(?:service\s+)?(?:request|call|ticket)\b"),
        ("scheduled_maintenance", r"\bmaintenance\b"),
        ("subprocessor_engagement", r"\bsub-?processor"),
        ("quarter_end", r"\b(?:end|close|last\s+day)\s+of\s+(?:each|every|the|such|any|a|its|that|that\s+same)?\s*(?:[a-z]+\s+)?(?:calendar\s+|fiscal\s+|contract\s+)?quarter|\bquarter[\s-]end|\bquarterly\s+period|\bquarter[\s-]annual\s+period"),
        ("month_end", r"^\s*(?:the\s+)?(?:end\s+of\s+the\s+)?(?:calendar\s+)?month\s+in\s+which|\b(?:end|close|last\s+day)\s+of\s+(?:each|every|the|such|any|a|its)?\s*(?:[a-z]+\s+)?(?:calendar\s+)?month|\bmonth[\s-]end"),
        ("year_end", r"\b(?:end|close|last\s+day)\s+of\s+(?:each|every|the|such|any|a|its)?\s*(?:[a-z]+\s+)?(?:calendar\s+|fiscal\s+|contract\s+)?year|\byear[\s-]end"),
        ("expiration_date", r"\b(?:expiration|expiry|expire|end)\b.{0,40}?\b(?:term|agreement)|\b(?:expiration|expiry)\b|\brenewal\s+date|\bend\s+of\s+(?:the\s+)?(?:then[\s-])?(?:current|initial|renewal|applicable)|\bterm\b"),
        ("termination", r"\bterminat"),
        ("effective_date", r"\beffective\s+date(?!\s+of\s+(?:any|such|the|each|a|an)\s+(?:\w+\s+){0,2}?(?:change|increase|decrease|modification|amendment|termination|assignment|adjustment|revision))|\bcommencement\s+date"),
        ("signing", r"\bexecution\b(?!\s+of\s+(?:the\s+|any\s+|such\s+|each\s+)?(?:[\w-]+\s+){0,2}(?:services?|works?|orders?|projects?|tasks?|activities))|\bsigning\b|\bdate\s+(?:hereof|of\s+this\s+agreement)|\bexecuted\b|\bexecuting\s+(?:this|the)\s+(?:agreement|contract)\b|\bsignature|\bcompletion\s+of\s+this\s+(?:agreement|contract)"),
        ("acceptance", r"\baccept|\b(?:approv\w*)\s+(?:of\s+)?(?:the\s+|each\s+|such\s+|any\s+|a\s+)?(?:D\d+\b|deliverables?|design|draft|plan|report|document|work\s+product|milestone)|"
                       r"\b(?:client|customer|company|buyer|owner|licensee|purchaser)(?:'s|’s)\s+(?:written\s+)?approval"),
        ("delivery", r"\bdeliver|\bshipment|\bshipping|\bship\b|\bshipped\b|\binstallation|\bdispatch|\barrival\b"),
        ("completion", r"\bcomplet"),
        ("approval", r"\bapprov"),
        ("written_request", r"\brequest|\bdemand"),
        ("notice", r"\bnotice|\bnotif"),
        ("order", r"\border\b|\bpurchase\s+order"),
        ("payment", r"\bpayment|\bpaid\b|\bcollect(?:ed|ion|s)?\b"),
        ("closing", r"\bclosing\b"),
        ("launch", r"\blaunch|\bfirst\s+commercial\s+sale|\bcommercial\s+availability"),
        ("renewal", r"\brenew"),
        ("receipt", r"\breceipt|\breceiv"),
    ]
]


_NOTICE_HEAD = re.compile(r"^\W*(?:(?:the|its|[\w-]+(?:'s|’s))\s+)?(?:receipt|delivery|service|giving|receiving)\s+(?:of\s+)?"
                          r"(?:(?:the|a|an|any|such|its|written|prior|formal|[\w-]+(?:'s|’s))\s+)*(?:notice|notification)\b")


def anchor_of(phrase: str) -> str:
    """The anchor a phrase counts from ("receipt of the invoice" → invoice_receipt); ``event`` when unknown."""
    low = phrase.lower()
    if re.search(r"\bexpiration\s+or\s+(?:earlier\s+)?terminat|\bterminat\w*\s+or\s+expir|\b(?:has|have|is)\s+(?:been\s+)?(?:expired|terminated)\b", low):
        return "termination"
    if _NOTICE_HEAD.match(low):
        return "notice"  # "receipt of notice from Vendor that it is terminating": the notice, whatever it announces
    for anchor, rx in _ANCHOR_TABLE:
        if rx.search(low):
            return anchor
    return "event"


def _frequency_of_period(phrase: str) -> str | None:
    low = phrase.lower()
    if re.search(r"\b(?:month|quarter|year)\s+in\s+which\s+(?:the|a|an)\b", low):
        return None  # "the end of the quarter in which the first sale took place": one event, one deadline
    if re.search(r"\b(?:month|quarter|year)\s+in\s+which\b", low):
        return {"month": "monthly", "quarter": "quarterly", "year": "annually"}[re.search(r"(month|quarter|year)\s+in\s+which", low).group(1)]  # type: ignore[union-attr]
    if re.search(r"\b(?:each|every|any|such)\b", low):
        if re.search(r"quarter", low):
            return "quarterly"
        if re.search(r"month", low):
            return "monthly"
        if re.search(r"\byear\b|anniversar", low):
            return "annually"
        if re.search(r"\bweek", low):
            return "weekly"
    return None


# --- patterns ------------------------------------------------------------------------------------------------

_ABS_CUE = re.compile(
    r"(?:no\s+later\s+than|not\s+later\s+than|on\s+or\s+before|on\s+or\s+prior\s+to|by|before|prior\s+to|until|"
    r"on|due(?:\s+on)?|payable\s+on|commencing(?:\s+on)?|beginning(?:\s+on)?|as\s+of|through|"
    r"in\s+no\s+event\s+later\s+than|not\s+later\s+then)\s*(?:the\s+)?$",
    re.I,
)
_ABS_NEG = re.compile(r"(?:dated|date[d]?\s+as\s+of|entered\s+into\s+(?:as\s+of|on)|effective\s+(?:as\s+of|on)?|made\s+as\s+of|as\s+of)\s*(?:the\s+)?$", re.I)
_MONTH_DAY = re.compile(
    r"\b(?P<cue>no\s+later\s+than|not\s+later\s+than|on\s+or\s+before|by|before|prior\s+to|on)\s+"
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)\s+"
    r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*,?\s*(?:19|20)\d\d)"
    r"(?P<each>\s+of\s+(?:each|every)\s+(?:calendar\s+)?year|\s+(?:each|every)\s+year|\s+annually|\s+of\s+each\s+year)?",
    re.I,
)

_CONNECTOR = re.compile(
    r"^[\s,]*(?:\(\s*\d+\s*\)\s*)?(?:'s?|’s?)?\s*(?:\((?!\s*\d+\s*\))[^()]{1,80}\)\s*)?"
    r"(?P<conn>after|following|from|of|prior\s+to|before|in\s+advance\s+of|preceding|subsequent\s+to|"
    r"immediately\s+(?:after|following|preceding|prior\s+to)|thereafter|beyond|in\s+advance(?!\s+of)|"
    r"(?:prior\s+|advance\s+|advanced\s+)?(?:written\s+)?(?:notice|notification))\b",
    re.I,
)
_PRE_PERIOD = re.compile(r"(?:for\s+(?:a\s+)?(?:period\s+of\s+)?|period\s+of\s+|term\s+of\s+|during\s+(?:the\s+)?|lasting\s+|up\s+to\s+|"
    r"(?:the\s+)?(?:last|past|previous|preceding|prior|trailing)\s+(?:full\s+)?|(?:a\s+)?maximum\s+of\s+|(?:a\s+)?minimum\s+of\s+)(?:at\s+least\s+|not\s+less\s+than\s+|no\s+less\s+than\s+)?$", re.I)
_PRE_MIN = re.compile(r"(?:at\s+least|not\s+less\s+than|no\s+less\s+than|no\s+fewer\s+than|not\s+fewer\s+than|a\s+minimum\s+of|minimum\s+of)\s*$", re.I)
_PRE_WITHIN = re.compile(r"(?:within|no\s+later\s+than|not\s+later\s+than|in\s+no\s+event\s+later\s+than|no\s+more\s+than|not\s+more\s+than|not\s+to\s+exceed|by\s+the\s+end\s+of|before\s+the\s+end\s+of|until|upon|on|by)\s*(?:the\s+)?$", re.I)
_ANCHOR_STOP = re.compile(r"[;:]|\s+(?:and|or)\s+(?=\d|\$|upon\b|on\b|within\b|the\s+(?:remaining|balance|final|second|third)\b)|,\s+(?:and|or|but|provided|unless|which|in\s+which|such|the|if|except|[A-Z])|\.(?:\s|$)|\bprovided\b|\bunless\b|\bwhichever\b|\bexcept\b|\bin\s+accordance\b|"
    r"(?<!\bprior)(?<!\bdue)(?<!\bpursuant)(?<!\bsubject)(?<!\baccording)(?<!\brelating)(?<!\brelated)(?<!\bequal)(?<!\baddition)(?<!\bup)"
    r"\s+to\s+(?!(?:be|the|a|an|any|all|such|its|their|his|her|each|this|that|which|whom|it|them|or|and)\b)(?-i:[a-z])|"
    r"\s*\((?:the\s+|each\s+|a\s+|an\s+|hereinafter\s+|herein\s+)?(?:called\s+|referred\s+to\s+as\s+)?[\"“]", re.I)

_FREQ_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("semiannually", re.compile(r"\b(?:two|2)\s*(?:\(2\)\s*)?times\s+(?:per|a|each)\s+(?:calendar\s+)?year\b|\bsemi[\s-]?annual(?:ly)?\b|\bbi[\s-]?annual(?:ly)?\b|\btwice\s+(?:a|per|each)\s+(?:calendar\s+)?year\b|\bevery\s+six\s*(?:\(6\)\s*)?months\b|\b(?:each|every)\s+(?:calendar\s+|fiscal\s+)?half[\s-]year\b", re.I)),
    ("quarterly", re.compile(r"\b(?:four|4)\s*(?:\(4\)\s*)?times\s+(?:per|a|each)\s+(?:calendar\s+)?year\b|\bquarterly\b|\b(?:each|every|per)\s+(?:calendar\s+|fiscal\s+|contract\s+)?quarter\b|\bevery\s+three\s*(?:\(3\)\s*)?months\b|\bon\s+a\s+quarterly\s+basis\b", re.I)),
    ("biweekly", re.compile(r"\bbi-?weekly\b|\bevery\s+(?:two|2)\s*(?:\(2\)\s*)?weeks\b|\b(?:twice|two\s+times)\s+(?:a|per|each)\s+month\b|\btwice[\s-]monthly\b|\bsemi-?monthly\b", re.I)),
    ("monthly", re.compile(r"\b(?:twelve|12)\s*(?:\(12\)\s*)?times\s+(?:per|a|each)\s+(?:calendar\s+)?year\b|\bmonthly\b|\b(?:each|every|per)\s+(?:calendar\s+)?month\b|\bon\s+a\s+monthly\s+basis\b|\ba\s+month\b(?=\s*[,.;]|\s+(?:for|during|thereafter))", re.I)),
    ("weekly", re.compile(r"\bweekly\b|\b(?:each|every|per)\s+(?:calendar\s+)?week\b", re.I)),
    ("annually", re.compile(r"\bannually\b|\bannual\s+(?=(?:\w+\s+)?(?:report|fee|payment|review|audit|meeting|budget|statement|plan|certif|renewal|minimum|royalt|install|forecast|inspection|notice|subscription|license|maintenance|charge|retainer|bonus|evaluation|test|training|physical|filing|return)\w*)|\byearly\b|\b(?:each|every|per)\s+(?:calendar\s+|fiscal\s+|contract\s+|lease\s+|license\s+)?year\b|\bper\s+annum\b|\beach\s+anniversary\b|\bon\s+an\s+annual\s+basis\b", re.I)),
]
_ADJ_NOT_SCHEDULE = re.compile(r"\s+(?:uptime|percentage|rate|average|revenue|sales|volume|net|gross|cap|limit|charges?\s+(?:cap|limit)|recurring\s+revenue)\b", re.I)
_OF_THE = re.compile(r"(?:%|percent|\bof|\baverage|\bper)\s+(?:the\s+|its\s+|such\s+)?$", re.I)
_FREQ_NEG = re.compile(r"\b(?:interest|rate|percent|%|per\s+annum\s+interest)\b", re.I)

_ORDINAL = (
    r"(?P<n>\d{1,2})(?:st|nd|rd|th)(?:\s*\(\s*\d+(?:st|nd|rd|th)?\s*\))?|"
    r"(?P<w>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|fifteenth|twentieth|"
    r"twenty[\s-]fifth|thirtieth|last)(?:\s*\(\s*\d+(?:st|nd|rd|th)?\s*\))?"
)
_NTH_DAY = re.compile(
    rf"\b(?:the\s+)?(?:{_ORDINAL})\s+(?:(?P<unit>business\s+|working\s+|calendar\s+)?day\s+)?"
    r"(?P<conn>of|after|following|preceding|prior\s+to|before)\s+(?:the\s+(?P<edge>end|close|beginning|start|commencement|first\s+day)\s+of\s+)?"
    r"(?P<each>each|every|the|such|any|a)?\s*(?:applicable\s+|following\s+|next\s+|succeeding\s+)?(?:calendar\s+|fiscal\s+|contract\s+)?(?P<period>month|quarter|year)\b",
    re.I,
)
_NTH_HINT = re.compile(r"\d(?:st|nd|rd|th)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|fifteenth|twentieth|twenty|thirtieth|last)\b")
_FREQ_HINT = re.compile(r"annual|year|month|quarter|week|semi|twice|times|per\s+annum|anniversar")
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "fifteenth": 15, "twentieth": 20,
    "twenty-fifth": 25, "twenty fifth": 25, "thirtieth": 30,
}  # fmt: skip
_ANNIVERSARY = re.compile(
    r"\b(?:on\s+|by\s+|before\s+|prior\s+to\s+)?(?:the\s+|each\s+|every\s+)?(?:(?P<ord>first|second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+(?:\(\d+(?:st|nd|rd|th)?\)\s+)?)?"
    r"(?:(?P<each2>each|every)\s+)?(?:subsequent\s+|annual\s+)?anniversar(?:y|ies)\s+(?:of\s+|thereof)(?P<anchor>[^,;.]{0,60})?",
    re.I,
)
_EVENT = re.compile(
    r"\b(?P<cue>upon|promptly\s+(?:upon|after|following)|immediately\s+(?:upon|after|following)|at\s+the\s+time\s+of|"
    r"concurrently\s+with|simultaneously\s+with|contemporaneously\s+with|on\s+the\s+date\s+of|as\s+of\s+the\s+date\s+of|"
    r"in\s+the\s+event(?:\s+that|\s+of)?|in\s+(?:the\s+)?case\s+of|immediately\s+prior\s+to|once|"
    r"following|after|at|on|prior\s+to|before|in\s+connection\s+with|when)\s+"
    r"(?P<event>(?:(?:the|its|each|any|such|a|an|[A-Z][\w&.-]*(?:'s|’s))\s+)*"
    r"(?:(?:[\w-]+\s+){0,3})?"
    r"(?:execution|signing|signature|receipt|delivery|acceptance|completion|approval|termination|expiration|expiry|"
    r"request|demand|shipment|installation|invoic\w*|closing|launch|achievement|occurrence|commencement|"
    r"first\s+commercial\s+sale|written\s+request|notice|notification|issuance|submission|filing|award|exercise|"
    r"renewal|receiving|completing|signing|executing|delivering|final\s+acceptance|go[\s-]live|effective\s+date|dispatch|"
    r"terminates|expires|is\s+terminated|has\s+(?:been\s+)?(?:expired|terminated)|delivers|ships|expiration\s+or\s+termination|termination\s+or\s+expiration|"
    r"assignment|transfer|sale|merger|acquisition|offering|change\s+of\s+control)\b[^,;.]{0,60})",
    re.I,
)
_EVENT_HINT = re.compile(
    r"execut|sign|receipt|receiv|deliver|accept|complet|approv|terminat|expir|request|demand|ship|install|invoic|closing|"
    r"launch|achiev|occurr|commence|commercial\s+sale|notice|notif|issu|submi|filing|award|exercise|renew|dispatch|go[\s-]live|effective\s+date|"
    r"assignment|transfer|sale|merger|acquisition|offering|change\s+of\s+control",
    re.I,
)
_EVENT_ONLY_CUES = {"upon", "at the time of", "concurrently with", "simultaneously with", "contemporaneously with", "once",
                    "in case of", "in the case of",
                    "on the date of", "as of the date of", "when", "in connection with", "in the event", "in the event that",
                    "in the event of", "immediately prior to"}  # fmt: skip
_SCOPE_BEFORE = re.compile(r"\b(?:period|accrued|incurred|arising|earned|rendered|performed)\s*$", re.I)
_NET_TERMS = re.compile(r"\bnet\s+(?P<n>\d{1,3}|thirty|sixty|ninety|forty[\s-]five|fifteen|ten)(?:\s*\(\d+\))?(?:\s+(?:calendar\s+)?days)?\b", re.I)


_RATE = re.compile(r"\s*(?:per|a|each|every)\s+(?:calendar\s+)?(?:day|week|month|year)\b", re.I)
_CONDITION_BEFORE = re.compile(r"\b(?:unless|if|whether|when|where|while)\s+(?:the\s+)?$", re.I)
_CONTRACT_YEAR_START = re.compile(
    r"\b(?:beginning|commencement|start|first\s+day)\s+of\s+(?:each|every|the|such|any)?\s*(?:subsequent\s+)?(?:contract|license|lease|agreement|royalty)\s+year", re.I
)
_HOURS = re.compile(
    r"\b(?P<pre>within|no\s+later\s+than|not\s+later\s+than|in\s+no\s+event\s+later\s+than|no\s+more\s+than|not\s+to\s+exceed|"
    r"at\s+least|not\s+less\s+than|no\s+less\s+than|(?:shall\s+)?ha(?:ve|s))\s+"
    r"(?:(?P<word>one|two|three|four|six|eight|twelve|twenty[\s-]four|forty[\s-]eight|seventy[\s-]two)\s*(?:\(\s*(?P<paren>\d+)\s*\))?|(?P<digits>\d{1,3}))"
    r"[\s-]+(?:business\s+|working\s+)?hours?\b",
    re.I,
)


def _clip_anchor(text: str) -> str:
    m = _ANCHOR_STOP.search(text)
    phrase = text[: m.start()] if m else text
    return phrase.strip(" ,")


def _word_int(token: str) -> int | None:
    token = token.lower().replace("-", " ")
    if token.isdigit():
        return int(token)
    total = 0
    for part in token.split():
        if part not in WORD_NUMBERS:
            return None
        total += WORD_NUMBERS[part]
    return total or None


# --- finders -------------------------------------------------------------------------------------------------


def _absolute(text: str) -> list[DueRuleMention]:
    out: list[DueRuleMention] = []
    for d in get_dates(text):
        if d.value is None:
            continue
        before = text[max(0, d.start - 40) : d.start]
        if _ABS_NEG.search(before):
            continue
        cue = _ABS_CUE.search(before)
        conf = 0.95 if cue else 0.7
        start = d.start - (len(cue.group(0)) if cue else 0)
        direction = _absolute_direction(cue.group(0) if cue else "")
        rule = DueRule(kind="absolute", date=d.value, direction=direction)
        out.append(DueRuleMention(start, d.end, text[start : d.end], rule, None, conf))
    for m in _MONTH_DAY.finditer(text):
        month = MONTHS[m.group("month").lower()]
        day = int(m.group("day"))
        if _safe_date(2000, month, day) is None:
            continue
        month_day = f"--{month:02d}-{day:02d}"  # ISO 8601 month-day: a day of every year
        direction = _absolute_direction(m.group("cue"))
        if m.group("each"):
            rule = DueRule(kind="recurring", frequency="annually", anchor=month_day, direction=direction)
            out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.9))
        else:
            rule = DueRule(kind="absolute", date=None, anchor=month_day, direction=direction)
            out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.6))
    return out


def _absolute_direction(cue: str) -> str:
    """"no later than / by / on or before / prior to / until" → before (a deadline); "on" and bare dates → on."""
    cue = re.sub(r"\s+", " ", cue.lower()).strip()
    if re.match(r"(?:no|not|in no event) later|on or (?:before|prior)|by\b|before|prior to|until|through", cue):
        return "before"
    return "on"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Redacted:
    """A duration whose number the filer blacked out ("within [***] days"): the unit is known, the amount is not."""

    start: int
    end: int
    text: str
    unit: str
    amount: int | None = None


_REDACTED = re.compile(
    r"\[\s*\*+\s*\](?:\s*\(\s*\[\s*\*+\s*\]\s*\))?[\s-]*(?P<u>business\s+days?|working\s+days?|calendar\s+days?|days?|weeks?|months?|years?)\b", re.I
)


def _redacted(text: str) -> list[_Redacted]:
    if "*" not in text:
        return []
    out = []
    for m in _REDACTED.finditer(text):
        u = m.group("u").lower()
        unit = "business_days" if u.startswith(("business", "working")) else {"d": "days", "w": "weeks", "m": "months", "y": "years"}[
            u.split()[-1][0]]
        out.append(_Redacted(m.start(), m.end(), m.group(0), unit))
    return out


def _relative(text: str) -> list[DueRuleMention]:
    out: list[DueRuleMention] = []
    found: list[Any] = [*get_durations(text), *_redacted(text)]  # durations as parsed, and blacked-out ones
    for d in found:
        before = text[max(0, d.start - 45) : d.start]
        after = text[d.end : d.end + 160]
        if _RATE.match(after):
            continue  # "seven (7) days per week", "eight hours a day": a rate, not a deadline
        unit = d.unit
        amount = d.amount
        if unit == "quarters":
            amount, unit = amount * 3, "months"
        if unit == "days" and _NO_WEEKENDS.match(after):
            unit = "business_days"  # "within three (3) days …, not including weekends and holidays"
        conn = _CONNECTOR.match(after)
        end = d.end
        anchor: str | None = None
        trigger: str | None = None
        direction = "within"
        frequency: str | None = None
        period = bool(_PRE_PERIOD.search(before)) or bool(re.search(r"\b(?:first|initial)\s*$", before, re.I))
        conf = 0.75
        if conn:
            word = re.sub(r"\s+", " ", conn.group("conn").lower())
            rest = after[conn.end() :]
            phrase = _clip_anchor(rest)[:110]
            end = d.end + conn.end() + (rest.find(phrase) + len(phrase) if phrase else 0)
            if "notice" in word:
                direction = "before"
                trigger = None
                anchor = _notice_anchor(text)
                end = d.end + conn.end()
                conf = 0.8
            elif word == "thereafter":
                direction = "after"
                anchor = _thereafter_anchor(text[: d.start])
                conf = 0.75
            elif word == "in advance":
                direction = "before"
                anchor = "event"
                end = d.end + conn.end()
                conf = 0.8
            else:
                if word in ("prior to", "before", "in advance of", "preceding") or word.endswith(("preceding", "prior to")):
                    direction = "before"
                elif word in ("after", "following", "subsequent to", "beyond") or word.startswith("immediately"):
                    direction = "within" if _PRE_WITHIN.search(before) else "after"
                else:  # of / from
                    direction = "within"
                trigger = phrase or None
                anchor = anchor_of(phrase) if phrase else None
                if anchor == "receipt" and re.search(r"\binvoic", text, re.I) and re.match(r"\s*(?:the\s+)?receipt(?:\s+(?:thereof|of\s+(?:the\s+|such\s+|same|it)))?\s*$", phrase, re.I):
                    anchor = "invoice_receipt"  # "Invoices will be paid within 15 days of receipt"
                frequency = _frequency_of_period(phrase) if anchor in ("quarter_end", "month_end", "year_end") else None
                if re.search(r"\b(?:each|every)\s+anniversary\b", phrase, re.I):
                    anchor, frequency = "effective_date", "annually"
                if anchor == "expiration_date" and direction != "before" and re.search(r"\b(?:end|expiration|expiry)\s+of\s+(?:the\s+)?(?:[\w-]+\s+)?term\b", phrase, re.I):
                    anchor = "termination"  # duties after the term ends (return data, final report) run from its end, however it ends
                if _CONTRACT_YEAR_START.search(phrase):
                    anchor, frequency = "effective_date", "annually" if _frequency_of_period(phrase) else None
                if anchor == "event" and re.match(r"\s*(?:the\s+)?(?:date\s+(?:hereof|of\s+this)|this\s+agreement)", phrase, re.I):
                    anchor = "signing"
                conf = 0.9 if anchor not in (None, "event") else 0.75
                if word == "of" and re.match(r"\s*(?:the\s+|this\s+)?(?:term|agreement)\b", phrase, re.I) and not _PRE_WITHIN.search(before):
                    period = True  # "a term of two years", "a period of one year of the agreement"
        elif re.search(r"\bnotice\s+(?:period\s+)?of\s*(?:at\s+least\s+|not\s+less\s+than\s+)?$", before, re.I):
            direction, anchor, conf = "before", "event", 0.75
        elif _PRE_WITHIN.search(before):
            direction = "within"
            conf = 0.7
        elif _PRE_MIN.search(before):
            direction = "before"
            conf = 0.55
        else:
            conf = 0.5
        if _PRE_MIN.search(before) and direction == "within" and not conn:
            direction = "before"
        if re.search(r"\b(?:each|every|per)\s*$", before, re.I):
            # "every three (3) months" is a schedule, not a deadline
            freq = {("months", 1): "monthly", ("months", 3): "quarterly", ("months", 6): "semiannually",
                    ("years", 1): "annually", ("weeks", 1): "weekly", ("months", 12): "annually"}.get((unit, amount))  # fmt: skip
            rule = DueRule(kind="recurring", frequency=freq or f"every_{amount}_{unit}")
            out.append(DueRuleMention(d.start, d.end, d.text, rule, None, 0.8))
            continue
        start = d.start
        pre = _PRE_WITHIN.search(before) or _PRE_MIN.search(before) or _PRE_PERIOD.search(before)
        if pre:
            start = d.start - len(before) + pre.start()
        kind = "recurring" if frequency else "relative"
        rule = DueRule(kind=kind, amount=amount, unit=unit, direction=direction, anchor=anchor, frequency=frequency)
        out.append(DueRuleMention(start, end, text[start:end], rule, trigger, conf * (0.8 if period else 1.0), period))
    return out


_NO_WEEKENDS = re.compile(r"[^.;]{0,100}?\b(?:not\s+including|excluding|exclusive\s+of|other\s+than)\s+(?:\w+\s+){0,2}?(?:weekends?|saturdays?)\b", re.I)
_EARLIER_END = re.compile(r"\b(?:unless|until|if\s+not)\s+(?:\w+\s+){0,2}?(?:earlier|sooner)\s+terminated|\bterminated\s+(?:earlier|sooner)|\b(?:earlier|sooner)\s+terminat\w*|\bsubject\s+to\s+(?:earlier\s+)?termination", re.I)
_START_WORDS = re.compile(r"\beffective\s+date|\bcommencement\s+date|\bcommenc\w*|\bdate\s+(?:hereof|of\s+this\s+agreement)|\bexecution", re.I)
_END_WORDS = re.compile(r"\bterm\b|terminat|expir", re.I)


def _thereafter_anchor(before: str) -> str:
    """"N years thereafter" counts from the last start or end named before it; "unless earlier terminated" names neither."""
    before = _EARLIER_END.sub(" ", before)
    start = max((m.end() for m in _START_WORDS.finditer(before)), default=-1)
    end = max((m.end() for m in _END_WORDS.finditer(before)), default=-1)
    if start > end:
        return "signing" if re.search(r"\bdate\s+(?:hereof|of\s+this)|\bexecution", before[max(0, start - 30) : start], re.I) else "effective_date"
    return "termination" if end >= 0 else "event"


def _notice_anchor(sentence: str) -> str:
    low = sentence.lower()
    if re.search(r"\b(?:price|fee|rate|charge)s?\b[^.]{0,40}\b(?:change|increase|decrease|revision|adjustment)|\b(?:change|increase|decrease|revis\w+|adjust\w*)\b[^.]{0,40}\b(?:price|fee|rate|charge)s?\b", low):
        return "event"  # a price change announced in advance runs from the change, not from the renewal date
    if re.search(r"\bnon[\s-]?renew|\bnot\s+(?:to\s+)?renew|\brenew", low):
        return "expiration_date"
    if re.search(r"\bterminat", low):
        return "termination"
    return "event"


_FIRST_PERIOD = re.compile(
    r"\b(?:during|within|in|by\s+the\s+end\s+of|before\s+the\s+end\s+of)\s+the\s+first\s+(?:(?P<n>two|three|four|five|six|\d{1,2})\s+(?:\(\d+\)\s+)?)?"
    r"(?:full\s+)?(?:contract\s+|calendar\s+|agreement\s+|license\s+)?(?P<unit>year|month|quarter)s?\b",
    re.I,
)


_DURING_EACH = re.compile(
    r"\b(?:during|in|for)\s+each\s+(?:(?P<contract>contract|lease|license|agreement)\s+|calendar\s+|fiscal\s+)?(?P<period>month|quarter|year)\b",
    re.I,
)
_ONCE_PER = re.compile(
    r"\b(?:at\s+least\s+)?once\s+(?:during|in|within|per|every|each)\s+(?:each\s+|every\s+|any\s+)?(?:calendar\s+|fiscal\s+|contract\s+)?(?P<period>month|quarter|year)\b",
    re.I,
)


_PERIOD_START = re.compile(
    r"\b(?:at|on|by|before|as\s+of)\s+the\s+(?:beginning|start|commencement)\s+of\s+(?P<each>each|every|the)\s+"
    r"(?:calendar\s+|fiscal\s+|royalty\s+|payment\s+)?(?P<period>month|quarter|year)\b", re.I)
_IN_ADVANCE = re.compile(r"\bin\s+advance\b|\b(?:monthly|quarterly|annually|yearly)\b|\b(?:each|every|per)\s+(?:calendar\s+)?(?:month|quarter|year)\b", re.I)


def _recurring(text: str) -> list[DueRuleMention]:
    out: list[DueRuleMention] = []
    low = text.lower()
    has_each = "each" in low or "every" in low or "once" in low or "first" in low
    for m in (_DURING_EACH.finditer(text) if has_each else ()):
        period = m.group("period").lower()
        if m.group("contract"):
            rule = DueRule(kind="recurring", frequency="annually", anchor="effective_date", direction="on")
        else:
            freq = {"month": "monthly", "quarter": "quarterly", "year": "annually"}[period]
            rule = DueRule(kind="recurring", frequency=freq, anchor=_PERIOD_END_ANCHOR[freq], direction="on")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.8))
    for m in (_ONCE_PER.finditer(text) if "once" in low else ()):
        period = m.group("period").lower()
        freq = {"month": "monthly", "quarter": "quarterly", "year": "annually"}[period]
        rule = DueRule(kind="recurring", frequency=freq, anchor=_PERIOD_END_ANCHOR[freq], direction="before")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.85))
    for m in (_PERIOD_START.finditer(text) if "beginning" in low or "start" in low else ()):
        if m.group("each").lower() == "the" and not _IN_ADVANCE.search(text):
            continue  # "at the beginning of the month" recurs only in a sentence that pays periodically in advance
        freq = {"month": "monthly", "quarter": "quarterly", "year": "annually"}[m.group("period").lower()]
        anchor = {"monthly": "month_start", "quarterly": "quarter_start", "annually": "year_start"}[freq]
        rule = DueRule(kind="recurring", frequency=freq, anchor=anchor, direction="on")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.85))
    for m in (_FIRST_PERIOD.finditer(text) if "first" in low else ()):
        if re.search(r"\beach\s+of\s*$", text[max(0, m.start() - 12) : m.start() + 3], re.I) or re.search(r"\beach\s+of\s+the\s+first", m.group(0) + text[m.start() - 12 : m.start()], re.I):
            continue
        n = _word_int(m.group("n")) if m.group("n") else 1
        unit = {"year": "years", "month": "months", "quarter": "months"}[m.group("unit").lower()]
        amount = (n or 1) * (3 if m.group("unit").lower() == "quarter" else 1)
        rule = DueRule(kind="relative", amount=amount, unit=unit, direction="within", anchor="effective_date")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, "the first " + m.group("unit"), 0.75))
    for m in (_NTH_DAY.finditer(text) if _NTH_HINT.search(low) else ()):
        if _CONDITION_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # "unless the last day of such quarter is …" describes a day, it sets no deadline
        n = int(m.group("n")) if m.group("n") else _ORDINAL_WORDS.get(re.sub(r"\s+", " ", (m.group("w") or "").lower()), 0)
        period = m.group("period").lower()
        freq = {"month": "monthly", "quarter": "quarterly", "year": "annually"}[period]
        unit = "business_days" if m.group("unit") and m.group("unit").strip().lower() in ("business", "working") else "days"
        conn = re.sub(r"\s+", " ", m.group("conn").lower())
        each = (m.group("each") or "").lower()
        recurring = each in ("each", "every", "any", "such") or bool(re.search(r"\b(?:next|following|succeeding)\s+(?:calendar\s+|fiscal\s+)?(?:month|quarter|year)", m.group(0), re.I))
        edge = (m.group("edge") or "").lower()
        if (m.group("w") or "").lower() == "last":
            rule = DueRule(kind="recurring" if recurring else "relative", frequency=freq if recurring else None,
                           anchor=_PERIOD_END_ANCHOR.get(freq, "month_end"), amount=0, unit="days", direction="on")
        elif (conn == "of" and not re.search(r"\bend\b|\bclose\b", m.group(0), re.I)) or edge in ("beginning", "start", "commencement", "first day"):
            rule = DueRule(kind="recurring" if recurring else "relative", frequency=freq if recurring else None,
                           anchor={"monthly": "month_start", "quarterly": "quarter_start", "annually": "year_start"}[freq],
                           amount=n, unit=unit, direction="on")
        else:
            direction = "before" if conn in ("preceding", "prior to", "before") else "after"
            rule = DueRule(kind="recurring" if recurring else "relative", frequency=freq if recurring else None,
                           anchor=_PERIOD_END_ANCHOR[freq], amount=n, unit=unit, direction=direction)
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, None, 0.9))
    for m in (_ANNIVERSARY.finditer(text) if "anniversar" in low else ()):
        phrase = _clip_anchor(m.group("anchor") or "")
        if re.search(r"thereof\s*$", m.group(0)[: m.start("anchor") - m.start()] if m.group("anchor") is not None else m.group(0), re.I):
            phrase = ""  # "each anniversary thereof": of the date just named, in practice the Effective Date
        anchor = anchor_of(phrase) if phrase else "effective_date"
        if anchor in ("event", "expiration_date"):
            anchor = "effective_date" if not phrase or "effective" in phrase.lower() or "agreement" in phrase.lower() else anchor
        each = m.group("each2") or re.search(r"\b(?:each|every)\b", m.group(0), re.I)
        if m.group("ord") and not each:
            ordv = m.group("ord").lower()
            n = _ORDINAL_WORDS.get(ordv) or int(re.sub(r"\D", "", ordv) or 0)
            rule = DueRule(kind="relative", amount=n, unit="years", direction="after", anchor=anchor)
        else:
            rule = DueRule(kind="recurring", frequency="annually", anchor=anchor, direction="on")
        out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, phrase or None, 0.9))
    for freq, rx in _FREQ_WORDS if _FREQ_HINT.search(low) else ():
        for m in rx.finditer(text):
            if (_ADJ_NOT_SCHEDULE.match(text, m.end()) or _OF_THE.search(text[max(0, m.start() - 25) : m.start()])
                    or re.search(r"(?:days?|hours?)(?:\s*\(\d+\))?\s*$", text[max(0, m.start() - 20) : m.start()], re.I)):
                continue  # "the Monthly Uptime Percentage", "5% of the monthly fees": a measure, not a schedule
            if _FREQ_NEG.search(text[max(0, m.start() - 30) : m.end() + 15]) and re.search(r"per\s+annum|annual", m.group(0), re.I):
                continue
            out.append(DueRuleMention(m.start(), m.end(), m.group(0), DueRule(kind="recurring", frequency=freq), None, 0.8))
    return out


def _events(text: str) -> list[DueRuleMention]:
    out: list[DueRuleMention] = []
    pos = 0 if _EVENT_HINT.search(text) else len(text) + 1
    while pos <= len(text) and (m := _EVENT.search(text, pos)) is not None:
        cue = re.sub(r"\s+", " ", m.group("cue").lower())
        event = _clip_anchor(m.group("event"))
        pos = max(m.start("event") + len(event), m.start() + 1)
        if not event:
            continue
        anchor = anchor_of(event)
        strong = cue in _EVENT_ONLY_CUES or cue.startswith(("promptly", "immediately"))
        if not strong and anchor in ("event", "notice", "expiration_date", "effective_date", "written_request", "receipt"):
            if not (cue in ("prior to", "before") and m.start() < 12):
                continue  # "services following the Effective Date" describes; "Prior to the offering, X shall …" sets a deadline
        direction = "before" if cue.endswith(("prior to", "before")) else "on"
        if direction == "before" and _SCOPE_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            continue  # "fees that relate to the period prior to termination" says which fees, not when
        end = m.start("event") + len(event)
        rule = DueRule(kind="relative", direction=direction, anchor=anchor)
        conf = 0.8 if strong else 0.6
        out.append(DueRuleMention(m.start(), end, text[m.start() : end], rule, event, conf))
    for m in _HOURS.finditer(text):
        raw = m.group("paren") or m.group("digits") or m.group("word")
        n = _word_int(raw) if raw else None
        if n:
            conn = _CONNECTOR.match(text[m.end() : m.end() + 160])
            hour_anchor: str | None = None
            trigger: str | None = None
            end = m.end()
            direction = "before" if re.match(r"at|not|no\s+less", m.group("pre"), re.I) else "within"
            if conn and conn.group("conn").lower().startswith(("in advance", "prior", "before", "advance", "preceding")):
                direction = "before"
                if conn.group("conn").lower() == "in advance":
                    specific = anchor_of(text[: m.start()])
                    hour_anchor = specific if specific not in ("event", "notice") else "event"
                    end = m.end() + conn.end()
                    conn = None
            if conn and "notice" not in conn.group("conn").lower():
                rest = text[m.end() + conn.end() : m.end() + 160]
                trigger = _clip_anchor(rest)[:110] or None
                hour_anchor = anchor_of(trigger) if trigger else None
                end = m.end() + conn.end() + (rest.find(trigger) + len(trigger) if trigger else 0)
            rule = DueRule(kind="relative", amount=n, unit="hours", direction=direction, anchor=hour_anchor)
            out.append(DueRuleMention(m.start(), end, text[m.start() : end], rule, trigger, 0.85 if hour_anchor else 0.75))
    for m in _NET_TERMS.finditer(text):
        n = _word_int(m.group("n"))
        if n:
            rule = DueRule(kind="relative", amount=n, unit="days", direction="within", anchor="invoice_receipt")
            out.append(DueRuleMention(m.start(), m.end(), m.group(0), rule, "invoice", 0.85))
    return out


def get_due_rules(text: str) -> list[DueRuleMention]:
    """Every due-rule mention in ``text`` (a sentence or clause), in text order, overlaps resolved.

    Specific readings win over generic ones covering the same words: "within 45 days after the end of each
    quarter" is one recurring rule, not a relative rule plus "each quarter"; a bare frequency word is dropped
    when a more specific schedule of the same frequency is in the sentence.
    """
    found = _recurring(text) + _relative(text) + _absolute(text) + _events(text)
    found.sort(key=lambda m: (-_specificity(m), m.start))
    kept: list[DueRuleMention] = []
    for m in found:
        if any(m.start < k.end and k.start < m.end for k in kept):
            continue
        kept.append(m)
    specific_freqs = {k.rule.frequency for k in kept if k.rule.kind == "recurring" and (k.rule.anchor or k.rule.amount)}
    kept = [
        k for k in kept
        if not (k.rule.kind == "recurring" and not k.rule.anchor and not k.rule.amount and k.rule.frequency in specific_freqs)
    ]  # fmt: skip
    kept = _share_anchors(_merge_anniversaries(kept, text))
    kept = _merge_period_schedules(kept, text)
    out = []
    for m in _attach_events(kept):
        r = m.rule
        if r.kind in ("relative", "recurring") and r.amount and r.anchor is None and r.kind == "relative":
            m = replace(m, rule=replace(r, anchor="event"))  # a deadline counted from something the text leaves open
        r = m.rule
        if r.anchor == "event" and m.trigger and _DISCOVERY.search(m.trigger) and _BREACH.search(text):
            m = replace(m, rule=replace(r, anchor="breach_discovery"))  # "within 48 hours of discovery" of the incident
        then = _THEN_EVERY.search(m.text) or _THEN_EVERY.match(text, m.end)
        if r.kind == "relative" and r.amount and r.direction != "before" and r.anchor not in (None, "event") and then:
            freq = _THEN_FREQ[re.sub(r"\s+", " ", then.group("f").lower())]
            m = replace(m, rule=replace(m.rule, kind="recurring", frequency=freq))  # "within 30 days after X and annually thereafter"
        out.append(m)
    return sorted(out, key=lambda m: m.start)


_DISCOVERY = re.compile(r"^\W*(?:the\s+|its\s+|such\s+)?discover\w*\b|\b(?:first\s+)?(?:learns?|learned|becomes?\s+aware)\b", re.I)
_BREACH = re.compile(r"\b(?:breach|incident|intrusion|unauthori[sz]ed\s+(?:access|disclosure))", re.I)
_THEN_EVERY = re.compile(r"\s*,?\s+and\s+(?P<f>annually|monthly|quarterly|each\s+year|every\s+year|each\s+month|each\s+quarter)\s+thereafter\b", re.I)
_THEN_FREQ = {"annually": "annually", "each year": "annually", "every year": "annually", "monthly": "monthly", "each month": "monthly",
              "quarterly": "quarterly", "each quarter": "quarterly"}  # fmt: skip


def _merge_anniversaries(mentions: list[DueRuleMention], text: str) -> list[DueRuleMention]:
    """"Within 30 days after the Effective Date and each anniversary thereof" is one yearly schedule."""
    annual = [m for m in mentions if m.rule.kind == "recurring" and m.rule.frequency == "annually" and "anniversar" in m.text.lower()]
    if not annual:
        return mentions
    out = []
    for m in mentions:
        r = m.rule
        if r.kind == "relative" and r.amount and r.anchor == "effective_date" and any(0 <= a.start - m.end < 40 for a in annual):
            m = replace(m, rule=replace(r, kind="recurring", frequency="annually"))
        out.append(m)
    merged = [m for m in out if m.rule.kind == "recurring" and m.rule.amount]
    return [m for m in out if not (m in annual and any(0 <= m.start - x.end < 40 for x in merged))]


_PERIOD_FREQ = {"quarter_end": "quarterly", "month_end": "monthly", "year_end": "annually"}


def _merge_period_schedules(mentions: list[DueRuleMention], text: str) -> list[DueRuleMention]:
    """"Quarterly; 30 days after end of quarter", "within 6 weeks of the end of a quarter": one schedule."""
    bare = {m.rule.frequency: m for m in mentions if m.rule.kind == "recurring" and not m.rule.anchor and not m.rule.amount}
    out = []
    drop: set[int] = set()
    for m in mentions:
        r = m.rule
        freq = _PERIOD_FREQ.get(r.anchor or "")
        if r.kind == "relative" and r.amount and freq and (freq in bare or re.search(
                r"\bend\s+of\s+(?:a|any|each|every|such|that)\s+(?:calendar\s+|fiscal\s+|royalty\s+|payment\s+)?(?:quarter|month|year)", m.text, re.I)):
            m = replace(m, rule=replace(r, kind="recurring", frequency=freq))
            if freq in bare:
                drop.add(id(bare[freq]))
        out.append(m)
    return [m for m in out if id(m) not in drop]


def _share_anchors(mentions: list[DueRuleMention]) -> list[DueRuleMention]:
    """"Respond within 4 hours and resolve within 24 hours after Customer reports it": both count from the report."""
    out = sorted(mentions, key=lambda x: x.start)
    for i, m in enumerate(out):
        r = m.rule
        if r.kind == "relative" and r.amount and r.anchor in (None, "event") and r.direction != "before":
            later = [x for x in out[i + 1 :] if x.rule.kind == "relative" and x.rule.amount and x.rule.unit == r.unit
                     and x.rule.anchor not in (None, "event") and 0 <= x.start - m.end < 80]  # fmt: skip
            if later:
                out[i] = replace(m, rule=replace(r, anchor=later[0].rule.anchor), trigger=later[0].trigger)
    return out


def _specificity(m: DueRuleMention) -> float:
    r = m.rule
    score = {"recurring": 3.0, "relative": 2.0, "absolute": 2.5, "none": 0.0}.get(r.kind, 0.0)
    if r.kind == "recurring" and not r.anchor and not r.amount:
        score = 1.0
    if r.kind == "relative" and r.direction in ("on", "before") and r.amount is None:
        score = 1.5
    return score + (m.end - m.start) / 1000.0


def _attach_events(mentions: list[DueRuleMention]) -> list[DueRuleMention]:
    """A duration without an anchor takes the sentence's event ("Upon receipt of an invoice, pay within 30 days")."""
    events = [m for m in mentions if m.rule.direction == "on" and m.rule.amount is None and m.rule.kind == "relative"
              and m.rule.anchor not in (None, "event")]
    out: list[DueRuleMention] = []
    for m in mentions:
        if m.rule.kind == "relative" and m.rule.amount and m.rule.anchor is None and events and not m.period and m.confidence >= 0.6:
            ev = min(events, key=lambda e: abs(e.start - m.start))
            m = replace(m, rule=replace(m.rule, anchor=ev.rule.anchor), trigger=ev.trigger, confidence=max(m.confidence, 0.8))
        out.append(m)
    return out


# --- resolution ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _default_calendar(country: str = "US") -> BusinessCalendar:
    return BusinessCalendar(country=country)


def _offset(day: dt.date, rule: DueRule, cal: BusinessCalendar) -> dt.date:
    if not rule.amount or not rule.unit or rule.direction == "on":
        return day
    sign = -1 if rule.direction == "before" else 1
    return cal.shift(day, sign * rule.amount, rule.unit)


def _period_ends(anchor: str, start: dt.date) -> list[dt.date]:
    """Period ends from the one before ``start`` onwards (enough to find the next occurrence)."""
    step = {"month_end": 1, "quarter_end": 3, "year_end": 12, "half_end": 6}[anchor]
    first = {"month_end": month_end, "quarter_end": quarter_end, "year_end": year_end}.get(anchor, quarter_end)(start)
    if anchor == "half_end":
        first = month_end(dt.date(start.year, 6 if start.month <= 6 else 12, 1))
    first = month_end(add_months(first, -2 * step))
    return [month_end(add_months(first, k * step)) for k in range(0, 8)]


def resolve(
    rule: DueRule,
    anchors: Mapping[str, dt.date | None],
    as_of: dt.date,
    calendar: BusinessCalendar | None = None,
) -> dt.date | None:
    """The due date of ``rule`` given known anchor dates; for schedules, the next occurrence on/after ``as_of``.

    Returns None when the rule depends on something not in ``anchors`` (an event that has not happened, an
    unknown invoice date) — never a guess. A schedule ends with the contract: no occurrence whose period starts
    after ``anchors["expiration_date"]``.
    """
    cal = calendar or _default_calendar()
    if rule.kind == "absolute":
        if rule.date is None and rule.anchor and rule.anchor.startswith("--"):
            start = anchors.get("effective_date")
            return _next_month_day(rule.anchor, start) if start else None
        return rule.date
    if rule.kind == "relative":
        if rule.anchor in ("quarter_end", "month_end", "year_end"):
            freq = {"quarter_end": "quarterly", "month_end": "monthly", "year_end": "annually"}[rule.anchor]
            return resolve(replace(rule, kind="recurring", frequency=freq), anchors, as_of, cal)
        base = anchors.get(rule.anchor or "")
        if base is None:
            return None
        return _offset(base, rule, cal)
    if rule.kind != "recurring" or not rule.frequency:
        return None
    expiration = anchors.get("schedule_end", anchors.get("expiration_date"))
    freq = rule.frequency
    if freq not in _PERIOD_MONTHS:
        return None
    anchor = rule.anchor
    if anchor and anchor.startswith("--"):
        d = _next_month_day(anchor, as_of)
        return _bounded(d, d, expiration) if d else None
    if anchor in ("month_start", "quarter_start", "year_start"):
        step = {"month_start": 1, "quarter_start": 3, "year_start": 12}[anchor]
        first = dt.date(as_of.year, 1, 1) if step == 12 else dt.date(as_of.year, ((as_of.month - 1) // step) * step + 1, 1)
        for k in range(0, 4):
            ps = add_months(first, k * step)
            n = rule.amount or 1
            if rule.unit == "business_days":
                d = cal.nth_business_day(ps.year, ps.month, n)
            else:
                d = _safe_date(ps.year, ps.month, n) or month_end(ps)
            if d >= as_of:
                return _bounded(d, ps, expiration)
        return None
    if anchor is None:
        if freq == "annually" and anchors.get("effective_date"):
            anchor = "effective_date"
        elif freq in ("weekly", "biweekly"):
            anchor = "effective_date"
        else:
            anchor = {"monthly": "month_end", "quarterly": "quarter_end", "semiannually": "half_end", "annually": "year_end"}[freq]
    if anchor in ("month_end", "quarter_end", "year_end", "half_end"):
        search_from = as_of if rule.direction != "before" else as_of
        lookback = cal.shift(search_from, -(rule.amount or 0), rule.unit or "days") if rule.direction != "before" else search_from
        if anchor == "month_end" and freq != "monthly":
            anchor = _PERIOD_END_ANCHOR.get(freq, "month_end")
        for pe in _period_ends(anchor, lookback):
            d = _offset(pe, rule, cal)
            if d >= as_of:
                return _bounded(d, pe, expiration)
        return None
    base = anchors.get(anchor)
    if base is None:
        return None
    if freq in ("weekly", "biweekly"):
        step_weeks = 1 if freq == "weekly" else 2
        weeks = max(0, (as_of - base).days // (7 * step_weeks))
        for k in range(weeks, weeks + 3):
            occ = base + dt.timedelta(weeks=k * step_weeks)
            d = _offset(occ, rule, cal)
            if d >= as_of:
                return _bounded(d, occ, expiration)
        return None
    step = _PERIOD_MONTHS[freq]
    months_since = max(0, (as_of.year - base.year) * 12 + as_of.month - base.month)
    k0 = max(1, months_since // step - 2)
    for k in range(k0, k0 + 8):
        occ = add_months(base, k * step)
        d = _offset(occ, rule, cal)
        if d >= as_of:
            return _bounded(d, occ, expiration)
    return None


def _next_month_day(month_day: str, start: dt.date) -> dt.date | None:
    """The first date on/after ``start`` falling on an ISO month-day ("--06-30"); Feb 29 rolls to Feb 28."""
    m = re.fullmatch(r"--(\d\d)-(\d\d)", month_day)
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    for year in (start.year, start.year + 1):
        d = _safe_date(year, month, day) or month_end(dt.date(year, month, 1))
        if d >= start:
            return d
    return None


def _bounded(due: dt.date, period_start: dt.date, expiration: dt.date | None) -> dt.date | None:
    if isinstance(expiration, dt.date) and period_start > expiration:
        return None
    return due
