"""CUAD v1 (The Atticus Project, CC BY 4.0): manifest, expert labels and their answer formats, normalised.

CUAD writes answers in its own shorthand: dates as ``2/11/19``, blanks as ``[]/[]/2020``, renewal terms
as ``successive 1 year`` or ``3 successive 1 year``, notice periods as ``90 days`` or ``(6) months``, and
alternatives as ``6 months; 12 months``. :func:`normalize_answer` turns one answer into a :class:`Gold`:
the set of acceptable values in the form :func:`extractors.keydates.get_key_dates` predicts.

How gold is read (printed by ``milestones eval`` too):

- Dates with a blank part (``[]/[]/2020``, ``09/[]/2019``) are *partial*: the contract leaves the date
  open, so no full date can be right or wrong; such rows are excluded from that field's score and counted.
- Durations compare by length in their own unit family: years and months are one family (``1 year`` ==
  ``12 months``), weeks and days are kept apart (a ``90 days`` notice is not ``3 months``).
- Renewal terms compare the period only: the count of renewals and the word "successive" are dropped
  (``3 successive 1 year`` → 1 year); ``perpetual`` stays ``perpetual``.
- Alternatives separated by ``;`` or `` / `` are all acceptable.
- auto_renewal has no CUAD column; :func:`derive_auto_renewal` reads it from the Renewal Term answer and
  the clause text the experts highlighted (documented there).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MilestonesError

__all__ = [
    "CREDIT",
    "FIELDS",
    "Gold",
    "ManifestRow",
    "load_manifest",
    "load_labels",
    "normalize_answer",
    "derive_auto_renewal",
    "duration_key",
    "gold_for_row",
]

CREDIT = "CUAD v1 by The Atticus Project (CC BY 4.0), https://www.atticusprojectai.org/cuad"

# field → (answer column, span column) in CUAD's master_clauses layout
FIELDS: dict[str, tuple[str, str]] = {
    "agreement_date": ("Agreement Date-Answer", "Agreement Date"),
    "effective_date": ("Effective Date-Answer", "Effective Date"),
    "expiration_date": ("Expiration Date-Answer", "Expiration Date"),
    "renewal_term": ("Renewal Term-Answer", "Renewal Term"),
    "renewal_notice_period": ("Notice Period To Terminate Renewal- Answer", "Notice Period To Terminate Renewal"),
}

Value = dt.date | str | tuple[str, int] | bool


@dataclass(frozen=True)
class Gold:
    """Acceptable values for one field of one contract; no values and not excluded = CUAD has no answer."""

    raw: str
    values: frozenset[Value] = field(default_factory=frozenset)
    excluded: str | None = None  # "partial" (blanks in the answer) or "unreadable"; not scored

    @property
    def empty(self) -> bool:
        return not self.values and self.excluded is None

    def accepts(self, predicted: Value | None) -> bool:
        if predicted is None:
            return False
        if isinstance(predicted, str) and predicted.startswith("P"):
            key = duration_key(predicted)
            return key is not None and key in self.values
        return predicted in self.values


@dataclass(frozen=True)
class ManifestRow:
    doc_id: str
    split: str
    title: str
    txt: Path
    pdf: Path


def load_manifest(cuad_dir: str | Path) -> list[ManifestRow]:
    root = Path(cuad_dir)
    path = root / "manifest.csv"
    if not path.is_file():
        raise MilestonesError(
            f"{path} not found: point --cuad (or MILESTONES_CUAD) at the CUAD folder holding manifest.csv and txt/"
        )
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            ManifestRow(r["doc_id"], r["split"], r.get("title", ""), root / r["txt"], root / r.get("pdf", ""))
            for r in csv.DictReader(fh)
        ]


def load_labels(path: str | Path) -> dict[str, dict[str, str]]:
    """Rows of a master_clauses-style CSV keyed by doc_id; checks the key-date columns are there."""
    p = Path(path)
    if not p.is_file():
        raise MilestonesError(f"{p}: labels file not found; pass --labels with a CSV in labels_dev.csv's format")
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        needed = ["doc_id"] + [c for pair in FIELDS.values() for c in pair]
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise MilestonesError(f"{p}: missing columns {missing}; the file must have labels_dev.csv's columns")
        return {row["doc_id"]: row for row in reader}


# --- answer normalisation ----------------------------------------------------------------------------
_DATE = re.compile(r"^\s*(\[\s*\]|\d{1,2})\s*/\s*(\[\s*\]|\d{1,2})\s*/\s*((?:\d|\[\s*\])+)\s*$")
_NUM = r"(\d+(?:\.\d+)?|\(\s*\d+\s*\)|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_PERIOD = re.compile(rf"{_NUM}\s*\)?\s*(years?|months?|weeks?|days?)", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip


def _year(token: str) -> int:
    y = int(token)
    if len(token) <= 2:
        y += 2000 if y < 50 else 1900
    return y


def _gold_date(text: str) -> dt.date | str | None:
    """A full date, "partial" for a date with blanks, or None when the text is not a CUAD date."""
    m = _DATE.match(text)
    if not m:
        return None
    parts = m.groups()
    if any("[" in p for p in parts):
        return "partial"
    month, day = int(parts[0]), int(parts[1])
    if month > 12 >= day:  # a few answers are day-first ("31/01/2025")
        month, day = day, month
    try:
        return dt.date(_year(parts[2]), month, day)
    except ValueError:
        return None


def duration_key(value: str) -> tuple[str, int] | None:
    """A comparable (family, length) for an ISO duration we predict: P1Y → ("M", 12), P30D → ("D", 30)."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", value)
    if not m or not any(m.groups()):
        return None
    y, mo, w, d = (int(g) if g else 0 for g in m.groups())
    if y or mo:
        return ("M", y * 12 + mo) if not (w or d) else None
    return ("W", w) if w and not d else ("D", d) if d and not w else None


