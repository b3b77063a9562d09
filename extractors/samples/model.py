"""The in-memory contract a sample is rendered from, and the ground-truth records built beside it.

Every obligation sentence is created once, as an :class:`Ob`, and both the renderers (its ``text``) and the
truth file (its fields) read that same object, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Rule", "Ob", "Heading", "Para", "Table", "Signature", "Party", "Contract"]


@dataclass(frozen=True)
class Rule:
    """A due rule as the text states it (mirrors :class:`extractors.schema.DueRule`)."""

    kind: str = "none"  # absolute | relative | recurring | none
    amount: int | None = None
    unit: str | None = None  # days | business_days | weeks | months | years | hours
    direction: str | None = None  # after | before | within | on
    anchor: str | None = None
    frequency: str | None = None
    date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount": self.amount,
            "unit": self.unit,
            "direction": self.direction,
            "anchor": self.anchor,
            "frequency": self.frequency,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass
class Ob:
    """One obligation sentence (or table row) with its truth."""

    text: str
    obligation_type: str
    milestone_name: str
    responsible_party: str | None
    due_date: dt.date | None
    rule: Rule
    deliverable: str | None = None
    recurrence: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    percentage: str | None = None
    depends_on: str | None = None
    condition: str | None = None
    clause_reference: str | None = None  # filled in when the sentence is placed
    source_text: str | None = None  # defaults to text; table rows set their rendered row
    also: list[Ob] = field(default_factory=list)  # further obligations stated by the same sentence

    def to_dict(self) -> dict[str, Any]:
        return {
            "obligation_type": self.obligation_type,
            "milestone_name": self.milestone_name,
            "deliverable": self.deliverable,
            "responsible_party": self.responsible_party,
            "clause_reference": self.clause_reference,
            "source_text": self.source_text or self.text,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "due_rule": self.rule.to_dict(),
            "recurrence": self.recurrence,
            "amount": f"{self.amount:.2f}" if self.amount is not None else None,
            "currency": self.currency,
            "percentage": self.percentage,
            "depends_on": self.depends_on,
            "condition": self.condition,
        }


Sentence = str | Ob


@dataclass
class Heading:
    text: str
    level: int = 1  # 0 = document title, 1 = article/section heading, 2 = schedule/exhibit heading


@dataclass
class Para:
    """A paragraph: optional printed number ("4.2", "Section 4.2", "(a)") then sentences joined by a space."""

    sentences: list[Sentence]
    number: str | None = None
    caption: str | None = None  # run-in heading printed after the number ("Payment Terms.")
    indent: int = 0
    align: str = "justify"

    @property
    def body(self) -> str:
        return " ".join(s.text if isinstance(s, Ob) else s for s in self.sentences)

    @property
    def text(self) -> str:
        head = " ".join(x for x in (self.number, self.caption) if x)
        return f"{head} {self.body}" if head else self.body


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    row_obs: list[list[Ob]] = field(default_factory=list)  # obligations stated by each row
    widths: list[float] | None = None  # relative column widths for PDF/DOCX


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # the defined term: "Client", "Vendor", …
    short: str  # stem fragment: "acme"
    description: str  # "a Delaware corporation"
    address: str
    signatory: str
    title: str


@dataclass
class Contract:
    contract_id: str
    kind: str
    contract_type: str
    title: str
    fmt: str  # pdf | docx | txt
    parties: tuple[Party, Party]  # (portfolio owner, counterparty)
    agreement_date: dt.date
    effective_date: dt.date
    blocks: list[Heading | Para | Table | Signature] = field(default_factory=list)
    key_dates: dict[str, Any] = field(default_factory=dict)
    sla_terms: dict[str, Any] | None = None
    amends: dict[str, Any] | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # what later amendments may change

    @property
    def obligations(self) -> list[Ob]:
        out: list[Ob] = []
        for b in self.blocks:
            if isinstance(b, Para):
                for s in b.sentences:
                    if isinstance(s, Ob):
                        out += [s, *s.also]
            elif isinstance(b, Table):
                for row in b.row_obs:
                    out.extend(row)
        return out


@dataclass
class Signature:
    parties: tuple[Party, Party]
    date: dt.date | None
    date_text: str | None = None
    doc_term: str = "Agreement"  # "this SOW", "this Amendment" …
