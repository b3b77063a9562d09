"""Composing one sample contract: numbering as printed, seeded phrasing choices, obligations with truth.

A :class:`Ctx` carries everything a clause needs (the seeded RNG, the run's ``as_of``, the two parties, the
effective date) and a :class:`Writer` that numbers articles and clauses the way this contract prints them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .calendar import add_duration, long_date, number_words
from .model import Heading, Ob, Para, Party, Rule, Sentence, Signature, Table
from .render import row_text

__all__ = ["Writer", "Ctx", "ordinal"]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

_UNIT_WORDS = {
    "days": ("day", "days"),
    "business_days": ("business day", "business days"),
    "weeks": ("week", "weeks"),
    "months": ("month", "months"),
    "years": ("year", "years"),
    "hours": ("hour", "hours"),
}


class Writer:
    """Numbers articles and clauses in one of three printed styles.

    decimal: "4. PAYMENT" then "4.2"; section: "ARTICLE 4 PAYMENT" then "Section 4.2"; flat: unnumbered
    headings and clauses "1.", "2." (referenced as "1", "2").
    """

    def __init__(self, style: str, fmt: str) -> None:
        self.style = style
        self.fmt = fmt
        self.blocks: list[Any] = []
        self.art = 0
        self.sub = 0
        self.flat = 0

    def title(self, text: str) -> None:
        self.blocks.append(Heading(text, 0))

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Heading(text, level))

    def para(self, *sentences: Sentence, align: str = "justify", indent: int = 0) -> None:
        self._claim(sentences, None)
        self.blocks.append(Para(list(sentences), align=align, indent=indent))

    def article(self, name: str) -> None:
        if self.style == "flat":
            self.blocks.append(Heading(name.title() if name.isupper() else name, 1))
            return
        self.art += 1
        self.sub = 0
        if self.style == "section":
            self.blocks.append(Heading(f"ARTICLE {self.art}  {name.upper()}", 1))
        else:
            self.blocks.append(Heading(f"{self.art}. {name.upper()}", 1))

    def _next_ref(self) -> tuple[str, str]:
        if self.style == "flat":
            self.flat += 1
            return f"{self.flat}.", f"{self.flat}"
        self.sub += 1
        ref = f"{self.art}.{self.sub}"
        if self.style == "section":
            return f"Section {ref}", f"Section {ref}"
        return ref, ref

    @staticmethod
    def _claim(sentences: Any, ref: str | None) -> None:
        for s in sentences:
            if isinstance(s, Ob):
                s.clause_reference = ref
                for extra in s.also:
                    extra.clause_reference = ref

    def clause(self, *sentences: Sentence, caption: str | None = None) -> str:
        number, ref = self._next_ref()
        self._claim(sentences, ref)
        self.blocks.append(Para(list(sentences), number=number, caption=caption))
        return ref

    def items(self, lead: Sequence[Sentence], items: Sequence[Sequence[Sentence]], caption: str | None = None) -> str:
        """A clause with lettered sub-items "(a)", "(b)", each referenced as "<clause>(a)"."""
        ref = self.clause(*lead, caption=caption)
        for i, sentences in enumerate(items):
            letter = f"({chr(ord('a') + i)})"
            self._claim(sentences, f"{ref}{letter}")
            self.blocks.append(Para(list(sentences), number=letter, indent=1))
        return ref

    def table(self, header: list[str], rows: list[list[str]], row_obs: list[list[Ob]], ref: str,
              widths: list[float] | None = None) -> None:
        for cells, obs in zip(rows, row_obs, strict=True):
            for ob in obs:
                ob.clause_reference = ref
                ob.source_text = row_text(cells, self.fmt)
        self.blocks.append(Table(header, rows, row_obs, widths))

    def signature(self, parties: tuple[Party, Party], date: dt.date | None, date_text: str | None,
                  doc_term: str = "Agreement") -> None:
        self.blocks.append(Signature(parties, date, date_text, doc_term))


class Ctx:
    """Everything a clause builder needs; every random choice goes through ``self.rng``."""

    def __init__(self, rng: random.Random, as_of: dt.date, fmt: str, home: Party, other: Party,
                 effective: dt.date, agreement: dt.date, style: str | None = None) -> None:
        self.rng = rng
        # a second stream for later refinements, so adding a choice does not reshuffle every date drawn after it
        self.xrng = random.Random(f"x:{home.name}:{other.name}:{effective.isoformat()}:{fmt}")
        self.as_of = as_of
        self.fmt = fmt
        self.home = home
        self.other = other
        self.eff = effective
        self.agreement = agreement
        self.w = Writer(style or rng.choice(["decimal", "decimal", "section", "flat"]), fmt)
        self.numstyle = rng.choices(["words_digits", "digits", "words"], [6, 3, 1])[0]
        self.date_style = self.xrng.choices(["us", "ordinal", "intl"], [14, 3, 3])[0]
        self.key: dict[str, Any] = {
            "agreement_date": agreement, "effective_date": effective, "expiration_date": None,
            "initial_term": None, "renewal_term": None, "auto_renewal": None,
            "renewal_notice_period": None, "next_renewal_notice_deadline": None,
        }  # fmt: skip
        self.facts: dict[str, Any] = {}
        self.sla_terms: dict[str, Any] | None = None

    # parties -------------------------------------------------------
    @property
    def H(self) -> str:  # noqa: N802 - the portfolio owner's name
        return self.home.name

    @property
    def O(self) -> str:  # noqa: N802,E743 - the counterparty's name
        return self.other.name

    @property
    def h(self) -> str:
        return self.home.role

    @property
    def o(self) -> str:
        return self.other.role

    # phrasing ------------------------------------------------------
    def pick(self, *options: Any) -> Any:
        return self.rng.choice(options)

    def num(self, n: int) -> str:
        if self.numstyle == "digits" or n >= 1000:
            return str(n)
        if self.numstyle == "words":
            return number_words(n)
        return f"{number_words(n)} ({n})"

    def dur(self, n: int, unit: str) -> str:
        one, many = _UNIT_WORDS[unit]
        return f"{self.num(n)} {one if n == 1 else many}"

    def days_possessive(self, n: int) -> str:
        """"thirty (30) days'" for "upon thirty (30) days' notice"."""
        return f"{self.num(n)} days'"

    def money(self, amount: Decimal) -> str:
        if amount == amount.to_integral_value() and self.rng.random() < 0.3:
            return f"${amount:,.0f}"
        return f"${amount:,.2f}"

    def pct(self, p: int | str) -> str:
        if self.numstyle == "words_digits" and str(p).isdigit():
            return f"{number_words(int(p))} percent ({p}%)"
        return f"{p}%"

    def date(self, d: dt.date) -> str:
        """A date in this contract's house style: "March 15, 2027", "March 15th, 2027" or "15 March 2027"."""
        if self.date_style == "ordinal":
            return f"{calendar.month_name[d.month]} {ordinal(d.day)}, {d.year}"
        if self.date_style == "intl":
            return f"{d.day} {calendar.month_name[d.month]} {d.year}"
        return long_date(d)

    def formal_date(self, d: dt.date) -> str:
        """"the 3rd day of March, 2025" (preambles only)."""
        return f"the {ordinal(d.day)} day of {calendar.month_name[d.month]}, {d.year}"

    def target(self, low: int, high: int, weekday: bool = True) -> dt.date:
        """A date between as_of+low and as_of+high days, moved off weekends."""
        d = self.as_of + dt.timedelta(days=self.rng.randint(low, high))
        while weekday and d.weekday() >= 5:
            d += dt.timedelta(days=1)
        return d

    def spread(self) -> dt.date:
        """A deadline drawn from the portfolio mix: overdue, 30/60/90 days, or later this year."""
        bucket = self.rng.choices(["overdue", "30", "60", "90", "later"], [14, 24, 20, 16, 26])[0]
        low, high = {"overdue": (-70, -2), "30": (1, 30), "60": (31, 60), "90": (61, 90), "later": (91, 330)}[bucket]
        return self.target(low, high)

    # obligations ---------------------------------------------------
    def ob(self, text: str, otype: str, name: str, who: str | None, due: dt.date | None, rule: Rule,
           **kw: Any) -> Ob:
        return Ob(text=text, obligation_type=otype, milestone_name=name, responsible_party=who, due_date=due,
                  rule=rule, **kw)

    @staticmethod
    def absolute(d: dt.date, direction: str = "before") -> Rule:
        return Rule(kind="absolute", direction=direction, date=d)

    @staticmethod
    def relative(amount: int | None, unit: str | None, direction: str, anchor: str) -> Rule:
        return Rule(kind="relative", amount=amount, unit=unit, direction=direction, anchor=anchor)

    @staticmethod
    def recurring(amount: int | None, unit: str | None, direction: str, anchor: str, frequency: str) -> Rule:
        return Rule(kind="recurring", amount=amount, unit=unit, direction=direction, anchor=anchor,
                    frequency=frequency)

    def from_effective(self, amount: int, unit: str) -> dt.date:
        return add_duration(self.eff, amount, unit)
