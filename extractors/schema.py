"""Records that flow out of extraction: the JSON shape `milestones extract` prints and the loader reads.

The first six milestone keys (milestone_name … clause_reference) are the payload CLM integrations expect;
the rest carry provenance and the due rule. Durations are ISO-8601 strings, dates ISO dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "OBLIGATION_TYPES",
    "SourceSpan",
    "DueRule",
    "Milestone",
    "KeyDates",
    "ContractExtraction",
]

OBLIGATION_TYPES: tuple[str, ...] = (
    "delivery",
    "payment",
    "reporting",
    "renewal",
    "renewal_notice",
    "termination_notice",
    "expiration",
    "option_exercise",
    "acceptance",
    "insurance",
    "audit",
    "sla",
    "warranty",
    "compliance",
    "other",
)


def _iso(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class SourceSpan:
    """Character offsets into the document's full text (pages joined by form feeds) and the 1-based page."""

    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class DueRule:
    """How the due date is defined in the text, kept as found.

    kind: absolute | relative | recurring | none
    amount/unit: the duration as written ("30", "business_days"), direction: after | before | within
    anchor: what the duration counts from (effective_date, expiration_date, invoice_receipt, delivery,
    acceptance, notice, quarter_end, month_end, year_end, written_request, signing, …)
    frequency: monthly | quarterly | semiannually | annually | weekly | None
    """

    kind: str = "none"
    amount: int | None = None
    unit: str | None = None
    direction: str | None = None
    anchor: str | None = None
    frequency: str | None = None
    date: dt.date | None = None  # the stated date for kind == "absolute"

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class Milestone:
    milestone_name: str
    deliverable: str | None
    due_date: dt.date | None
    responsible_party: str | None
    condition: str | None
    clause_reference: str | None
    obligation_type: str
    due_rule: DueRule
    recurrence: str | None
    confidence: float
    needs_review: bool
    source_text: str
    source_span: SourceSpan
    amount: str | None = None  # Decimal as string, e.g. "25000.00"
    currency: str | None = None
    percentage: str | None = None  # e.g. "30"
    depends_on: str | None = None  # free text naming the predecessor ("Phase 1 deliverables")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, DueRule):
                out[f.name] = value.to_dict()
            elif isinstance(value, SourceSpan):
                out[f.name] = dataclasses.asdict(value)
            else:
                out[f.name] = _iso(value)
        return out


@dataclass(frozen=True)
class KeyDates:
    agreement_date: dt.date | None = None
    effective_date: dt.date | None = None
    expiration_date: dt.date | str | None = None  # a date, "perpetual", or None
    initial_term: str | None = None  # ISO-8601 duration, e.g. "P3Y"
    renewal_term: str | None = None
    auto_renewal: bool | None = None
    renewal_notice_period: str | None = None
    next_renewal_notice_deadline: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class ContractExtraction:
    contract_id: str
    source: str
    key_dates: KeyDates
    extracted_milestones: tuple[Milestone, ...] = ()
    warnings: tuple[str, ...] = ()
    parties: tuple[dict[str, str | None], ...] = ()  # [{"name", "role"}]
    title: str | None = None
    contract_type: str | None = None  # extractors.contract_type.CONTRACT_TYPES, from the title
    pages: int = 0
    content_hash: str | None = None
    extractor_version: str | None = None
    model_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `milestones extract` prints (schema of issue #3) plus provenance fields."""
        return {
            "contract_id": self.contract_id,
            "source": self.source,
            "key_dates": self.key_dates.to_dict(),
            "extracted_milestones": [m.to_dict() for m in self.extracted_milestones],
            "warnings": list(self.warnings),
            "parties": list(self.parties),
            "title": self.title,
            "contract_type": self.contract_type,
            "pages": self.pages,
            "content_hash": self.content_hash,
            "extractor_version": self.extractor_version,
            "model_version": self.model_version,
        }
