"""Amendments: is this document an amendment, which contract does it amend, and which dates does it change.

An amendment names its parent by title and date ("Amendment No. 1 to the Master Services Agreement …
WHEREAS, the parties entered into the Master Services Agreement dated April 22, 2024 (the "Agreement")")
and changes dates in sentences such as "the due date … set out in Section 2.1 of the SOW is changed from
December 21, 2026 to February 1, 2027" or "In Section 6 of the Agreement, the notice period for non-renewal
is changed from 90 days to 60 days". This module finds those (:func:`get_amendments`,
:func:`get_amendment_changes`), picks the parent among known contracts (:func:`choose_parent`) and decides
which of the parent's milestones the amendment replaces (:func:`plan_supersessions`) — all on plain values,
so the register code only reads and writes rows.

Only the title region or the opening sentence decides that a document is an amendment: "may be amended
only in writing", "supersedes the agreement dated …", a statement of work "under the Master Services
Agreement dated …" and an "Amended and Restated" agreement (a whole new contract) are not amendments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .dates import get_dates
from .durations import get_durations, iso_duration
from .structure import get_sentences

__all__ = [
    "AmendmentReference",
    "AmendmentChange",
    "ParentCandidate",
    "ParentMatch",
    "Supersession",
    "AmendmentPlan",
    "KEY_DATE_FIELDS",
    "get_amendments",
    "get_amendment_changes",
    "document_title",
    "describe_amendment",
    "normalize_title",
    "normalize_party",
    "choose_parent",
    "plan_supersessions",
]

# Fields of raw.key_dates an amendment can change (the rest of a change is a milestone's due date).
KEY_DATE_FIELDS: tuple[str, ...] = (
    "expiration_date", "renewal_notice_period", "renewal_term", "initial_term", "termination_notice_period",
)  # fmt: skip


@dataclass(frozen=True)
class AmendmentReference:
    """A document that amends another: what it calls itself and how it cites its parent."""

    start: int  # offsets of the text that cites the parent (the recital, else the title line)
    end: int
    text: str
    label: str  # as written: "Amendment No. 1", "First Amendment"
    number: int | None  # 1 for "Amendment No. 1" / "First Amendment"; None for a bare "Amendment"
    parent_title: str | None  # as written: "Master Services Agreement", "Statement of Work No. 6"
    parent_date: dt.date | None  # the parent's date as cited ("dated April 22, 2024")
    parent_alias: str | None = None  # the defined term the amendment uses for it: "Agreement", "SOW"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text, "label": self.label, "number": self.number,
            "parent_title": self.parent_title,
            "parent_date": self.parent_date.isoformat() if self.parent_date else None,
            "parent_alias": self.parent_alias,
        }  # fmt: skip


@dataclass(frozen=True)
class AmendmentChange:
    """One date or period the amendment changes, kept as found.

    field: due_date (a milestone's date) | expiration_date | renewal_notice_period | termination_notice_period
    | renewal_term | initial_term | period (a duration whose meaning the sentence does not say).
    old_value/new_value: ISO dates for dates, ISO-8601 durations for periods; old_value is None when the
    sentence only gives the new value ("shall instead be paid … no later than March 1, 2027").
    """

    start: int
    end: int
    text: str
    field: str
    clause_reference: str | None  # the parent's clause as cited: "Section 4.1", "2.1", "6"
    old_value: str | None
    new_value: str | None
    amount: str | None = None  # a money amount named in the sentence (Decimal string), helps find the milestone

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text, "field": self.field,
            "clause_reference": self.clause_reference, "old_value": self.old_value, "new_value": self.new_value,
            "amount": self.amount,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AmendmentChange:
        return cls(
            int(d.get("start") or 0), int(d.get("end") or 0), d.get("text") or "", d["field"],
            d.get("clause_reference"), d.get("old_value"), d.get("new_value"), d.get("amount"),
        )  # fmt: skip


# --- what the document calls itself ----------------------------------------------------------------------

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}  # fmt: skip
_ORD = r"(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d{1,2}(?:st|nd|rd|th))"
_NUM = (r"(?:(?:no\.?|number|#)\s*(?P<num>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|[ivx]{1,4}\b)"
        r"|(?P<bare>\d{1,3})\b)")
# "Amendment No. 1 to the Master Services Agreement", "FIRST AMENDMENT TO LEASE AGREEMENT", "Amendment to …"
_TITLE = re.compile(
    rf"^\s*(?:{_ORD}\s+)?amendment(?:\s+{_NUM})?(?:\s+(?:to|of)\s+(?:the\s+|that\s+certain\s+)?(?P<parent>[^\n]{{3,160}}))?\s*$",
    re.I,
)
# "This Amendment No. 1 (this "Amendment")", "This First Amendment to …"
_OPENING = re.compile(
    rf"\b(?:this\s+is\s+the|this)\s+(?:{_ORD}\s+)?amendment(?:\s+{_NUM})?(?!\s+(?:and|&)\s+restat)"
    r"(?=\s*\(\s*(?:this|the)?\s*[\"“]|\s+to\s+(?:the\b|that\b|an?\b|(?-i:[A-Z]))|\s+(?:is|was)\s+(?:made|entered|dated|effective))",
    re.I,
)
_RESTATED = re.compile(r"\bamended\s+and\s+restated\b", re.I)
# the recital or opening that cites the parent: "entered into the X dated D (the "Agreement")"
_CITE = re.compile(
    r"(?:entered\s+into|are\s+(?:the\s+)?parties\s+to|is\s+made\s+to|amends?|to|reference\s+is\s+made\s+to)\s+"
    r"(?:that\s+certain\s+|the\s+|a\s+|an\s+)?(?P<title>[A-Z][^\n\"“”()]{2,120}?)(?:\s*\([^()]{1,60}\))?\s*,?\s+"
    r"(?:dated|effective|made|entered\s+into|with\s+an?\s+[Ee]ffective\s+[Dd]ate\s+of)(?:\s+as\s+of|\s+on)?\s+(?:the\s+)?"
)
_ALIAS = re.compile(r"^[^()\"“”]{0,200}?\(\s*(?:as\s+amended[^()]*?,\s*)?(?:the|this)\s+[\"“]?(?P<alias>[A-Z][\w ]{1,40}?)[\"”]?\s*\)")
_LEADING_ARTICLE = re.compile(r"^(?:the|that\s+certain|a|an)\s+", re.I)
_TRAILING_DATED = re.compile(r"\s*,?\s*(?:dated|effective|made|entered\s+into)\b.*$", re.I | re.S)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _title_lines(text: str, limit: int = 700) -> list[tuple[int, int, str]]:
    """The first non-empty lines before the preamble: where a document says what it is."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    head = text[:limit]
    for line in re.split(r"(\n|\f)", head):
        start, pos = pos, pos + len(line)
        s = line.strip()
        if not s or line in ("\n", "\f"):
            continue
        if re.match(r"^(?:this|the\s+parties|whereas|recitals?|background)\b", s, re.I) or len(s) > 170:
            break
        out.append((start + len(line) - len(line.lstrip()), start + len(line.rstrip()), s))
        if len(out) >= 3:
            break
    return out


def document_title(text: str) -> str | None:
    """The title line as written, whitespace collapsed ("MASTER SERVICES AGREEMENT"); None if there is none.

    A title is the first short line that is upper case or Title Case and does not end like a sentence;
    a following line continues it when it is upper case too ("AMENDMENT NO. 1 TO THE" / "SUPPLY AGREEMENT").
    """
    lines = _title_lines(text)
    parts: list[str] = []
    for _, _, s in lines:
        words = re.findall(r"[A-Za-z]+", s)
        if not words or s[-1] in ".;," or re.match(r"^(?:page\s+\d|confidential|execution\s+(?:copy|version))", s, re.I):
            if parts:
                break
            continue
        upper = s.upper() == s
        title_case = sum(w[0].isupper() for w in words if len(w) > 3) >= max(1, len([w for w in words if len(w) > 3]) - 1)
        if not (upper or title_case):
            break
        if parts and not upper:
            break
        parts.append(s)
        if not upper:
            break
    return _collapse(" ".join(parts)) or None


def _number(m: re.Match[str]) -> int | None:
    ordw = (m.group("ord") or "").lower()
    if ordw:
        return _ORDINALS.get(ordw) or int(re.sub(r"\D", "", ordw))
    num = (m.group("num") or m.group("bare") or "").lower()
    if not num:
        return None
    return int(num) if num.isdigit() else _NUMBER_WORDS.get(num)


def _first_date(text: str) -> dt.date | None:
    for d in get_dates(text):
        if d.value is not None:
            return d.value
    return None


def _clean_title(raw: str) -> str | None:
    t = _collapse(raw)
    t = _TRAILING_DATED.sub("", t)
    t = re.sub(r"\s+(?:by\s+and\s+)?(?:between|among)\b.*$", "", t, flags=re.I)
    t = _LEADING_ARTICLE.sub("", t).strip(" ,;:")
    return t or None


def get_amendments(text: str) -> Iterator[AmendmentReference]:
    """Yield the amendment reference of a document that is an amendment (at most one), else nothing."""
    head = text[:4000]
    title_match = None
    title_span = (0, 0)
    for s, e, line in _title_lines(text):
        m = _TITLE.match(line)
        if m and not _RESTATED.search(line):
            title_match, title_span = m, (s, e)
            break
    opening = None
    if title_match is None:
        # no title line (or a filing legend run into it): the opening sentence says "This Amendment … (this
        # "Amendment") / to the … / is made …" before any other clause
        m = _OPENING.search(head[:2500])
        if m is None or _RESTATED.search(head[max(0, m.start() - 200) : m.end() + 200]):
            return
        sent = next((s for s in get_sentences(head) if s.start <= m.start() < s.end), None)
        if sent is None:
            return
        opening = (sent, m)
    label_match = title_match or opening[1]  # type: ignore[index]
    label = _collapse(re.sub(r"\s+(?:to|of)\s+.*$", "", label_match.group(0), flags=re.I | re.S))
    label = re.sub(r"^this\s+", "", label, flags=re.I)
    number = _number(label_match)
    parent_title = _clean_title(title_match.group("parent")) if title_match and title_match.group("parent") else None
    parent_date = None
    alias = None
    span = title_span
    cite_text = title_match.group(0).strip() if title_match else opening[0].text  # type: ignore[index]
    # The recital or the opening sentence cites the parent with its date; it wins over the title line.
    for sent in get_sentences(head):
        if not re.search(r"\bdated\b|\beffective\b|\bentered\s+into\b", sent.text, re.I):
            continue
        flat = _collapse(sent.text)
        for m in _CITE.finditer(flat):
            title = _clean_title(m.group("title"))
            when = next((d for d in get_dates(flat[m.end() : m.end() + 60]) if d.start < 8), None)
            date = when.value if when is not None else None
            if not title or date is None or re.match(r"^(?:this\s+)?amendment\b", title, re.I):
                continue
            if not re.search(r"agreement|contract|statement\s+of\s+work|sow|lease|order|license|licence|"
                             r"addendum|schedule|plan|terms|policy|amendment|deed|note|warrant", title, re.I):  # fmt: skip
                continue
            parent_title, parent_date = title, date
            am = _ALIAS.match(flat[m.end() + when.end :]) if when is not None else None
            alias = am.group("alias").strip() if am else None
            span, cite_text = (sent.start, sent.end), sent.text
            break
        if parent_date is not None:
            break
    yield AmendmentReference(span[0], span[1], cite_text, label, number, parent_title, parent_date, alias)


# --- what it changes -------------------------------------------------------------------------------------

_CHANGE_CUE = re.compile(
    r"\b(?:(?:is|are|shall\s+be)\s+(?:hereby\s+)?(?:changed|amended|extended|replaced|modified|revised|"
    r"reduced|increased|shortened|deleted)|hereby\s+(?:extend|amend|change)s?|shall\s+instead|instead\s+of|"
    r"is\s+now|are\s+now|(?:amended|changed|revised)\s+to\s+read|by\s+replacing|by\s+deleting|"
    r"shall\s+(?:now\s+)?(?:expire|end|terminate|continue)\s+(?:on|until|through)|extend(?:ed|s)?\s+(?:the\s+)?(?:term|expiration))\b",
    re.I,
)
_BOILERPLATE = re.compile(
    r"except\s+as\s+(?:expressly\s+|specifically\s+)?(?:amended|modified|set\s+forth)|remains?\s+unchanged|"
    r"executed\s+in\s+counterparts|governed\s+by|capitali[sz]ed\s+terms|wish\s+to\s+amend|entered\s+into",
    re.I,
)
_CLAUSE = re.compile(
    r"\b(?:Section|Clause|Article|Paragraph|§)\s*(?P<ref>\d{1,3}(?:\.\d{1,3}){0,3}(?:\([a-z0-9]{1,4}\))*)", re.I
)
_MONEY = re.compile(r"(?:\$|USD\s?|US\$)\s?(?P<amt>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+(?:\.\d{2})?)")
_FROM = re.compile(r"\b(?:from|replacing|replace|instead\s+of)\s*[\"“]?\s*$", re.I)
_TO = re.compile(r"\b(?:to|until|through|thru|with|by|later\s+than|on|before|read)\s*[\"“]?\s*$", re.I)


def _field_for(sent: str, has_dates: bool, has_durations: bool) -> str | None:
    low = sent.lower()
    notice = "notice" in low
    if has_durations and notice and re.search(r"non-?renewal|renew", low):
        return "renewal_notice_period"
    if has_durations and notice and re.search(r"terminat", low):
        return "termination_notice_period"
    if has_durations and re.search(r"renewal\s+term|renew(?:s|ed)?\s+for", low):
        return "renewal_term"
    if has_dates and re.search(r"\b(?:term|expiration\s+date|expiry\s+date|expire|end\s+date)\b", low) and not re.search(
        r"\b(?:due\s+date|deliver|payable|paid|payment|install?ment|invoice)\b", low
    ):
        return "expiration_date"
    if has_durations and re.search(r"\binitial\s+term\b|\bterm\s+of\s+(?:this|the)\b", low):
        return "initial_term"
    if has_dates:
        return "due_date"
    if has_durations:
        return "period"
    return None


def _old_new(sent: str, values: list[tuple[int, int, str]]) -> tuple[str | None, str | None]:
    """Pick the old and new value among (start, end, value) mentions: "from X to Y" / "to Y" / the last one."""
    if not values:
        return None, None
    old = next((v for s, _, v in values if _FROM.search(sent[max(0, s - 12) : s])), None)
    after_to = [v for s, _, v in values if _TO.search(sent[max(0, s - 20) : s])]
    new = None
    if old is not None:
        later = [v for s, _, v in values if v != old]
        new = after_to[0] if after_to and after_to[0] != old else (later[0] if later else None)
    else:
        new = after_to[-1] if after_to else values[-1][2]
    return old, new


def get_amendment_changes(text: str) -> Iterator[AmendmentChange]:
    """Yield each date or period the operative part of an amendment changes, in text order.

    Recitals, the preamble and boilerplate ("Except as expressly amended …", counterparts, governing law) are
    skipped; a sentence counts when it says that something is changed/extended/replaced, or "shall instead".
    """
    body_from = 0
    m = re.search(r"agree\s+as\s+follows|NOW,?\s+THEREFORE|hereby\s+agree", text, re.I)
    if m:
        body_from = m.end()
    for sent in get_sentences(text):
        if sent.end <= body_from:
            continue
        flat = sent.text
        if _BOILERPLATE.search(flat) and not _CHANGE_CUE.search(flat.split("Except")[0] if "Except" in flat else ""):
            continue
        if not _CHANGE_CUE.search(flat):
            continue
        dates = [(d.start, d.end, d.value.isoformat()) for d in get_dates(flat) if d.value is not None]
        durs = [(d.start, d.end, iso_duration(d.amount, d.unit)) for d in get_durations(flat)]
        fld = _field_for(flat, bool(dates), bool(durs))
        if fld is None:
            continue
        values = durs if fld in ("renewal_notice_period", "termination_notice_period", "renewal_term",
                                 "initial_term", "period") else dates  # fmt: skip
        old, new = _old_new(flat, values)
        clause = None
        for cm in _CLAUSE.finditer(flat):
            tail = flat[cm.end() : cm.end() + 40]
            if re.match(r"\s*(?:of|in|under)\s+(?:the|this)\s+[A-Z\"“]", tail) or clause is None:
                clause = cm.group(0).strip()
                if re.match(r"\s*(?:of|in|under)\s+the\b", tail):
                    break
        money = _MONEY.search(flat)
        amount = None
        if money:
            try:
                amount = str(Decimal(money.group("amt").replace(",", "")).quantize(Decimal("0.01")))
            except InvalidOperation:
                amount = None
        yield AmendmentChange(sent.start, sent.end, sent.text, fld, clause, old, new, amount)


# --- a compact description for the loader ------------------------------------------------------------------


def normalize_party(name: str) -> str:
    """"Northwind\\nTraders, Inc." → "northwind traders": case, punctuation and company suffixes dropped."""
    s = re.sub(r"[^\w&]+", " ", (name or "").lower())
    s = re.sub(
        r"\b(?:inc|incorporated|corp|corporation|co|company|llc|l l c|ltd|limited|lp|llp|pllc|plc|gmbh|ag|sa|bv|nv|the)\b",
        " ", s,
    )  # fmt: skip
    return _collapse(s)


def normalize_title(title: str | None) -> str:
    """"STATEMENT OF WORK NO. 6" and "the Statement of Work No. 6" → "statement of work no 6"."""
    s = re.sub(r"[^\w]+", " ", (title or "").lower())
    s = re.sub(r"^\s*(?:the|that certain|a|an)\s+", "", s)
    return _collapse(s)


def describe_amendment(text: str) -> dict[str, Any] | None:
    """What the loader stores for an amendment: ``{"reference": {...}, "changes": [...]}``; None otherwise."""
    ref = next(get_amendments(text), None)
    if ref is None:
        return None
    return {"reference": ref.to_dict(), "changes": [c.to_dict() for c in get_amendment_changes(text)]}


# --- which contract it amends ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentCandidate:
    contract_id: str
    title: str | None
    agreement_date: dt.date | None
    effective_date: dt.date | None
    parties: tuple[str, ...] = ()
    is_amendment: bool = False


@dataclass(frozen=True)
class ParentMatch:
    """The chosen parent, or why none was chosen. status: linked | unresolved | ambiguous."""

    contract_id: str | None
    status: str
    basis: tuple[str, ...] = ()  # what matched: agreement_date, effective_date, title, parties
    candidates: tuple[str, ...] = ()  # the contracts that tied (ambiguous) or came closest
    message: str = ""


def _party_overlap(a: Iterable[str], b: Iterable[str]) -> int:
    na = {normalize_party(x) for x in a if x}
    nb = {normalize_party(x) for x in b if x}
    na.discard("")
    nb.discard("")
    return len(na & nb)


def choose_parent(
    reference: AmendmentReference,
    amendment_parties: Sequence[str],
    candidates: Iterable[ParentCandidate],
    amendment_id: str | None = None,
) -> ParentMatch:
    """Pick the contract an amendment amends: the cited date must match the candidate's agreement (or
    effective) date and the cited title or the parties must match too; a tie links nothing."""
    want_title = normalize_title(reference.parent_title)
    scored: list[tuple[int, tuple[str, ...], ParentCandidate]] = []
    for c in candidates:
        if c.contract_id == amendment_id:
            continue
        basis: list[str] = []
        score = 0
        if reference.parent_date is not None:
            if c.agreement_date == reference.parent_date:
                basis.append("agreement_date")
                score += 4
            elif c.effective_date == reference.parent_date:
                basis.append("effective_date")
                score += 3
        title_ok = bool(want_title) and normalize_title(c.title) == want_title
        if title_ok:
            basis.append("title")
            score += 3
        overlap = _party_overlap(amendment_parties, c.parties)
        both = overlap >= 2 or (overlap >= 1 and min(len(amendment_parties), len(c.parties)) == 1)
        if both:
            basis.append("parties")
            score += 2
        elif amendment_parties and c.parties and (overlap == 0 or min(len(amendment_parties), len(c.parties)) >= 2):
            continue  # another counterparty: not this contract, whatever the title and date say
        if c.is_amendment:
            score -= 1
        dated = any(b in basis for b in ("agreement_date", "effective_date"))
        if reference.parent_date is not None:
            ok = dated and ("title" in basis or "parties" in basis) and score > 4
        else:
            ok = "title" in basis and "parties" in basis
        if ok:
            scored.append((score, tuple(basis), c))
    if not scored:
        cited = f"{reference.parent_title or 'an agreement'}" + (
            f" dated {reference.parent_date.isoformat()}" if reference.parent_date else ""
        )
        return ParentMatch(None, "unresolved", message=f"no contract in the register matches {cited}; "
                           "load the parent contract or link it by hand (raw.contract_amendments)")  # fmt: skip
    scored.sort(key=lambda t: -t[0])
    best = scored[0]
    ties = [s for s in scored if s[0] == best[0]]
    if len(ties) > 1:
        ids = tuple(sorted(s[2].contract_id for s in ties))
        return ParentMatch(None, "ambiguous", best[1], ids,
                           f"{len(ids)} contracts match equally ({', '.join(ids)}); link the parent by hand")  # fmt: skip
    return ParentMatch(best[2].contract_id, "linked", best[1], (best[2].contract_id,))


# --- which milestones it replaces ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Supersession:
    """``milestone_id`` is no longer in force; ``successor_id`` (a milestone of the amendment) carries it now.

    reason: amended (a parent's milestone whose date/period the amendment changed) | restated_in_amendment (an
    amendment milestone read from the same sentence that only restates the old rule or repeats the new one).
    """

    milestone_id: str
    successor_id: str
    reason: str
    change_index: int


@dataclass(frozen=True)
class AmendmentPlan:
    supersessions: tuple[Supersession, ...] = ()
    key_dates: Mapping[str, str] = field(default_factory=dict)  # field → amended value (ISO date / duration)
    notes: tuple[str, ...] = ()  # changes that could not be applied, with the reason
    matched: tuple[tuple[int, str | None, str | None], ...] = ()  # (change index, parent milestone, successor)


_STOP = set("the a an of to for and or in on by under set out is are be shall will any each this that its "
            "with from no later than date due such as per upon which".split())  # fmt: skip
_TYPES_FOR_FIELD = {
    "renewal_notice_period": ("renewal_notice",),
    "termination_notice_period": ("termination_notice",),
    "expiration_date": ("expiration",),
    "renewal_term": ("renewal",),
}


def _clause_key(ref: str | None) -> str:
    if not ref:
        return ""
    m = re.search(r"\d{1,3}(?:\.\d{1,3}){0,3}(?:\([a-z0-9]{1,4}\))*", ref, re.I)
    return m.group(0).lower() if m else _collapse(ref).lower()


def _in_clause(milestone_ref: str | None, cited: str | None) -> bool:
    c, m = _clause_key(cited), _clause_key(milestone_ref)
    if not c:
        return True
    return m == c or m.startswith(c + ".") or m.startswith(c + "(")


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def _words(text: str | None) -> set[str]:
    return {w for w in re.findall(r"[a-z]{3,}", (text or "").lower()) if w not in _STOP}


def _norm_text(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "", (text or "").lower())


def _same_sentence(m: Mapping[str, Any], change: AmendmentChange) -> bool:
    s, e = m.get("span_start"), m.get("span_end")
    if s is not None and e is not None and change.end > change.start:
        return int(s) < change.end and change.start < int(e)
    a, b = _norm_text(m.get("source_text")), _norm_text(change.text)
    return bool(a) and bool(b) and (a in b or b in a)


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _successor(change: AmendmentChange, own: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any] | None, list]:
    """The amendment milestone that carries the changed obligation, and the others read from the same sentence."""
    here = [m for m in own if _same_sentence(m, change)]
    here.sort(key=lambda m: (m.get("span_start") or 0, m.get("milestone_id") or ""))
    best = None
    if change.field in _TYPES_FOR_FIELD:
        best = next((m for m in here if m.get("obligation_type") in _TYPES_FOR_FIELD[change.field]), None)
    elif change.new_value:
        best = next((m for m in here if _iso(m.get("due_date")) == change.new_value), None)
    return best, [m for m in here if best is not None and m is not best]