def _period_key(text: str) -> tuple[str, int] | None | str:
    """Sum of the periods in one CUAD answer part: "4 years, 6 months" → ("M", 54); "[]" → "partial"."""
    if "[" in text and not _PERIOD.search(text):
        return "partial"
    months = days = weeks = 0
    found = False
    for m in _PERIOD.finditer(text):
        found = True
        raw = m.group(1).strip("() ").lower()
        amount = float(_WORDS.get(raw, raw))
        unit = m.group(2).lower().rstrip("s")
        if unit == "year":
            months += round(amount * 12)
        elif unit == "month":
            months += round(amount)
        elif unit == "week":
            weeks += round(amount)
        else:
            days += round(amount)
    if not found:
        return None
    if months and not (days or weeks):
        return ("M", months)
    if weeks and not (days or months):
        return ("W", weeks)
    if days and not (weeks or months):
        return ("D", days)
    return None


def _renewal_period(text: str) -> tuple[str, int] | None | str:
    """The period of one renewal answer: the count before it is dropped ("2 5 years" → 5 years)."""
    matches = list(_PERIOD.finditer(text))
    if len(matches) > 1 and "," in text:  # "4 years, 6 months" is one period written in two units
        return _period_key(text)
    if matches:
        return _period_key(matches[-1].group(0))
    return _period_key(text)


def _alternatives(raw: str) -> list[str]:
    return [p.strip() for p in re.split(r";|\s/\s", raw) if p.strip()]


def normalize_answer(field_name: str, raw: str) -> Gold:
    """One CUAD answer as the set of values a correct prediction may take."""
    raw = (raw or "").strip()
    if not raw:
        return Gold(raw)
    values: set[Value] = set()
    partial = False
    for part in _alternatives(raw):
        low = part.lower()
        if field_name in ("agreement_date", "effective_date", "expiration_date"):
            if low.startswith("perpetual"):
                if field_name == "expiration_date":
                    values.add("perpetual")
                continue
            d = _gold_date(part)
            if d == "partial":
                partial = True
            elif isinstance(d, dt.date):
                values.add(d)
        elif field_name == "renewal_term":
            if low.startswith("perpetual"):
                values.add("perpetual")
                continue
            key = _renewal_period(part)
            if key == "partial":
                partial = True
            elif isinstance(key, tuple):
                values.add(key)
        elif field_name == "renewal_notice_period":
            key = _period_key(part)
            if key == "partial":
                partial = True
            elif isinstance(key, tuple):
                values.add(key)
        else:
            raise ValueError(f"unknown field {field_name!r}; expected one of {sorted(FIELDS)} or auto_renewal")
    # a partial alternative beside a full one ("09/05/2019; perpetual") is still scorable
    if values:
        return Gold(raw, frozenset(values))
    return Gold(raw, frozenset(), "partial" if partial else "unreadable")


# --- auto-renewal, derived ---------------------------------------------------------------------------
_AUTO = re.compile(
    r"automatic|tacit|evergreen|year[\s-]+to[\s-]+year|month[\s-]+to[\s-]+month|non-?renewal|not\s+to\s+renew"
    r"|(?:intention|intent|desire)\s+not\s+to|unless\s+(?:either|a|one|the)\s+part(?:y|ies)\s+(?:gives?|provides?|notif)",
    re.I,
)
_OPTIONAL = re.compile(
    r"\boption\b|right\s+(?:to|of)\s+renew|exercise|discretion|mutual|consent\s+of\s+both|may\s+agree"
    r"|\bagree\b|written\s+agreement|by\s+amendment|renewable|\belects?\b|\bmay\b",
    re.I,
)
_WILL_RENEW = re.compile(r"\b(?:shall|will)\s+(?:thereafter\s+)?(?:be\s+)?(?:renew|extend|continu)", re.I)


def derive_auto_renewal(renewal_answer: str, renewal_span: str) -> Gold:
    """Gold auto_renewal from the Renewal Term answer and its highlighted clause text.

    No renewal answer → no answer (a prediction of True or False counts as a false positive); no
    highlighted clause → not scored.
    ``perpetual`` (continues until terminated) → True. Otherwise True when the clause says the renewal
    happens by itself (automatic, tacit, year-to-year, "unless either party gives notice", non-renewal
    notice); False when it needs an option, a right, consent or agreement ("may renew", "at its option");
    else True when it "shall/will renew/extend/continue", False otherwise.
    """
    answer = (renewal_answer or "").strip()
    if not answer:
        return Gold("")
    if answer.lower().startswith("perpetual"):
        return Gold(answer, frozenset({True}))
    span = renewal_span or ""
    if not span.strip("[] "):
        return Gold(answer, frozenset(), "unreadable")  # no clause highlighted: nothing to derive from
    if _AUTO.search(span):
        value = True
    elif _OPTIONAL.search(span):
        value = False
    else:
        value = bool(_WILL_RENEW.search(span))
    return Gold(f"{answer} → {'auto' if value else 'optional'}", frozenset({value}))


def gold_for_row(row: dict[str, str]) -> dict[str, Gold]:
    """All scored fields of one labels row."""
    out = {name: normalize_answer(name, row.get(answer, "")) for name, (answer, _span) in FIELDS.items()}
    out["auto_renewal"] = derive_auto_renewal(row.get("Renewal Term-Answer", ""), row.get("Renewal Term", ""))
    return out


def split_rows(rows: Iterable[ManifestRow], split: str) -> list[ManifestRow]:
    return [r for r in rows if split == "all" or r.split == split]