def _parent_target(
    change: AmendmentChange, parent: Sequence[Mapping[str, Any]], successor: Mapping[str, Any] | None
) -> tuple[Mapping[str, Any] | None, str]:
    pool = [m for m in parent if _in_clause(m.get("clause_reference"), change.clause_reference)]
    if change.field in _TYPES_FOR_FIELD:
        types = _TYPES_FOR_FIELD[change.field]
        hits = [m for m in pool if m.get("obligation_type") in types]
        if len(hits) == 1:
            return hits[0], ""
        if not hits:
            return None, f"no {'/'.join(types)} milestone of the parent in {change.clause_reference or 'any clause'}"
        return None, f"{len(hits)} {'/'.join(types)} milestones of the parent could be meant; review by hand"
    if change.field == "period":
        return None, "the sentence changes a period without saying which; review by hand"
    scored: list[tuple[int, Mapping[str, Any]]] = []
    cw = _words(change.text)
    for m in pool:
        score = 0
        if change.old_value and _iso(m.get("due_date")) == change.old_value:
            score += 6
        elif change.old_value and m.get("due_date") is not None:
            continue  # a dated milestone with another date is not the one changed "from" old_value
        if change.amount and _amount(m.get("amount")) == _amount(change.amount):
            score += 3
        if successor is not None and m.get("obligation_type") == successor.get("obligation_type"):
            score += 1
        overlap = len(cw & (_words(m.get("milestone_name")) | _words(m.get("deliverable")) | _words(m.get("source_text"))))
        score += min(overlap, 4)
        if score >= 3:
            scored.append((score, m))
    if not scored:
        return None, f"no milestone of the parent in {change.clause_reference or 'any clause'} matches the change"
    scored.sort(key=lambda t: -t[0])
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None, f"{len(scored)} milestones of the parent match the change equally; review by hand"
    return scored[0][1], ""


def plan_supersessions(
    changes: Sequence[AmendmentChange],
    parent_milestones: Sequence[Mapping[str, Any]],
    amendment_milestones: Sequence[Mapping[str, Any]],
) -> AmendmentPlan:
    """Decide, for each change, which parent milestone is replaced and by which amendment milestone.

    Milestones are dicts with the register's columns (milestone_id, obligation_type, milestone_name,
    deliverable, due_date, clause_reference, source_text, amount, span_start, span_end). A parent milestone is
    superseded only when the amendment has a milestone that carries the obligation from now on, so nothing
    disappears; key-date changes are returned for the parent's effective key dates.
    """
    sups: list[Supersession] = []
    notes: list[str] = []
    matched: list[tuple[int, str | None, str | None]] = []
    key_dates: dict[str, str] = {}
    taken: set[str] = set()
    for i, ch in enumerate(changes):
        if ch.field in KEY_DATE_FIELDS and ch.new_value:
            key_dates[ch.field] = ch.new_value
        succ, restated = _successor(ch, amendment_milestones)
        target, why = _parent_target(ch, [m for m in parent_milestones if m["milestone_id"] not in taken], succ)
        matched.append((i, target["milestone_id"] if target else None, succ["milestone_id"] if succ else None))
        if succ is None:
            if ch.field not in KEY_DATE_FIELDS or target is not None:
                notes.append(f"change {i + 1} ({ch.field} → {ch.new_value}): the amendment has no milestone that "
                             "carries it; the parent's milestone stays in force — review by hand")  # fmt: skip
            continue
        for r in restated:
            sups.append(Supersession(r["milestone_id"], succ["milestone_id"], "restated_in_amendment", i))
        if target is None:
            notes.append(f"change {i + 1} ({ch.field} → {ch.new_value}): {why}")
            continue
        taken.add(target["milestone_id"])
        sups.append(Supersession(target["milestone_id"], succ["milestone_id"], "amended", i))
    return AmendmentPlan(tuple(sups), key_dates, tuple(notes), tuple(matched))
